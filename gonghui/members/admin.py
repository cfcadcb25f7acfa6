"""Console pages for members: the member list, people, the join review queue, transfers and
QR join channels. Reads go through ``restrict``; every write calls an action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter, RangeDateFilter

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.sites import console_site
from gonghui.members import actions, identity
from gonghui.members.choices import (
    JoinRequestState,
    TransferInitiator,
    TransferState,
)
from gonghui.members.deadlines import JOIN_REVIEW, submitted_on
from gonghui.members.models import JoinChannel, JoinRequest, Membership, Person, Transfer
from gonghui.members.search import (
    overdue_join_requests,
    search_memberships,
    search_people,
    submitted_before_for_age,
)
from gonghui.orgs.choices import OrgStatus
from gonghui.orgs.models import Org
from gonghui.orgs.queries import union_directory
from gonghui.platform.access.scoping import (
    get_scoped_or_404,
    grant_scopes,
    restrict,
    subtree_ids,
)
from gonghui.platform.calendar.deadlines import DeadlineStatus
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.pii.masking import mask_id_detail, mask_id_list, mask_name, mask_phone
from gonghui.platform.workflow.base import ActionError, OutOfScope

# --- shared pieces -----------------------------------------------------------------------------

# Short labels of the reviewer's findings (members/identity.py); the full text is the title.
FINDING_LABELS = {
    identity.ALREADY_MEMBER: _("Member elsewhere"),
    identity.PHONE_DIFFERS: _("Phone not on file"),
    identity.PROVED: _("Identity proved"),
    identity.PHONE_OF_ANOTHER: _("Phone of another person"),
    identity.OTHER_CLAIM: _("Competing application"),
}


def covers(user, perm: str, org) -> bool:
    """Whether a grant of ``user`` carrying ``perm`` covers ``org`` (no query: grants are
    cached on the user for the request). Used to show buttons row by row."""
    for scope in grant_scopes(user):
        if perm not in scope.permissions:
            continue
        if scope.include_descendants and org.path.startswith(scope.path):
            return True
        if scope.org_id == org.pk:
            return True
    return False


def _messages_of(exc) -> str:
    return " ".join(str(m) for m in exc.messages)


def _run(http_request, fn, /, **kwargs):
    """Call an action; a refused guard becomes an error message (None is returned)."""
    try:
        return fn(actor=http_request.user, **kwargs)
    except ActionError as exc:
        messages.error(http_request, _messages_of(exc))
    except PermissionDenied:
        messages.error(http_request, _("You do not have permission to do this."))
    return None


class SubtreeFilter(DropdownFilter):
    """Rows whose union is the chosen org or below it; the choices are the user's orgs."""

    title = _("organisation (with everything below)")
    parameter_name = "subtree"
    org_fields: tuple[str, ...] = ("org",)
    LIMIT = 300

    def lookups(self, request, model_admin):
        orgs = list(
            restrict(Org, request.user, "view")
            .order_by("path")
            .only("pk", "name", "depth")[: self.LIMIT]
        )
        top = min((o.depth for o in orgs), default=1)
        return [(str(o.pk), "— " * (o.depth - top) + o.name) for o in orgs]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            org = restrict(Org, request.user, "view").get(pk=int(value))
        except (Org.DoesNotExist, ValueError, TypeError):
            return queryset.none()
        ids = subtree_ids(request.user, org.path)
        q = Q()
        for field in self.org_fields:
            q |= Q(**{f"{field}_id__in": ids})
        return queryset.filter(q)


class TransferSubtreeFilter(SubtreeFilter):
    org_fields = ("from_org", "to_org")


