"""Console pages for role grants and API tokens (security administrator)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.models import User, UserKind
from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.orgs.models import Org
from gonghui.platform.access import actions
from gonghui.platform.access.models import APIToken, RoleGrant
from gonghui.platform.access.scoping import restrict

# The security administrator picks orgs for grants without seeing their business data:
# ``orgs.pick_org`` is a permission that only lists orgs by name.
PICK_ORG = "orgs.pick_org"


class GrantForm(ActionForm, forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "org", "role", "include_descendants", "valid_from", "valid_to"]

    def bind_request(self, request):
        self.request = request
        self.fields["user"].queryset = User.objects.exclude(kind=UserKind.MEMBER).order_by(
            "username"
        )
        self.fields["org"].queryset = restrict(Org, request.user, PICK_ORG)

    def run_action(self):
        d = self.cleaned_data
        return actions.grant_role(
            actor=self.request.user,
            user=d["user"],
            org=d["org"],
            role=d["role"],
            include_descendants=d["include_descendants"],
            valid_from=d.get("valid_from"),
            valid_to=d.get("valid_to"),
        )


@admin.register(RoleGrant, site=console_site)
class RoleGrantAdmin(ScopedModelAdmin):
    form = GrantForm
    list_display = [
        "user",
        "role",
        "org",
        "include_descendants",
        "valid_from",
        "valid_to",
        "granted_by",
    ]
    list_filter = ["role", "include_descendants"]
    search_fields = ["user__username", "user__display_name", "org__name"]
    list_select_related = ["user", "org", "granted_by"]
    actions = ["revoke_selected"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            kwargs["queryset"] = restrict(Org, request.user, PICK_ORG)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("Revoke the selected grants now"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        done = 0
        for grant in queryset:
            if grant.is_active:
                actions.revoke_grant(actor=request.user, grant=grant)
                done += 1
        self.message_user(request, _("%(n)d grants revoked.") % {"n": done}, messages.SUCCESS)


class TokenForm(ActionForm, forms.ModelForm):
    permissions = forms.CharField(
        label=_("Permissions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One permission per line, e.g. orgs.view_org. The token never exceeds "
            "its user's own grants."
        ),
    )

    class Meta:
        model = APIToken
        fields = ["user", "name", "permissions", "expires_at"]

    def run_action(self):
        d = self.cleaned_data
        perms = [p.strip() for p in (d.get("permissions") or "").splitlines() if p.strip()]
        token, raw = actions.create_api_token(
            actor=self.request.user,
            user=d["user"],
            name=d["name"],
            permissions=perms,
            expires_at=d.get("expires_at"),
        )
        self.raw_token = raw
        return token


@admin.register(APIToken, site=console_site)
class APITokenAdmin(ScopedModelAdmin):
    form = TokenForm
    list_display = ["name", "user", "prefix", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "last_used_at", "revoked_at"]
    actions = ["revoke_selected"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_new_api_token", None)
        if raw:
            self.message_user(
                request,
                _("Token created. Copy it now, it will not be shown again: %(t)s") % {"t": raw},
                messages.WARNING,
            )
        return super().response_add(request, obj, post_url_continue)

    def save_form(self, request, form, change):
        request._new_api_token = getattr(form, "raw_token", None)
        return super().save_form(request, form, change)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        for token in queryset:
            if token.revoked_at is None:
                actions.revoke_api_token(actor=request.user, token=token)
