"""Console pages of correction requests (platform/consent/corrections.py): the queue of a
union's open requests with their due dates, and the request's page with the two declared
buttons (corrected / not corrected). Staff correct the record itself on its own page, through
its own actions; here they answer the worker. Opening a request is audited: it shows what
she wrote in full (the handler needs it)."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.platform.audit.services import record_event
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.consent.corrections import CORRECTION
from gonghui.platform.consent.models import CorrectionRequest, CorrectionState
from gonghui.platform.consent.subject import person_link
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.workflow.faces import TransitionAdmin


@admin.register(CorrectionRequest, site=console_site)
class CorrectionRequestAdmin(TransitionAdmin, ScopedModelAdmin):
    list_display = ["record", "worker", "org", "state", "submitted_at", "waiting", "due"]
    list_filter = ["state"]
    list_select_related = ["org", "user"]
    search_fields = ["record"]
    change_form_template = "console/correction_change_form.html"
    fields = [
        "worker",
        "org",
        "record",
        "requested",
        "explanation",
        "state",
        "submitted_at",
        "due",
        "decided_at",
        "decided_by",
        "outcome",
    ]
    readonly_fields = fields

    def get_ordering(self, request):
        return ["-state", "submitted_at", "pk"]  # waiting (submitted) first, oldest first

    def has_add_permission(self, request):
        return False  # the worker asks from 我的数据

    def has_change_permission(self, request, obj=None):
        return False  # answered through the declared buttons, never edited

    @admin.display(description=_("worker"))
    def worker(self, obj):
        link = person_link(obj.user)
        if link is None:
            return mask_phone(obj.user.phone or "") or "—"
        name, url = link
        return format_html('<a href="{}">{}</a>', url, name)

    def _start(self, obj):
        return timezone.localdate(obj.submitted_at)

    @admin.display(description=_("Waiting (working days)"))
    def waiting(self, obj):
        if obj.state != CorrectionState.SUBMITTED:
            return "—"
        try:
            return CORRECTION.elapsed(self._start(obj))
        except CalendarYearMissing:
            return "—"

    @admin.display(description=_("Due"))
    def due(self, obj):
        if obj.state != CorrectionState.SUBMITTED:
            return "—"
        try:
            return CORRECTION.due(self._start(obj)).isoformat()
        except CalendarYearMissing:
            return "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            record_event(
                actor=request.user,
                action="consent.read_correction_request",
                obj=obj,
                details={"record": obj.record},
            )
        return response
