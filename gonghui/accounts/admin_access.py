"""Console pages for role grants and API tokens (security administrator).

API tokens (三员分立, issue #11 finding 3): the security administrator lists, limits (fewer
permissions, earlier expiry) and revokes tokens here, and never creates or reads one: there
is no "add" page; a token is created by its own user at ``/console/account/tokens/``
(gonghui/accounts/tokens.py) after a fresh second factor, and only its hash is stored.

The access models are the platform's; their pages live here, beside the staff accounts they
govern (the platform imports no console). Orgs are picked from the scope model
(``GONGHUI_SCOPE_MODEL``): accounts sit below the org tree."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextInputWidget,
)

from gonghui.accounts.models import User, UserKind
from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.pickers import SearchSelect, search_response
from gonghui.console.sites import console_site
from gonghui.platform.access import actions
from gonghui.platform.access.labels import permission_choices, permission_label
from gonghui.platform.access.models import APIToken, RoleGrant
from gonghui.platform.access.scoping import restrict, scope_model

# The security administrator picks orgs for grants without seeing their business data:
# ``orgs.pick_org`` is a permission that only lists orgs by name.
PICK_ORG = "orgs.pick_org"
# 100k orgs: the grant form renders only the chosen one and searches the rest (console/pickers).
ORG_SEARCH_URL = reverse_lazy("console:access_rolegrant_orgs")


def grantable_orgs(user):
    return restrict(scope_model(), user, PICK_ORG)


class GrantForm(ActionForm, forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "org", "role", "include_descendants", "valid_from", "valid_to"]

    def bind_request(self, request):
        self.request = request
        # The page of an existing grant is read-only: its form has no fields to narrow.
        if "user" in self.fields:
            self.fields["user"].queryset = User.objects.exclude(kind=UserKind.MEMBER).order_by(
                "username"
            )
        if "org" in self.fields:
            self.fields["org"].queryset = grantable_orgs(request.user)

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
            kwargs["queryset"] = grantable_orgs(request.user)
            kwargs["widget"] = SearchSelect(ORG_SEARCH_URL)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        return [
            path(
                "orgs/",
                self.admin_site.admin_view(self.org_search_view),
                name="access_rolegrant_orgs",
            ),
            *super().get_urls(),
        ]

    def org_search_view(self, request):
        """The org picker's answers: only orgs the grant form would accept."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return search_response(request, grantable_orgs(request.user))

    @admin.action(description=_("Revoke the selected grants now"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        done = 0
        for grant in queryset:
            if grant.is_active:
                actions.revoke_grant(actor=request.user, grant=grant)
                done += 1
        self.message_user(request, _("%(n)d grants revoked.") % {"n": done}, messages.SUCCESS)


class LimitTokenForm(ActionForm, forms.ModelForm):
    """Narrow a token: untick permissions, bring the expiry forward. Nothing else changes."""

    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=_("Untick what the token no longer needs. A token is never widened."),
    )
    expires_at = forms.SplitDateTimeField(
        label=_("Expires"),
        required=False,
        widget=UnfoldAdminSplitDateTimeWidget,
        help_text=_("Only earlier than it is now; leave it unchanged to keep it."),
    )
    reason = forms.CharField(
        label=_("Reason (for the audit log)"),
        max_length=200,
        required=False,
        widget=UnfoldAdminTextInputWidget,
    )

    class Meta:
        model = APIToken
        fields = ["permissions", "expires_at"]

    def bind_request(self, request):
        token = self.instance
        self.fields["permissions"].choices = permission_choices(token.permissions)
        self.initial.setdefault("permissions", list(token.permissions))

    def run_action(self):
        d = self.cleaned_data
        return actions.limit_api_token(
            actor=self.request.user,
            token=self.instance,
            permissions=d["permissions"],
            expires_at=d.get("expires_at"),
            reason=d.get("reason", ""),
        )


@admin.register(APIToken, site=console_site)
class APITokenAdmin(ScopedModelAdmin):
    form = LimitTokenForm
    list_display = [
        "name",
        "user",
        "prefix",
        "permission_count",
        "state",
        "expires_at",
        "last_used_at",
        "created_at",
    ]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username", "user__display_name"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "state",
        "permission_labels",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        # Nobody creates a token for someone else, the security administrator included.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.revoked_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        editable = self.has_change_permission(request, obj)
        fields = ["user", "name", "prefix", "state", "created_at", "last_used_at"]
        if editable:
            return [*fields, "permissions", "expires_at", "reason"]
        return [*fields, "permission_labels", "expires_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.readonly_fields
        return [*self.readonly_fields, "expires_at"]

    @admin.display(description=_("State"))
    def state(self, obj):
        return obj.state_label

    @admin.display(description=_("Permissions"))
    def permission_count(self, obj):
        return len(obj.permissions)

    @admin.display(description=_("Permissions"))
    def permission_labels(self, obj):
        return "; ".join(permission_label(p) for p in obj.permissions)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            actions.revoke_api_token(actor=request.user, token=token)
            done += 1
        self.message_user(request, _("%(n)d tokens revoked.") % {"n": done}, messages.SUCCESS)
