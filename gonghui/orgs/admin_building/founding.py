"""Console pages of founding applications (建会): the add and change form, and the buttons of
the declared transitions (submit, approve, return, reject) from
:data:`gonghui.orgs.building.founding_states`; each runs on its own page (``TransitionAdmin``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
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
from gonghui.platform.workflow.base import ActionError

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


class DecisionForm(forms.Form):
    transition = forms.ChoiceField(
        choices=[(name, t.label) for name, t in building.founding_states.transitions.items()]
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    certificate_no = forms.CharField(
        label=_("Legal-person certificate number"), required=False, max_length=64
    )
    union_uscc = forms.CharField(
        label=_("Union's unified social credit code"), required=False, max_length=20
    )
    uscc_confirmed = forms.BooleanField(
        label=_("I checked this credit code in the national system"), required=False
    )


@admin.register(FoundingApplication, site=console_site)
class FoundingApplicationAdmin(RevealMixin, ScopedModelAdmin):
    reveal = (("contact_phone", _("Applicant contact phone")),)
    form = FoundingForm
    list_display = ["name", "kind", "parent", "employer", "state", "meeting_date", "submitted_at"]
    list_filter = ["state", "kind"]
    search_fields = ["name", "employer__name", "employer__uscc"]
    list_select_related = ["parent", "employer"]
    readonly_fields = ["state", "reason", "certificate_no", "union_uscc", "org"]
    change_form_template = "orgs/building/founding_change_form.html"

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

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="orgs_foundingapplication_decide",
            ),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "transitions": building.founding_states.allowed(obj),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, pk):
        application = get_scoped_or_404(FoundingApplication, request.user, "view", pk=pk)
        allowed = {t.name: t for t in building.founding_states.allowed(application)}
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            name = data["transition"]
            user = request.user
            try:
                if name not in allowed:
                    raise ActionError(_("This cannot be done now."), code="invalid_transition")
                if name == "submit":
                    building.submit_founding_application(actor=user, application=application)
                elif name == "approve":
                    building.approve_founding_application(
                        actor=user,
                        application=application,
                        certificate_no=data["certificate_no"],
                        union_uscc=data["union_uscc"],
                        uscc_confirmed=data["uscc_confirmed"],
                    )
                elif name == "return":
                    building.return_founding_application(
                        actor=user, application=application, reason=data["reason"]
                    )
                else:
                    building.reject_founding_application(
                        actor=user, application=application, reason=data["reason"]
                    )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(request, _("Done: %(t)s.") % {"t": allowed[name].label})
                return redirect("console:orgs_foundingapplication_change", application.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Review: %(name)s") % {"name": application.name},
            "application": application,
            "committee": building.format_committee(application.committee).splitlines(),
            "transitions": list(allowed.values()),
            "form": form,
            "opts": self.opts,
        }
        return render(request, "orgs/building/founding_decide.html", context)
