"""The join review queue: pending applications first, with their review clock on the holiday
calendar and the identity findings of each row; the application page shows the findings and
the declared buttons (members/workflows.py): 同意入会, 不予批准 and the in-person check, each on
its own ``<pk>/do/<name>/`` page. Batch approval stays a list action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.contrib.filters.admin import DropdownFilter

from gonghui.console.base import ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.sites import console_site
from gonghui.members import actions, identity, workflows
from gonghui.members.admin.shared import SubtreeFilter
from gonghui.members.choices import JoinRequestState
from gonghui.members.deadlines import JOIN_REVIEW, submitted_on
from gonghui.members.models import JoinRequest
from gonghui.members.search import (
    overdue_join_requests,
    search_join_requests,
    submitted_before_for_age,
)
from gonghui.members.todos import due_soon_join_requests
from gonghui.platform.access.scoping import restrict
from gonghui.platform.calendar.deadlines import DeadlineStatus
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.pii.masking import mask_id_detail, mask_id_list, mask_name, mask_phone
from gonghui.platform.workflow.faces import TransitionAdmin

# Short labels of the reviewer's findings (members/identity.py); the full text is the title.
FINDING_LABELS = {
    identity.ALREADY_MEMBER: _("Member elsewhere"),
    identity.PHONE_DIFFERS: _("Phone not on file"),
    identity.PROVED: _("Identity proved"),
    identity.PHONE_OF_ANOTHER: _("Phone of another person"),
    identity.OTHER_CLAIM: _("Competing application"),
}


class JoinStateFilter(DropdownFilter):
    """Pending applications by default: the queue is what needs a decision."""

    title = _("state")
    parameter_name = "state"
    all_option = ["all", _("All")]

    def lookups(self, request, model_admin):
        return JoinRequestState.choices

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # A search looks for the application in every state unless a state is chosen:
        # "what became of my application?" is asked after the decision too.
        self.searching = bool(request.GET.get(SEARCH_VAR, "").strip())

    def value(self):
        return super().value() or ("all" if self.searching else JoinRequestState.PENDING)

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        return queryset.filter(state=value)


class JoinAgeFilter(DropdownFilter):
    title = _("waiting for")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("5", _("More than 5 working days")),
            ("10", _("More than 10 working days")),
            ("due_soon", _("Due soon")),
            ("overdue", _("Overdue")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "overdue":
            return overdue_join_requests(queryset)
        if value == "due_soon":
            return due_soon_join_requests(queryset)
        try:
            days = int(value)
        except ValueError:
            return queryset
        return queryset.filter(submitted_at__lt=submitted_before_for_age(days))


@admin.register(JoinRequest, site=console_site)
class JoinRequestAdmin(TransitionAdmin, ScopedModelAdmin):
    list_display = [
        "masked_name",
        "masked_id",
        "employment_form",
        "employer_name",
        "org",
        "submitted_at",
        "age",
        "overdue_badge",
        "findings_badge",
        "state",
    ]
    list_select_related = ["org"]
    list_filter = [JoinStateFilter, JoinAgeFilter, "employment_form", SubtreeFilter]
    list_filter_submit = True
    search_fields = ["name"]  # shows the box; get_search_results does the work
    search_help_text = _("Name, full ID number, mobile or channel")
    ordering = ["submitted_at", "id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facets count every filter choice exactly
    paginator = CappedPaginator
    actions = ["approve_selected"]
    fields = [
        "masked_name_detail",
        "masked_id_detail",
        "masked_phone",
        "org",
        "channel",
        "employer_name",
        "employment_form",
        "is_migrant",
        "residence_region",
        "state",
        "submitted_at",
        "decided_at",
        "decided_by",
        "reason",
        "identity_proof",
        "identity_proved_at",
        "identity_proved_by",
        "identity_note",
    ]
    readonly_fields = fields
    change_form_template = "members/admin/joinrequest_change_form.html"

    def get_search_results(self, request, queryset, search_term):
        return search_join_requests(queryset, search_term), False

    def get_changelist_instance(self, request):
        # What the reviewer must know about each row (members/identity.py), for the whole
        # page in a few queries; the rows the template renders are these same instances.
        cl = super().get_changelist_instance(request)
        found = identity.join_findings(cl.result_list, request.user)
        for row in cl.result_list:
            row.findings = found.get(row.pk, [])
        return cl

    @admin.display(description=_("Identity check"))
    def findings_badge(self, obj):
        found = getattr(obj, "findings", [])
        if not found:
            return ""
        return format_html_join(
            "",
            '<span class="{} rounded px-2 py-0.5 text-xs font-semibold block mb-1" title="{}">'
            "{}</span>",
            (
                (
                    "bg-red-100 text-red-700"
                    if f.blocks_approval
                    else "bg-amber-100 text-amber-800",
                    f.message,
                    FINDING_LABELS.get(f.code, ""),
                )
                for f in found
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=pgettext_lazy("person", "Name"))
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description=pgettext_lazy("person", "Name"))
    def masked_name_detail(self, obj):
        return obj.name

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_list(obj.id_number)

    @admin.display(description=_("ID number"))
    def masked_id_detail(self, obj):
        return mask_id_detail(obj.id_number)

    @admin.display(description=_("Mobile phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    # The oldest application is the most urgent: both clock columns sort by the submission.
    @admin.display(description=_("Working days waiting"), ordering="submitted_at")
    def age(self, obj):
        end = timezone.localdate(obj.decided_at) if obj.decided_at else timezone.localdate()
        try:
            return actions.working_days_between(submitted_on(obj), end)
        except CalendarYearMissing as exc:
            return format_html('<span title="{}">?</span>', exc.message)

    @admin.display(description=_("Review due"), ordering="submitted_at")
    def overdue_badge(self, obj):
        """The review's due day on the holiday calendar, red once overdue, amber when due
        within three working days; a year missing from the calendar is said, not guessed."""
        if obj.state != JoinRequestState.PENDING:
            return ""
        start = submitted_on(obj)
        try:
            status = JOIN_REVIEW.status(start)
        except CalendarYearMissing as exc:
            return format_html('<span class="text-amber-800">{}</span>', exc.message)
        try:
            due = JOIN_REVIEW.due(start).isoformat()
        except CalendarYearMissing as exc:
            due = format_html('<span title="{}">?</span>', exc.message)
        badge = {
            DeadlineStatus.OVERDUE: ("bg-red-100 text-red-700", _("Overdue")),
            DeadlineStatus.WARNING: ("bg-amber-100 text-amber-800", _("Due soon")),
        }.get(status)
        if badge is None:
            return format_html('<span title="{}">{}</span>', JOIN_REVIEW.legal_basis, due)
        return format_html(
            '<span class="{} rounded px-2 py-0.5 text-xs font-semibold" title="{}">{}</span> {}',
            badge[0],
            JOIN_REVIEW.legal_basis,
            badge[1],
            due,
        )

    def get_object(self, request, object_id, from_field=None):
        # One instance per request: the change view, its findings and the declared buttons
        # (whose check reads the same findings) share it.
        cache = request.__dict__.setdefault("_members_joinrequests", {})
        key = (str(object_id), from_field)
        if key not in cache:
            cache[key] = super().get_object(request, object_id, from_field)
        return cache[key]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "findings": workflows.findings(obj, request.user),
        }
        # 同意入会 / 不予批准 / the in-person check: the declared buttons (TransitionAdmin),
        # 同意入会 disabled with the identity finding as its reason until the claim is proved.
        return super().change_view(request, object_id, form_url, extra_context)

    def after_transition_url(self, request, obj) -> str:
        # A decision (同意入会, 不予批准) returns to the queue; the in-person check to the
        # application, to admit it next. Cancelling a form returns to the application.
        match = request.resolver_match
        name = match.kwargs.get("name") if match is not None else None
        transition = workflows.join_request_states.transitions.get(name)
        if (
            request.method == "POST"
            and transition
            and transition.target != JoinRequestState.PENDING
        ):
            return reverse("console:members_joinrequest_changelist")
        return super().after_transition_url(request, obj)

    @admin.action(description=_("Approve the selected applications"))
    def approve_selected(self, request, queryset):
        if not request.user.has_perm("members.approve_joinrequest"):
            raise PermissionDenied
        selected = list(queryset)
        # Only those the user may decide: one outside that scope would abort the batch (404).
        allowed = set(
            restrict(JoinRequest, request.user, "members.approve_joinrequest")
            .filter(pk__in=[r.pk for r in selected])
            .values_list("pk", flat=True)
        )
        result = actions.batch_approve_join_requests(
            actor=request.user,
            requests=[
                r for r in selected if r.pk in allowed and r.state == JoinRequestState.PENDING
            ],
        )
        failed = list(result.failed)
        for r in selected:
            if r.state != JoinRequestState.PENDING:
                failed.append((r.pk, str(_("This application has already been decided."))))
            elif r.pk not in allowed:
                failed.append((r.pk, str(_("You do not have permission to do this."))))
        messages.success(request, _("%(n)d applications approved.") % {"n": result.approved})
        if failed:
            details = "; ".join(f"#{pk}: {message}" for pk, message in failed[:10])
            messages.error(
                request,
                _("%(n)d applications could not be approved: %(details)s")
                % {"n": len(failed), "details": details},
            )