class LapsingFilter(DropdownFilter):
    title = _("lapsing")
    parameter_name = "lapsing"

    def lookups(self, request, model_admin):
        return [
            ("first", _("Flagged as lapsing first")),
            ("only", _("Only flagged as lapsing")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "only":
            return queryset.filter(lapse_flagged_at__isnull=False)
        return queryset


def _member_org_choices(user, perm: str):
    from gonghui.members.actions import MEMBER_ORG_KINDS

    return (
        restrict(Org, user, perm)
        .filter(kind__in=MEMBER_ORG_KINDS, status=OrgStatus.ACTIVE)
        .order_by("path")
    )


class ConsoleMixin:
    """Views of a model admin that run one action on one object."""

    def _object_or_404(self, request, object_id):
        return get_scoped_or_404(self.model, request.user, "view", pk=object_id)

    def _change_url(self, obj):
        opts = self.model._meta
        return reverse(f"console:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def _changelist_url(self):
        opts = self.model._meta
        return reverse(f"console:{opts.app_label}_{opts.model_name}_changelist")

    def decision_urls(self):
        """``<pk>/approve/`` and ``<pk>/reject/`` pages named ``<app>_<model>_approve|reject``."""
        opts = self.model._meta
        return [
            path(
                f"<int:object_id>/{verb}/",
                self.admin_site.admin_view(getattr(self, f"{verb}_view")),
                name=f"{opts.app_label}_{opts.model_name}_{verb}",
            )
            for verb in ("approve", "reject")
        ]

    def _decide_page(
        self, request, obj, *, title, question, button, needs_reason, back, reason_label=None
    ):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "question": question,
            "button": button,
            "needs_reason": needs_reason,
            "reason_label": reason_label,
            "object": obj,
            "opts": self.model._meta,
            "back": back,
            "reason": request.POST.get("reason", ""),
        }
        request.current_app = self.admin_site.name
        return render(request, "members/admin/decide.html", context)


# --- memberships -----------------------------------------------------------------------------


class MembershipAddForm(ActionForm, forms.ModelForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=15)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    identity_checked = forms.BooleanField(
        label=_("I checked the ID card in person"),
        required=False,
        help_text=_(
            "Needed only when the person is on file with another mobile number: the number on "
            "file is then replaced and the old number is told by SMS."
        ),
    )

    class Meta:
        model = Membership
        fields = [
            "org",
            "name",
            "id_number",
            "phone",
            "employment_form",
            "employer_name",
            "is_migrant",
            "joined_on",
            "identity_checked",
        ]

    def bind_request(self, request):
        self.request = request
        if "org" in self.fields:  # the add form (existing rows are shown read-only)
            self.fields["org"].queryset = _member_org_choices(
                request.user, "members.add_membership"
            )
            self.fields["joined_on"].required = False

    def run_action(self):
        d = self.cleaned_data
        return actions.register_member(
            actor=self.request.user,
            org=d["org"],
            name=d["name"],
            id_number=d["id_number"],
            phone=d["phone"],
            employment_form=d["employment_form"],
            employer_name=d.get("employer_name") or "",
            is_migrant=d.get("is_migrant", False),
            joined_on=d.get("joined_on"),
            identity_checked=d.get("identity_checked", False),
        )

    def validate_unique(self):
        return None  # the action checks uniqueness and says so in the user's language


MEMBERSHIP_DETAIL_FIELDS = [
    "person_name",
    "masked_id_detail",
    "masked_phone",
    "person_gender",
    # No birth date next to the masked ID: together they are the full number (issue #11).
    "org",
    "employer_name",
    "employment_form",
    "is_migrant",
    "state",
    "source",
    "joined_on",
    "card_no",
    "last_dues_on",
    "last_activity_on",
    "ended_on",
    "end_reason",
    "lapse_flagged_at",
]


class PersonColumns:
    """Masked person columns for lists whose rows have a ``person`` (or are one)."""

    @admin.display(description=_("union"), ordering="org__name")
    def union_name(self, obj):
        # The short name keeps the column readable; the full name is in the tooltip.
        return format_html('<span title="{}">{}</span>', obj.org.name, obj.org.display_name)

    @staticmethod
    def _person(obj):
        return obj if isinstance(obj, Person) else obj.person

    @admin.display(description=_("Name"), ordering="person__name")
    def masked_name(self, obj):
        return mask_name(self._person(obj).name)

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_list(self._person(obj).id_number)

    @admin.display(description=_("Mobile phone"))
    def masked_phone(self, obj):
        phone = self._person(obj).phone
        return mask_phone(phone) if phone else ""

    @admin.display(description=_("ID number"))
    def masked_id_detail(self, obj):
        return mask_id_detail(self._person(obj).id_number)

    @admin.display(description=_("Name"))
    def person_name(self, obj):
        return self._person(obj).name

    @admin.display(description=_("Gender"))
    def person_gender(self, obj):
        return self._person(obj).get_gender_display()


def _reveal_fields(person: Person) -> list:
    fields = [("id_number", _("ID number"), mask_id_detail(person.id_number))]
    if person.phone:
        fields.append(("phone", _("Mobile phone"), mask_phone(person.phone)))
    return fields


@admin.register(Membership, site=console_site)
class MembershipAdmin(PersonColumns, ConsoleMixin, ScopedModelAdmin):
    form = MembershipAddForm
    list_display = [
        "masked_name",
        "masked_id",
        "masked_phone",
        "union_name",
        "employment_form",
        "is_migrant",
        "state",
        "joined_on",
        "card_no",
        "lapsing_badge",
    ]
    list_select_related = ["person", "org"]
    list_filter = [
        LapsingFilter,
        "state",
        "employment_form",
        "is_migrant",
        ("joined_on", RangeDateFilter),
        SubtreeFilter,
    ]
    list_filter_submit = True
    search_fields = ["card_no"]  # shows the box; get_search_results does the work
    search_help_text = _("Name, pinyin or initials, full ID number, mobile or card number")
    ordering = ["-joined_on", "-id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facets count every filter choice exactly
    paginator = CappedPaginator
    readonly_fields = MEMBERSHIP_DETAIL_FIELDS
    change_form_template = "members/admin/membership_change_form.html"
    change_list_template = "members/admin/membership_change_list.html"

    def get_search_results(self, request, queryset, search_term):
        return search_memberships(queryset, search_term), False

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm("members.export_membership"):
            # The export applies the list's current filters (see imports.admin).
            extra_context["export_url"] = (
                reverse("console:members_export") + "?" + request.GET.urlencode()
            )
        if request.user.has_perm("members.import_roster"):
            extra_context["import_url"] = reverse("console:imports_importjob_add")
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request):
        if request.GET.get("lapsing"):
            return [F("lapse_flagged_at").asc(nulls_last=True), "-joined_on", "-id"]
        return super().get_ordering(request)

    def has_change_permission(self, request, obj=None):
        # Existing memberships change only through the state buttons on the detail page.
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(MembershipAddForm.Meta.fields)
        return MEMBERSHIP_DETAIL_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else MEMBERSHIP_DETAIL_FIELDS

    @admin.display(description=_("Lapsing"))
    def lapsing_badge(self, obj):
        if obj.lapse_flagged_at is None:
            return ""
        return format_html(
            '<span class="text-amber-700 font-semibold">{}</span>', _("Flagged as lapsing")
        )

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/state/",
                self.admin_site.admin_view(self.state_view),
                name="members_membership_state",
            ),
            path(
                "<int:object_id>/transfer/",
                self.admin_site.admin_view(self.transfer_view),
                name="members_membership_transfer",
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        person = obj.person
        can_change = restrict(Membership, request.user, "change").filter(
            pk=obj.pk
        ).exists() and request.user.has_perm("members.change_membership")
        # Only memberships in the user's scope: a former union elsewhere stays invisible.
        history = restrict(
            person.memberships.select_related("org").order_by("-joined_on", "-id"),
            request.user,
            "view",
        )
        extra_context = {
            **(extra_context or {}),
            "reveal_fields": _reveal_fields(person),
            "reveal_object": person,
            "history": history,
            "transitions": actions.membership_states.allowed(obj) if can_change else [],
            "ending": actions.ENDING,
            "can_transfer": can_change
            and obj.state in ("active", "retained")
            and request.user.has_perm("members.add_transfer"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def state_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._object_or_404(request, object_id)
        transition = request.POST.get("transition", "")
        done = _run(
            request,
            actions.change_membership_state,
            membership=obj,
            transition=transition,
            reason=request.POST.get("reason", ""),
        )
        if done is not None:
            messages.success(request, _("The membership state was changed."))
        return HttpResponseRedirect(self._change_url(obj))

    def transfer_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._object_or_404(request, object_id)
        to_org = _find_receiving_org(request.POST.get("to_org", ""))
        if to_org is None:
            messages.error(
                request, _("Enter the exact name or number of an active receiving union.")
            )
            return HttpResponseRedirect(self._change_url(obj))
        try:
            transfer = _run(
                request,
                actions.request_transfer,
                membership=obj,
                to_org=to_org,
                initiated_by=TransferInitiator.SENDER,
                employer_name=request.POST.get("employer_name", "")[:200],
                reason=request.POST.get("reason", ""),
            )
        except OutOfScope:
            messages.error(request, _("You cannot transfer this membership."))
            transfer = None
        if transfer is not None:
            messages.success(request, _("The transfer was requested."))
        return HttpResponseRedirect(self._change_url(obj))


def _find_receiving_org(text: str) -> Org | None:
    """The receiving union by its number or exact name. It is usually outside the sender's
    scope, so it is looked up city-wide; only active unions that hold members qualify."""
    from gonghui.members.actions import MEMBER_ORG_KINDS

    text = (text or "").strip()
    if not text:
        return None
    qs = union_directory(MEMBER_ORG_KINDS)
    if text.isdigit():
        return qs.filter(pk=int(text)).first()
    matches = list(qs.filter(name=text)[:2])
    return matches[0] if len(matches) == 1 else None


# --- people ----------------------------------------------------------------------------------

PERSON_DETAIL_FIELDS = [
    "name",
    "masked_id_detail",
    "masked_phone",
    "gender",
    # No birth date next to the masked ID (see MEMBERSHIP_DETAIL_FIELDS).
    "ethnicity",
    "education",
    "household_type",
    "skill_level",
    "model_worker_level",
    "residence_region",
    "org",
    "created_at",
    "updated_at",
]


@admin.register(Person, site=console_site)
class PersonAdmin(PersonColumns, ScopedModelAdmin):
    list_display = ["masked_name", "masked_id", "masked_phone", "gender", "org", "created_at"]
    list_select_related = ["org"]
    list_filter = ["gender", SubtreeFilter]
    list_filter_submit = True
    search_fields = ["name"]
    search_help_text = _("Name, pinyin or initials, full ID number, mobile or card number")
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facets count every filter choice exactly
    paginator = CappedPaginator
    fields = PERSON_DETAIL_FIELDS
    readonly_fields = PERSON_DETAIL_FIELDS
    change_form_template = "members/admin/person_change_form.html"

    @admin.display(description=_("Name"), ordering="name")
    def masked_name(self, obj):
        # The rows are people: sorting by PersonColumns' "person__name" was a 500.
        return mask_name(obj.name)

    def get_search_results(self, request, queryset, search_term):
        return search_people(queryset, search_term), False

    def has_add_permission(self, request):
        return False  # people are created by joining or by registering a member

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        person = self.get_object(request, object_id)
        memberships = restrict(
            person.memberships.select_related("org").order_by("-joined_on", "-id"),
            request.user,
            "view",
        )
        extra_context = {
            **(extra_context or {}),
            "reveal_fields": _reveal_fields(person),
            "reveal_object": person,
            "history": memberships,
        }
        return super().change_view(request, object_id, form_url, extra_context)


# --- join requests (the review queue) ----------------------------------------------------------


class JoinStateFilter(DropdownFilter):
    """Pending applications by default: the queue is what needs a decision."""

    title = _("state")
    parameter_name = "state"
    all_option = ["all", _("All")]

    def lookups(self, request, model_admin):
        return JoinRequestState.choices

    def value(self):
        return super().value() or JoinRequestState.PENDING

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
            ("overdue", _("Overdue")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "overdue":
            return overdue_join_requests(queryset)
        try:
            days = int(value)
        except ValueError:
            return queryset
        return queryset.filter(submitted_at__lt=submitted_before_for_age(days))


@admin.register(JoinRequest, site=console_site)
class JoinRequestAdmin(ConsoleMixin, ScopedModelAdmin):
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
        "row_buttons",
    ]
    list_select_related = ["org"]
    list_filter = [JoinStateFilter, JoinAgeFilter, "employment_form", SubtreeFilter]
    list_filter_submit = True
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

    @admin.display(description=_("Name"))
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description=_("Name"))
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

    @admin.display(description=_("Working days waiting"))
    def age(self, obj):
        end = timezone.localdate(obj.decided_at) if obj.decided_at else timezone.localdate()
        try:
            return actions.working_days_between(submitted_on(obj), end)
        except CalendarYearMissing as exc:
            return format_html('<span title="{}">?</span>', exc.message)

    @admin.display(description=_("Review due"))
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

    @admin.display(description=_("Decide"))
    def row_buttons(self, obj):
        if obj.state != JoinRequestState.PENDING:
            return ""
        if any(f.blocks_approval for f in getattr(obj, "findings", [])):
            # Approval cannot succeed yet: the application page says why and what to do.
            return format_html(
                '<a class="text-primary-600 mr-3" href="{}">{}</a>'
                '<a class="text-red-600" href="{}">{}</a>',
                self._change_url(obj),
                _("Check first"),
                reverse("console:members_joinrequest_reject", args=[obj.pk]),
                _("Reject"),
            )
        return format_html(
            '<a class="text-primary-600 mr-3" href="{}">{}</a>'
            '<a class="text-red-600" href="{}">{}</a>',
            reverse("console:members_joinrequest_approve", args=[obj.pk]),
            _("Approve"),
            reverse("console:members_joinrequest_reject", args=[obj.pk]),
            _("Reject"),
        )

    def get_urls(self):
        opts = self.model._meta
        return [
            *self.decision_urls(),
            path(
                "<int:object_id>/identity/",
                self.admin_site.admin_view(self.identity_view),
                name=f"{opts.app_label}_{opts.model_name}_identity",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        findings = identity.join_findings([obj], request.user).get(obj.pk, []) if obj else []
        extra_context = {
            **(extra_context or {}),
            "pending": obj is not None
            and obj.state == JoinRequestState.PENDING
            and request.user.has_perm("members.approve_joinrequest"),
            "findings": findings,
            "blocked": [f for f in findings if f.blocks_approval],
            "needs_identity_check": any(f.code == identity.PHONE_DIFFERS for f in findings),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def identity_view(self, request, object_id):
        """Record that the applicant's ID card was checked in person."""
        obj = self._object_or_404(request, object_id)
        if request.method == "POST":
            done = _run(
                request,
                identity.record_identity_check,
                request=obj,
                note=request.POST.get("reason", ""),
            )
            if done is not None:
                messages.success(
                    request, _("The in-person check is recorded. The application can be approved.")
                )
                return HttpResponseRedirect(self._change_url(obj))
        return self._decide_page(
            request,
            obj,
            title=_("Record an in-person ID check"),
            question=_(
                "%(name)s applies with a mobile number that is not the one on file. Ask her to "
                "come with her ID card, compare the card with her face and with the name and "
                "number of the application, then say what you checked. Approving will replace "
                "the number on file; the old number is told by SMS."
            )
            % {"name": mask_name(obj.name)},
            button=_("Record the check"),
            needs_reason=True,
            back=self._change_url(obj),
            reason_label=_("What you checked (required)"),
        )

    def approve_view(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        blocked = identity.approval_blockers(obj, request.user)
        if blocked and request.method != "POST":
            for finding in blocked:
                messages.error(request, finding.message)
            return HttpResponseRedirect(self._change_url(obj))
        if request.method == "POST":
            membership = _run(request, actions.approve_join_request, request=obj)
            if membership is not None:
                messages.success(
                    request,
                    _("Approved: %(name)s is a member, card %(card)s.")
                    % {"name": mask_name(obj.name), "card": membership.card_no},
                )
                return HttpResponseRedirect(self._changelist_url())
        return self._decide_page(
            request,
            obj,
            title=_("Approve the application"),
            question=_("Admit %(name)s to %(org)s?")
            % {"name": mask_name(obj.name), "org": obj.org.name},
            button=_("Approve"),
            needs_reason=False,
            back=self._changelist_url(),
        )

    def reject_view(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        if request.method == "POST":
            done = _run(
                request,
                actions.reject_join_request,
                request=obj,
                reason=request.POST.get("reason", ""),
            )
            if done is not None:
                messages.success(request, _("The application was rejected."))
                return HttpResponseRedirect(self._changelist_url())
        return self._decide_page(
            request,
            obj,
            title=_("Reject the application"),
            question=_(
                "Reject the application of %(name)s to %(org)s? The applicant is told "
                "the reason by SMS."
            )
            % {"name": mask_name(obj.name), "org": obj.org.name},
            button=_("Reject"),
            needs_reason=True,
            back=self._changelist_url(),
        )

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


# --- transfers -------------------------------------------------------------------------------


@admin.register(Transfer, site=console_site)
class TransferAdmin(ConsoleMixin, ScopedModelAdmin):
    list_display = [
        "member_name",
        "from_org",
        "to_org",
        "initiated_by",
        "state",
        "requested_at",
    ]
    list_select_related = ["membership__person", "from_org", "to_org"]
    list_filter = ["state", "initiated_by", TransferSubtreeFilter]
    list_filter_submit = True
    ordering = ["-requested_at", "-id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facets count every filter choice exactly
    paginator = CappedPaginator
    fields = [
        "member_name",
        "from_org",
        "to_org",
        "employer_name",
        "initiated_by",
        "state",
        "reason",
        "requested_at",
        "sender_decided_at",
        "decided_at",
    ]
    readonly_fields = fields
    change_form_template = "members/admin/transfer_change_form.html"

    def has_add_permission(self, request):
        return False  # requested from the member's detail page

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("Member"))
    def member_name(self, obj):
        return mask_name(obj.membership.person.name)

    def can_approve(self, request, obj) -> bool:
        perm = "members.approve_transfer"
        if obj.state == TransferState.PENDING_SENDER:
            return covers(request.user, perm, obj.from_org)
        if obj.state == TransferState.PENDING_RECEIVER:
            return covers(request.user, perm, obj.to_org)
        return False

    def can_reject(self, request, obj) -> bool:
        return obj.state in (TransferState.PENDING_SENDER, TransferState.PENDING_RECEIVER) and (
            request.user.has_perm("members.approve_transfer")
        )

    def get_list_display(self, request):
        # The buttons depend on the user (which side of the transfer they are on).
        def row_buttons(obj):
            parts = []
            if self.can_approve(request, obj):
                parts.append(
                    format_html(
                        '<a class="text-primary-600 mr-3" href="{}">{}</a>',
                        reverse("console:members_transfer_approve", args=[obj.pk]),
                        _("Approve"),
                    )
                )
            if self.can_reject(request, obj):
                parts.append(
                    format_html(
                        '<a class="text-red-600" href="{}">{}</a>',
                        reverse("console:members_transfer_reject", args=[obj.pk]),
                        _("Reject"),
                    )
                )
            return format_html_join("", "{}", ((part,) for part in parts))

        row_buttons.short_description = _("Decide")
        return [*super().get_list_display(request), row_buttons]

    def get_urls(self):
        return self.decision_urls() + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_approve": self.can_approve(request, obj),
            "can_reject": self.can_reject(request, obj),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def approve_view(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        if request.method == "POST":
            fn = (
                actions.approve_transfer_sending
                if obj.state == TransferState.PENDING_SENDER
                else actions.approve_transfer
            )
            try:
                done = _run(request, fn, transfer=obj)
            except OutOfScope:
                messages.error(request, _("The other union decides this step."))
                done = None
            if done is not None:
                messages.success(request, _("The transfer was approved."))
                return HttpResponseRedirect(self._changelist_url())
            return HttpResponseRedirect(self._change_url(obj))
        return self._decide_page(
            request,
            obj,
            title=_("Approve the transfer"),
            question=_("Move the membership of %(name)s from %(from)s to %(to)s?")
            % {
                "name": mask_name(obj.membership.person.name),
                "from": obj.from_org.name,
                "to": obj.to_org.name,
            },
            button=_("Approve"),
            needs_reason=False,
            back=self._change_url(obj),
        )

    def reject_view(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        if request.method == "POST":
            done = _run(
                request,
                actions.reject_transfer,
                transfer=obj,
                reason=request.POST.get("reason", ""),
            )
            if done is not None:
                messages.success(request, _("The transfer was rejected."))
                return HttpResponseRedirect(self._changelist_url())
        return self._decide_page(
            request,
            obj,
            title=_("Reject the transfer"),
            question=_("Refuse to move the membership of %(name)s from %(from)s to %(to)s?")
            % {
                "name": mask_name(obj.membership.person.name),
                "from": obj.from_org.name,
                "to": obj.to_org.name,
            },
            button=_("Reject"),
            needs_reason=True,
            back=self._change_url(obj),
        )


# --- join channels (QR posters) --------------------------------------------------------------


class JoinChannelForm(ActionForm, forms.ModelForm):
    class Meta:
        model = JoinChannel
        fields = ["org", "label", "auto_approve", "expires_at"]

    def bind_request(self, request):
        self.request = request
        if "org" in self.fields:
            self.fields["org"].queryset = _member_org_choices(
                request.user, "members.add_joinchannel"
            )

    def run_action(self):
        d = self.cleaned_data
        return actions.create_join_channel(
            actor=self.request.user,
            org=d["org"],
            label=d["label"],
            auto_approve=d.get("auto_approve", False),
            expires_at=d.get("expires_at"),
        )

    def validate_unique(self):
        return None


def poster_url(channel) -> str | None:
    try:
        return reverse("console-join-poster", args=[channel.pk])
    except NoReverseMatch:
        return None


@admin.register(JoinChannel, site=console_site)
class JoinChannelAdmin(ScopedModelAdmin):
    form = JoinChannelForm
    list_display = [
        "label",
        "org",
        "auto_approve",
        "expires_at",
        "status",
        "created_at",
        "poster",
    ]
    list_select_related = ["org"]
    list_filter = ["auto_approve", SubtreeFilter]
    list_filter_submit = True
    search_fields = ["label"]
    ordering = ["-created_at", "-id"]
    actions = ["revoke_selected"]
    readonly_fields = ["org", "label", "auto_approve", "expires_at", "revoked_at", "created_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(JoinChannelForm.Meta.fields)
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description=_("Status"))
    def status(self, obj):
        if obj.revoked_at:
            return _("Revoked")
        if obj.expires_at and obj.expires_at <= timezone.now():
            return _("Expired")
        return _("Working")

    @admin.display(description=_("Poster"))
    def poster(self, obj):
        url = poster_url(obj)
        if url is None or obj.revoked_at:
            return ""
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, _("Poster"))

    @admin.action(description=_("Revoke the selected channels"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        done = 0
        for channel in queryset.filter(revoked_at__isnull=True):
            if _run(request, actions.revoke_join_channel, channel=channel) is not None:
                done += 1
        self.message_user(request, _("%(n)d channels revoked.") % {"n": done}, messages.SUCCESS)
