"""Console pages for accounts (system administrator)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from gonghui.accounts import actions
from gonghui.accounts.models import User, UserKind
from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.platform.pii.masking import mask_phone


class UserCreateForm(ActionForm, forms.ModelForm):
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["username", "display_name", "kind", "agency", "password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (UserKind.STAFF, UserKind.STAFF.label),
            (UserKind.PARTNER, UserKind.PARTNER.label),
        ]

    def run_action(self):
        d = self.cleaned_data
        return actions.create_user(
            actor=self.request.user,
            username=d["username"],
            display_name=d["display_name"],
            password=d["password"],
            kind=d["kind"],
            agency=d.get("agency", ""),
        )

    def validate_unique(self):
        return None


class UserChangeForm(ActionForm, forms.ModelForm):
    new_password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput, required=False, strip=False
    )

    class Meta:
        model = User
        fields = ["is_active", "new_password"]

    def run_action(self):
        user = self.instance
        d = self.cleaned_data
        actor = self.request.user
        if d["is_active"] != User.objects.get(pk=user.pk).is_active:
            user = actions.set_user_active(actor=actor, user=user, active=d["is_active"])
        if d.get("new_password"):
            user = actions.set_password(actor=actor, user=user, password=d["new_password"])
        return user


@admin.register(User, site=console_site)
class UserAdmin(ScopedModelAdmin):
    list_display = ["username", "display_name", "kind", "masked_phone", "is_active", "last_login"]
    list_filter = ["kind", "is_active"]
    search_fields = ["username", "display_name"]
    readonly_fields = [
        "username",
        "display_name",
        "kind",
        "agency",
        "masked_phone",
        "last_login",
        "date_joined",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserChangeForm if obj is not None else UserCreateForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return UserCreateForm.Meta.fields
        return [
            "username",
            "display_name",
            "kind",
            "agency",
            "masked_phone",
            "is_active",
            "new_password",
            "last_login",
            "date_joined",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description=_("Mobile phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone) if obj.phone else ""

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        return super().message_user(request, message, level, *args, **kwargs)
