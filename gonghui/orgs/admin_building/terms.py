"""Console pages of committee terms (换届) with the election-due filter and badges, their
officials, and the members of the three teams (三支队伍). Every write calls an action in
:mod:`gonghui.orgs.building`."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.orgs import building
from gonghui.orgs.admin_building.common import (
    RevealMixin,
    ServingFilter,
    _choices,
    _masked,
    _phone_field,
)
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import (
    Official,
    Org,
    TeamMember,
    Term,
)
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_phone

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
