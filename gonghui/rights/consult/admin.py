"""Console pages of legal consultations: one queue (the city's queue waiting for a law firm,
those past the answer deadline, a lawyer's consultations waiting for her answer) and the
consultation page (the thread, the declared buttons of workflows.py on ``<pk>/do/<name>/``).

Staff read through ``restrict`` like every scoped model. A lawyer (partner account) holds no
model permission: she reads the same ``restrict(user, "view")``, which for her is the partner
scope alone (her firm's consultations, partner_scope.py); ``consult.answer_as_lawyer`` only
opens the pages to her. Nothing is written here except through the actions."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from gonghui.console.base import ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.sites import console_site
from gonghui.platform.access.scoping import user_permissions
from gonghui.platform.calendar.deadlines import DeadlineStatus
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.workflow.faces import TransitionAdmin
from gonghui.rights.consult import actions, deadlines, todos
from gonghui.rights.consult.choices import OPEN_STATES
from gonghui.rights.consult.models import Consultation


class QueueFilter(DropdownFilter):
    """The work waiting: open consultations by default, or one queue of the start page."""

    title = _("queue")
    parameter_name = "queue"
    all_option = ["all", _("All")]

    def lookups(self, request, model_admin):
        rows = [("open", _("Not finished"))]
        if actions.ASSIGN in user_permissions(request.user):
            rows += [
                (todos.Q_UNASSIGNED, _("Waiting for a law firm")),
                (todos.Q_OVERDUE, _("Past the answer deadline")),
            ]
        if actions.LAWYER in user_permissions(request.user):
            rows.append((todos.Q_MINE, _("Waiting for my answer")))
        return rows

    def value(self):
        return super().value() or "open"

    def queryset(self, request, queryset):
        value, user = self.value(), request.user
        if value == "all":
            return queryset
        if value == todos.Q_UNASSIGNED:
            return actions.waiting_for_firm(user, queryset)
        if value == todos.Q_OVERDUE:
            return deadlines.overdue(queryset)
        if value == todos.Q_MINE:
            return actions.waiting_for_lawyer(user, queryset)
        return queryset.filter(state__in=OPEN_STATES)


DETAIL_FIELDS = [
    "number",
    "state",
    "topic",
    "masked_worker",
    "masked_phone",
    "question",
    "org",
    "agency",
    "lawyer_name",
    "asked_at",
    "due_badge",
    "answered_at",
    "rating",
    "rating_comment",
    "converted_to",
    "converted_number",
]


def _is_lawyer(request) -> bool:
    return actions.LAWYER in user_permissions(request.user)


@admin.register(Consultation, site=console_site)
class ConsultationAdmin(TransitionAdmin, ScopedModelAdmin):
    list_display = ["number", "topic", "org", "agency", "asked_at", "due_badge", "state"]
    list_select_related = ["org", "agency"]
    list_filter = [QueueFilter, "state", "topic"]
    list_filter_submit = True
    search_fields = ["number"]
    search_help_text = _("Consultation number")
    ordering = ["asked_at", "id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedPaginator
    fields = DETAIL_FIELDS
    readonly_fields = DETAIL_FIELDS
    change_form_template = "consult/admin/consultation_change_form.html"

    # A lawyer holds no model permission (see the module docstring): her pages open on
    # ``consult.answer_as_lawyer``; what she reads is still ``restrict(user, "view")``.
    def has_module_permission(self, request):
        return super().has_module_permission(request) or _is_lawyer(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or _is_lawyer(request)

    def has_add_permission(self, request):
        return False  # a worker asks on /m/ (or the API)

    def has_change_permission(self, request, obj=None):
        return False  # every change is a declared transition

    @admin.display(description=_("Worker"))
    def masked_worker(self, obj):
        return mask_name(obj.worker_name)

    @admin.display(description=_("Worker's phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.worker_phone)

    @admin.display(description=_("Lawyer"))
    def lawyer_name(self, obj):
        if obj.lawyer_id is None:
            return ""
        return obj.lawyer.display_name or obj.lawyer.username

    @admin.display(description=_("Answer due"))
    def due_badge(self, obj):
        """The answer's due day, red once overdue, amber when due soon."""
        due = deadlines.answer_due(obj)
        if due is None:
            return ""
        badge = {
            DeadlineStatus.OVERDUE: ("bg-red-100 text-red-700", _("Overdue")),
            DeadlineStatus.WARNING: ("bg-amber-100 text-amber-800", _("Due soon")),
        }.get(deadlines.answer_status(obj))
        if badge is None:
            return format_html('<span title="{}">{}</span>', deadlines.ANSWER.legal_basis, due)
        return format_html(
            '<span class="{} rounded px-2 py-0.5 text-xs font-semibold" title="{}">{}</span> {}',
            badge[0],
            deadlines.ANSWER.legal_basis,
            badge[1],
            due,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "thread": list(obj.messages.order_by("at", "id")),
        }
        return super().change_view(request, object_id, form_url, extra_context)
