"""Console pages of founding applications (建会): the add and change form, and the buttons of
the declared transitions (submit, approve, return, reject) from
:data:`gonghui.orgs.building.founding_states`; each runs on its own page (``TransitionAdmin``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.orgs import building
from gonghui.orgs.admin_building.common import (
    NO_CHILDREN,
    RevealMixin,
    _choices,
    _masked,
    _phone_field,
)
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import (
    Employer,
    FoundingApplication,
    FoundingState,
    Org,
)
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.workflow.faces import TransitionAdmin

# --- founding applications --------------------------------------------------------------------


class FoundingForm(ActionForm, forms.ModelForm):
    committee_text = forms.CharField(
        label=_("Proposed committee"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One member per line: name, position (e.g. 李四, vice chair)."),
    )
    new_contact_phone = _phone_field(_("Applicant contact phone"))

    class Meta:
        model = FoundingApplication
        fields = [
            "parent",
            "name",
            "kind",
            "employer",
            "area_description",
            "proposed_chair",
            "committee_text",
            "meeting_date",
            "term_years",
            "member_count",
            "contact_name",
            "new_contact_phone",
        ]

    def bind_request(self, request):
        self.request = request
        parents = restrict(Org, request.user, "orgs.add_foundingapplication")
        _choices(self, "parent", parents.exclude(kind__in=NO_CHILDREN))
        employers = restrict(Employer, request.user, "view").exclude(org__kind=OrgKind.GRASSROOTS)
        _choices(self, "employer", employers.select_related("org"))
        if self.instance.pk and "committee_text" in self.fields:
            self.fields["committee_text"].initial = building.format_committee(
                self.instance.committee
            )
            if self.instance.contact_phone:
                self.fields["new_contact_phone"].help_text = _(
                    "Current: %(masked)s. Leave empty to keep it."
                ) % {"masked": mask_phone(self.instance.contact_phone)}

    def run_action(self):
        data = self.cleaned_data
        fields = {
            f: data.get(f)
            for f in (
                "employer",
                "area_description",
                "proposed_chair",
                "meeting_date",
                "term_years",
                "member_count",
                "contact_name",
            )
        }
        fields["member_count"] = fields["member_count"] or 0
        fields["committee"] = data.get("committee_text") or ""
        if data.get("new_contact_phone"):
            fields["contact_phone"] = data["new_contact_phone"]
        user = self.request.user
        if self.instance.pk is None:
            return building.create_founding_application(
                actor=user, parent=data["parent"], name=data["name"], kind=data["kind"], **fields
            )
        return building.update_founding_application(
            actor=user, application=self.instance, name=data["name"], kind=data["kind"], **fields
        )


@admin.register(FoundingApplication, site=console_site)
class FoundingApplicationAdmin(TransitionAdmin, RevealMixin, ScopedModelAdmin):
    reveal = (("contact_phone", _("Applicant contact phone")),)
    form = FoundingForm
    list_display = ["name", "kind", "parent", "employer", "state", "meeting_date", "submitted_at"]
    list_filter = ["state", "kind"]
    search_fields = ["name", "employer__name", "employer__uscc"]
    list_select_related = ["parent", "employer"]
    readonly_fields = ["state", "reason", "certificate_no", "union_uscc", "org"]

    def get_fields(self, request, obj=None):
        fields = list(FoundingForm.Meta.fields)
        if obj is None:
            return fields
        if not self.has_change_permission(request, obj):
            return [
                "parent",
                "name",
                "kind",
                "employer",
                "area_description",
                "proposed_chair",
                "committee_display",
                "meeting_date",
                "term_years",
                "member_count",
                "contact_name",
                "masked_contact_phone",
                *self.readonly_fields,
            ]
        fields.remove("parent")
        return fields + list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description=_("Proposed committee"))
    def committee_display(self, obj):
        return format_html_join(
            "",
            "<div>{}</div>",
            ((line,) for line in building.format_committee(obj.committee).splitlines()),
        )

    @admin.display(description=_("Applicant contact phone"))
    def masked_contact_phone(self, obj):
        return _masked(obj.contact_phone)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state not in (FoundingState.DRAFT, FoundingState.RETURNED):
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request):
        # The declared checks of submit and approve read the parent and the employer's union.
        return super().get_queryset(request).select_related("parent", "employer__org")

    def transition_object(self, request, object_id):
        return get_scoped_or_404(
            FoundingApplication.objects.select_related("parent", "employer__org"),
            request.user,
            "view",
            pk=object_id,
        )
