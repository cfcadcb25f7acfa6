"""Console pages of the partner agencies (合作机构) and their accounts: the union's
administrator or rights officer lists, adds, corrects and takes out of use the agencies on its
list, and on an agency's page sees its accounts, makes one for a member of the agency's staff
and deactivates one. Reads go through ``restrict``; every write is an action
(rights/partner_actions.py)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_phone
from gonghui.rights import partner_actions as actions
from gonghui.rights.models import PartnerAgency, PartnerAgent

ADD_AGENCY = "rights.add_partneragency"
ADD_ACCOUNT = "rights.add_partneragent"


class AgencyAddForm(ActionForm, forms.ModelForm):
    class Meta:
        model = PartnerAgency
        fields = ["name", "kind", "org", "address"]

    def bind_request(self, request):
        # The unions where the user may keep agencies (the action checks the same).
        self.fields["org"].queryset = restrict(Org, request.user, ADD_AGENCY).order_by("path")

    def run_action(self):
        d = self.cleaned_data
        return actions.add_agency(
            actor=self.request.user,
            org=d["org"],
            name=d["name"],
            kind=d["kind"],
            address=d.get("address", ""),
        )


class AgencyChangeForm(ActionForm, forms.ModelForm):
    class Meta:
        model = PartnerAgency
        fields = ["name", "kind", "address", "active"]

    def run_action(self):
        d, agency, actor = self.cleaned_data, self.instance, self.request.user
        stored = PartnerAgency.objects.get(pk=agency.pk)
        if (d["name"], d["kind"], d.get("address", "")) != (
            stored.name,
            stored.kind,
            stored.address,
        ):
            agency = actions.change_agency(
                actor=actor,
                agency=stored,
                name=d["name"],
                kind=d["kind"],
                address=d.get("address", ""),
            )
        if d["active"] != stored.active:
            agency = actions.set_agency_active(actor=actor, agency=stored, active=d["active"])
        return agency


@admin.register(PartnerAgency, site=console_site)
class PartnerAgencyAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "org", "active", "account_count"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    list_select_related = ["org"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_accounts=Count("agents", filter=Q(agents__user__is_active=True)))
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AgencyChangeForm if obj is not None else AgencyAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return AgencyAddForm.Meta.fields
        return ["name", "kind", "org", "address", "active", "accounts"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        return ["org", "accounts"]

    @admin.display(description=_("Active accounts"), ordering="_accounts")
    def account_count(self, obj):
        return obj._accounts

    @admin.display(description=_("Accounts"))
    def accounts(self, obj):
        agents = restrict(
            PartnerAgent.objects.filter(agency=obj).select_related("user"),
            obj.viewer,
            "view",
        ).order_by("user__username")
        rows = format_html_join(
            "",
            '<tr><td class="pr-4"><a class="text-primary-600" href="{}">{}</a></td>'
            '<td class="pr-4">{}</td><td class="pr-4">{}</td><td>{}</td></tr>',
            (
                (
                    reverse("console:rights_partneragent_change", args=[a.pk]),
                    a.user.username,
                    a.user.display_name,
                    mask_phone(a.user.phone) if a.user.phone else "",
                    _("Active") if a.user.is_active else _("Deactivated"),
                )
                for a in agents
            ),
        )
        table = (
            format_html('<table class="mb-2">{}</table>', rows)
            if rows
            else format_html("<p>{}</p>", _("No accounts yet."))
        )
        if obj.active and obj.viewer.has_perm(ADD_ACCOUNT):
            link = reverse("console:rights_partneragent_add") + f"?agency={obj.pk}"
            return format_html(
                '{}<a class="text-primary-600 font-semibold" href="{}">{}</a>',
                table,
                link,
                _("Create an account for this agency"),
            )
        return table

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        obj.viewer = request.user  # the accounts panel reads through this request's user
        return obj


class AccountAddForm(ActionForm, forms.ModelForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=_("Give it to the person in person; they change it after the first login."),
    )

    class Meta:
        model = PartnerAgent
        fields = ["agency"]

    def bind_request(self, request):
        agencies = restrict(PartnerAgency, request.user, ADD_ACCOUNT).filter(active=True)
        self.fields["agency"].queryset = agencies.order_by("name")
        if not self.is_bound and (wanted := request.GET.get("agency", "")).isdigit():
            self.initial["agency"] = int(wanted)

    def run_action(self):
        d = self.cleaned_data
        return actions.create_partner_account(
            actor=self.request.user,
            agency=d["agency"],
            username=d["username"],
            display_name=d["display_name"],
            phone=d["phone"],
            password=d["password"],
        )

    def validate_unique(self):
        return None


class AccountChangeForm(ActionForm, forms.ModelForm):
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Untick when the person has left the agency: the account is out at once."),
    )

    class Meta:
        model = PartnerAgent
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["active"].initial = self.instance.user.is_active

    def run_action(self):
        if self.cleaned_data["active"]:
            return self.instance  # reactivating is not offered: make a new account
        return actions.deactivate_partner_account(actor=self.request.user, agent=self.instance)


@admin.register(PartnerAgent, site=console_site)
class PartnerAgentAdmin(ScopedModelAdmin):
    list_display = ["username", "display_name", "agency", "masked_phone", "is_active"]
    list_filter = ["agency__kind"]
    search_fields = ["user__username", "user__display_name", "agency__name"]
    list_select_related = ["user", "agency"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AccountChangeForm if obj is not None else AccountAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "username", "display_name", "phone", "password"]
        fields = ["agency", "username", "display_name", "masked_phone", "last_login"]
        return fields + (["active"] if self.has_change_permission(request, obj) else [])

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["agency", "username", "display_name", "masked_phone", "last_login"]

    def has_change_permission(self, request, obj=None):
        # Only an active account can be changed (deactivated); a deactivated one is history.
        if obj is not None and not obj.user.is_active:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("Username"), ordering="user__username")
    def username(self, obj):
        return obj.user.username

    @admin.display(description=_("Display name"))
    def display_name(self, obj):
        return obj.user.display_name

    @admin.display(description=_("Mobile phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.user.phone) if obj.user.phone else ""

    @admin.display(description=_("Last login"))
    def last_login(self, obj):
        return obj.user.last_login or "—"

    @admin.display(description=_("Active"), boolean=True)
    def is_active(self, obj):
        return obj.user.is_active
