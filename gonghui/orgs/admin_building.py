"""Console pages for union building: founding applications, terms and officials, the three
teams, duty lists and responsibility letters. Every write calls an action in
:mod:`gonghui.orgs.building`."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.orgs import building
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import (
    DUTY_LEVEL_KINDS,
    DutyLetter,
    DutyList,
    DutyListState,
    Employer,
    FoundingApplication,
    FoundingState,
    Official,
    Org,
    TeamMember,
    Term,
)
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.validators import validate_mobile
from gonghui.platform.workflow.base import ActionError

NO_CHILDREN = [OrgKind.GRASSROOTS, OrgKind.HOLDING_POOL]


def _phone_field(label=None):
    return forms.CharField(
        label=label or _("Mobile phone"),
        required=False,
        max_length=20,
        validators=[validate_mobile],
        help_text=_("Leave empty to keep the current number."),
    )


def _choices(form, name: str, queryset) -> None:
    """Restrict a choice field to the user's scope, if the form shows it (view-only and
    change forms leave some fields out)."""
    if name in form.fields:
        form.fields[name].queryset = queryset


def _masked(value) -> str:
    return mask_phone(value) if value else ""


class RevealMixin:
    """Change pages show encrypted phones masked, with the audited "show full value" panel."""

    reveal: tuple = ()  # (field name, label)
    change_form_template = "orgs/building/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "reveal_fields": [
                (field, label, mask_phone(getattr(obj, field)))
                for field, label in self.reveal
                if getattr(obj, field)
            ],
            "reveal_object": obj,
            "reveal_label": obj._meta.label_lower,
        }
        return super().change_view(request, object_id, form_url, extra_context)


class ServingFilter(admin.SimpleListFilter):
    title = _("serving")
    parameter_name = "serving"
    ended_field = "ended_on"

    def lookups(self, request, model_admin):
        return [("yes", _("Serving")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{f"{self.ended_field}__isnull": True})
        if self.value() == "no":
            return queryset.filter(**{f"{self.ended_field}__isnull": False})
        return queryset


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


# --- terms and officials ----------------------------------------------------------------------


class DueFilter(admin.SimpleListFilter):
    title = _("election due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("due", _("Due within 90 days or overdue")),
            ("soon", _("Due within 90 days")),
            ("overdue", _("Overdue")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        horizon = today + datetime.timedelta(days=building.DUE_WITHIN_DAYS)
        current = queryset.filter(is_current=True)
        if self.value() == "due":
            return current.filter(ends_on__lte=horizon)
        if self.value() == "soon":
            return current.filter(ends_on__gte=today, ends_on__lte=horizon)
        if self.value() == "overdue":
            return current.filter(ends_on__lt=today)
        return queryset


class TermForm(ActionForm, forms.ModelForm):
    officials_text = forms.CharField(
        label=_("Elected officials"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: name, position (e.g. 张三, chair)."),
    )

    class Meta:
        model = Term
        fields = ["org", "started_on", "years", "note", "officials_text"]

    def bind_request(self, request):
        self.request = request
        orgs = restrict(Org, request.user, "orgs.add_term")
        _choices(self, "org", orgs.exclude(kind=OrgKind.HOLDING_POOL))

    def run_action(self):
        data = self.cleaned_data
        return building.start_term(
            actor=self.request.user,
            org=data["org"],
            started_on=data["started_on"],
            years=data["years"],
            note=data.get("note") or "",
            officials=building.parse_committee(data.get("officials_text") or ""),
        )


@admin.register(Term, site=console_site)
class TermAdmin(ScopedModelAdmin):
    form = TermForm
    list_display = [
        "org",
        "number",
        "started_on",
        "years",
        "ends_on",
        "is_current",
        "due_badge",
        "new_term_link",
    ]
    list_filter = [DueFilter, "is_current", "years"]
    search_fields = ["org__name"]
    list_select_related = ["org"]
    readonly_fields = ["ends_on", "closed_on"]
    change_list_template = "orgs/building/term_change_list.html"

    def has_change_permission(self, request, obj=None):
        # A term is never edited: a new election starts a new term (the add form).
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return TermForm.Meta.fields
        return [
            "org",
            "number",
            "started_on",
            "years",
            "ends_on",
            "is_current",
            "closed_on",
            "note",
        ]

    @admin.display(description=_("Election"))
    def due_badge(self, obj):
        if not obj.is_current:
            return ""
        days = obj.days_left(timezone.localdate())
        if days < 0:
            return format_html(
                '<span class="rounded px-2 py-0.5 text-xs bg-red-100 text-red-700">{}</span>',
                _("Overdue by %(n)d days") % {"n": -days},
            )
        if days <= building.DUE_WITHIN_DAYS:
            return format_html(
                '<span class="rounded px-2 py-0.5 text-xs bg-amber-100 text-amber-700">{}</span>',
                _("Due in %(n)d days") % {"n": days},
            )
        return ""

    @admin.display(description=_("New term"))
    def new_term_link(self, obj):
        if not obj.is_current:
            return ""
        url = reverse("console:orgs_term_add") + f"?org={obj.org_id}"
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, _("Start"))

    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        due = building.terms_due(request.user, today=today)
        extra_context = {
            **(extra_context or {}),
            "due_count": due.filter(ends_on__gte=today).count(),
            "overdue_count": due.filter(ends_on__lt=today).count(),
        }
        return super().changelist_view(request, extra_context)


class OfficialForm(ActionForm, forms.ModelForm):
    new_phone = _phone_field()

    class Meta:
        model = Official
        fields = ["term", "name", "position", "full_time", "new_phone", "started_on", "ended_on"]

    def bind_request(self, request):
        self.request = request
        if self.instance.pk is None:
            terms = restrict(Term, request.user, "orgs.add_official").filter(is_current=True)
            _choices(self, "term", terms.select_related("org"))

    def run_action(self):
        data = self.cleaned_data
        user = self.request.user
        if self.instance.pk is None:
            return building.appoint_official(
                actor=user,
                term=data["term"],
                name=data["name"],
                position=data["position"],
                started_on=data["started_on"],
                full_time=data["full_time"],
                phone=data.get("new_phone") or "",
            )
        if not data.get("ended_on"):
            raise ValidationError(_("Give the date the official left office."))
        return building.end_official(actor=user, official=self.instance, ended_on=data["ended_on"])


@admin.register(Official, site=console_site)
class OfficialAdmin(RevealMixin, ScopedModelAdmin):
    reveal = (("phone", _("Mobile phone")),)
    form = OfficialForm
    list_display = [
        "name",
        "position",
        "full_time",
        "org",
        "term",
        "masked_phone",
        "started_on",
        "ended_on",
    ]
    list_filter = ["position", "full_time", ServingFilter]
    search_fields = ["name", "org__name"]
    list_select_related = ["org", "term", "term__org"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [f for f in OfficialForm.Meta.fields if f != "ended_on"]
        return ["term", "name", "position", "full_time", "masked_phone", "started_on", "ended_on"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["term", "name", "position", "full_time", "masked_phone", "started_on"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.ended_on is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("Mobile phone"))
    def masked_phone(self, obj):
        return _masked(obj.phone)


# --- the three teams --------------------------------------------------------------------------


class TeamMemberForm(ActionForm, forms.ModelForm):
    new_phone = _phone_field()

    class Meta:
        model = TeamMember
        fields = ["org", "team", "name", "new_phone", "employer_name", "appointed_on", "ended_on"]

    def bind_request(self, request):
        self.request = request
        if self.instance.pk is None:
            _choices(self, "org", restrict(Org, request.user, "orgs.add_teammember"))
        elif self.instance.phone and "new_phone" in self.fields:
            self.fields["new_phone"].help_text = _(
                "Current: %(masked)s. Leave empty to keep it."
            ) % {"masked": mask_phone(self.instance.phone)}

    def run_action(self):
        data = self.cleaned_data
        user = self.request.user
        if self.instance.pk is None:
            return building.appoint_team_member(
                actor=user,
                org=data["org"],
                team=data["team"],
                name=data["name"],
                phone=data.get("new_phone") or "",
                employer_name=data.get("employer_name") or "",
                appointed_on=data["appointed_on"],
            )
        changes = {"name": data["name"], "employer_name": data.get("employer_name") or ""}
        if data.get("new_phone"):
            changes["phone"] = data["new_phone"]
        member = building.update_team_member(actor=user, member=self.instance, **changes)
        if data.get("ended_on"):
            member = building.end_team_member(actor=user, member=member, ended_on=data["ended_on"])
        return member


@admin.register(TeamMember, site=console_site)
class TeamMemberAdmin(RevealMixin, ScopedModelAdmin):
    reveal = (("phone", _("Mobile phone")),)
    form = TeamMemberForm
    list_display = [
        "name",
        "team",
        "org",
        "employer_name",
        "masked_phone",
        "appointed_on",
        "ended_on",
    ]
    list_filter = ["team", ServingFilter, "org__kind"]
    search_fields = ["name", "employer_name", "org__name"]
    list_select_related = ["org"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [f for f in TeamMemberForm.Meta.fields if f != "ended_on"]
        if not self.has_change_permission(request, obj):
            return [
                "org",
                "team",
                "name",
                "masked_phone",
                "employer_name",
                "appointed_on",
                "ended_on",
            ]
        return ["org", "team", "appointed_on", "name", "new_phone", "employer_name", "ended_on"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["org", "team", "appointed_on"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.ended_on is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("Mobile phone"))
    def masked_phone(self, obj):
        return _masked(obj.phone)


# --- duty lists and letters -------------------------------------------------------------------


class DutyListForm(ActionForm, forms.ModelForm):
    items_text = forms.CharField(
        label=_("Duties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One duty per line, in order."),
    )

    class Meta:
        model = DutyList
        fields = ["org", "level", "year", "title", "items_text"]

    def bind_request(self, request):
        self.request = request
        if self.instance.pk is None:
            orgs = restrict(Org, request.user, "orgs.add_dutylist")
            _choices(self, "org", orgs.exclude(kind__in=NO_CHILDREN))
            self.fields["year"].initial = timezone.localdate().year
        elif "items_text" in self.fields:
            self.fields["items_text"].initial = "\n".join(
                self.instance.items.values_list("text", flat=True)
            )

    def run_action(self):
        data = self.cleaned_data
        user = self.request.user
        if self.instance.pk is None:
            return building.create_duty_list(
                actor=user,
                org=data["org"],
                level=data["level"],
                year=data["year"],
                title=data["title"],
                items=data.get("items_text") or "",
            )
        return building.update_duty_list(
            actor=user,
            duty_list=self.instance,
            title=data["title"],
            items=data.get("items_text") or "",
        )


@admin.register(DutyList, site=console_site)
class DutyListAdmin(ScopedModelAdmin):
    form = DutyListForm
    list_display = ["title", "year", "level", "org", "state", "published_at", "signed_count"]
    list_filter = ["year", "level", "state"]
    search_fields = ["title", "org__name"]
    list_select_related = ["org"]
    actions = ["publish_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return DutyListForm.Meta.fields
        if self.has_change_permission(request, obj):
            return ["org", "level", "year", "state", "title", "items_text"]
        return ["org", "level", "year", "title", "state", "published_at", "duties"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["org", "level", "year", "state", "published_at", "duties"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state != DutyListState.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("Duties"))
    def duties(self, obj):
        items = format_html_join("", "<li>{}</li>", obj.items.values_list("text"))
        return format_html("<ol class='list-decimal pl-5'>{}</ol>", items)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(letter_count=Count("letters"))

    @admin.display(description=_("Signed letters"), ordering="letter_count")
    def signed_count(self, obj):
        return obj.letter_count

    @admin.action(description=_("Publish the selected lists"), permissions=["change"])
    def publish_selected(self, request, queryset):
        done = 0
        for duty_list in queryset.filter(state=DutyListState.DRAFT):
            try:
                building.publish_duty_list(actor=request.user, duty_list=duty_list)
            except ActionError as exc:
                self.message_user(request, f"{duty_list}: {exc.messages[0]}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(n)d lists published.") % {"n": done}, messages.SUCCESS)


class DutyLetterForm(ActionForm, forms.ModelForm):
    class Meta:
        model = DutyLetter
        fields = ["org", "list", "signed_on", "signed_by", "file"]

    def bind_request(self, request):
        self.request = request
        kinds = sorted({k for kinds in DUTY_LEVEL_KINDS.values() for k in kinds})
        orgs = restrict(Org, request.user, "orgs.add_dutyletter")
        _choices(self, "org", orgs.filter(kind__in=kinds))
        _choices(self, "list", building.signable_lists(request.user))

    def run_action(self):
        data = self.cleaned_data
        return building.sign_duty_letter(
            actor=self.request.user,
            org=data["org"],
            duty_list=data["list"],
            signed_on=data["signed_on"],
            signed_by=data["signed_by"],
            file=data.get("file") or None,
        )


@admin.register(DutyLetter, site=console_site)
class DutyLetterAdmin(ScopedModelAdmin):
    form = DutyLetterForm
    list_display = ["org", "year", "list", "signed_on", "masked_signer", "file"]
    list_filter = ["year", "list__level"]
    search_fields = ["org__name"]
    list_select_related = ["org", "list"]
    change_list_template = "orgs/building/dutyletter_change_list.html"

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return DutyLetterForm.Meta.fields
        return ["org", "year", "list", "signed_on", "signed_by", "file"]

    @admin.display(description=_("Signed by"))
    def masked_signer(self, obj):
        return mask_name(obj.signed_by)

    def get_urls(self):
        return [
            path(
                "not-signed/",
                self.admin_site.admin_view(self.not_signed_view),
                name="orgs_dutyletter_not_signed",
            ),
        ] + super().get_urls()

    def not_signed_view(self, request):
        if not request.user.has_perm("orgs.view_dutyletter"):
            raise PermissionDenied
        try:
            year = int(request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        rows = building.unsigned_letters(request.user, year)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Responsibility letters not signed in %(year)s") % {"year": year},
            "year": year,
            "rows": rows,
            "opts": self.opts,
        }
        return render(request, "orgs/building/not_signed.html", context)
