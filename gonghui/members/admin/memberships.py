"""Console pages of memberships and people: the member list with its search and filters,
the detail with the reveal panel, the history and the declared state and transfer buttons
(members/workflows.py; each runs on its own ``<pk>/do/<name>/`` page), and the add form."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.contrib.filters.admin import RangeDateFilter

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.pickers import SearchSelect, search_response
from gonghui.console.sites import console_site
from gonghui.members import actions
from gonghui.members.admin.member_actions import MemberBulkActions
from gonghui.members.admin.shared import (
    LapsingFilter,
    PersonColumns,
    ReviewFlagFilter,
    SubtreeFilter,
    member_org_choices,
    reveal_fields,
)
from gonghui.members.models import Membership, Person
from gonghui.members.search import search_memberships, search_people
from gonghui.members.transfer_target import transfer_target_search
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.faces import TransitionAdmin

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
    "review_flag",
]


ADD = "members.add_membership"
MEMBER_ORG_SEARCH_URL = reverse_lazy("console:members_membership_orgs")


class MembershipAddForm(ActionForm, forms.ModelForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
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
            self.fields["org"].queryset = member_org_choices(request.user, ADD)
            # A city's unions are far too many to list: the union is searched for.
            self.fields["org"].widget = SearchSelect(MEMBER_ORG_SEARCH_URL)
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


@admin.register(Membership, site=console_site)
class MembershipAdmin(TransitionAdmin, MemberBulkActions, PersonColumns, ScopedModelAdmin):
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
        "review_badge",
    ]
    list_select_related = ["person", "org"]
    list_filter = [
        LapsingFilter,
        ReviewFlagFilter,
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

    def get_urls(self):
        return [
            path(
                "transfer-targets/",
                self.admin_site.admin_view(self.transfer_targets_view),
                name="members_membership_transfer_targets",
            ),
            path(
                "orgs/",
                self.admin_site.admin_view(self.member_orgs_view),
                name="members_membership_orgs",
            ),
            path(
                "<int:object_id>/review-flag/clear/",
                self.admin_site.admin_view(self.clear_review_flag_view),
                name="members_membership_clear_review_flag",
            ),
            *super().get_urls(),
        ]

    def member_orgs_view(self, request):
        """The add form's union picker: the unions where the user may add members."""
        if not request.user.has_perm(ADD):
            raise PermissionDenied
        return search_response(request, member_org_choices(request.user, ADD))

    def transfer_targets_view(self, request):
        """The receiving-union picker of 转会 (members/transfer_target.py)."""
        if not request.user.has_perm("members.add_transfer"):
            raise PermissionDenied
        return transfer_target_search(request)

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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        person = obj.person
        # Only memberships in the user's scope: a former union elsewhere stays invisible.
        history = restrict(
            person.memberships.select_related("org").order_by("-joined_on", "-id"),
            request.user,
            "view",
        )
        extra_context = {
            **(extra_context or {}),
            "reveal_fields": reveal_fields(person),
            "reveal_object": person,
            "history": history,
        }
        if self.may_clear_flag(request, obj):
            extra_context["clear_flag_url"] = reverse(
                "console:members_membership_clear_review_flag", args=[obj.pk]
            )
        # The state and transfer buttons come from the declarations (TransitionAdmin).
        return super().change_view(request, object_id, form_url, extra_context)


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

    @admin.display(description=pgettext_lazy("person", "Name"), ordering="name")
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
            "reveal_fields": reveal_fields(person),
            "reveal_object": person,
            "history": memberships,
        }
        return super().change_view(request, object_id, form_url, extra_context)
