"""Console pages for accounts (system administrator)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

# Role grants and API tokens (platform models) are shown beside the accounts they govern.
from gonghui.accounts import (
    actions,
    admin_access,  # noqa: F401  (registration)
)
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

    def get_urls(self):
        from django.urls import path

        extra = [
            path(
                "lockouts/",
                self.admin_site.admin_view(lockouts_view),
                name="accounts_user_lockouts",
            ),
        ]
        return extra + super().get_urls()


# --- login lockouts (security administrator; AUTH-3) ----------------------------------------


def lockouts_view(request):
    """Current lockouts, and the unlock button (``accounts.unlock_user``, audited)."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import redirect
    from django.template.response import TemplateResponse

    from gonghui.accounts.lockout import cool_off, current_lockouts

    if not request.user.has_perm("accounts.unlock_user"):
        raise PermissionDenied
    if request.method == "POST":
        username = request.POST.get("username", "")
        actions.unlock_user(actor=request.user, username=username)
        messages.success(request, _("%(username)s is unlocked.") % {"username": username})
        return redirect("console:accounts_user_lockouts")
    context = {
        **console_site.each_context(request),
        "title": _("Login lockouts"),
        "lockouts": current_lockouts(),
        "minutes": int(cool_off().total_seconds() // 60),
    }
    request.current_app = console_site.name
    return TemplateResponse(request, "accounts/lockouts.html", context)


# --- own password change (AUTH-2, AUTH-7) ----------------------------------------------------


def own_password_change(request):
    """``/console/password_change/``: the console's own password change, through the action
    ``accounts.change_own_password`` (policy, history, audit). Needs the current password;
    ``update_session_auth_hash`` keeps this session and ends the account's other sessions."""
    from django.contrib.auth.views import PasswordChangeView
    from django.urls import reverse
    from unfold.forms import AdminOwnPasswordChangeForm

    from gonghui.accounts.middleware import PASSWORD_CHANGE_KEY

    class OwnPasswordChangeForm(AdminOwnPasswordChangeForm):
        def save(self, commit=True):
            changed = actions.change_own_password(
                actor=self.user, password=self.cleaned_data["new_password1"]
            )
            # The view computes the session hash from this object (update_session_auth_hash).
            self.user.password = changed.password
            self.user.password_changed_at = changed.password_changed_at
            request.session.pop(PASSWORD_CHANGE_KEY, None)
            return self.user

    from gonghui.accounts.passwords import password_expired

    extra = {**console_site.each_context(request)}
    if request.method == "GET" and (
        request.session.get(PASSWORD_CHANGE_KEY) or password_expired(request.user)
    ):
        messages.warning(
            request,
            _(
                "Your password has expired or no longer meets the password policy. "
                "Choose a new one to continue."
            ),
        )
    request.current_app = console_site.name
    return PasswordChangeView.as_view(
        form_class=OwnPasswordChangeForm,
        success_url=reverse("console:password_change_done"),
        extra_context=extra,
    )(request)


# --- second factor reset (security administrator; AUTH-5) ------------------------------------


class ResetSecondFactorForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (for the audit log)"),
        max_length=200,
        help_text=_("E.g. “phone lost, identity checked by call back on 2026-03-02”."),
    )


def reset_second_factor_detail(self, request, object_id):
    """A button on the user's page: confirm (GET) then reset (POST)."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.shortcuts import redirect
    from django.template.response import TemplateResponse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not request.user.has_perm("accounts.reset_otp"):
        raise PermissionDenied
    target = User.objects.filter(pk=object_id).exclude(kind=UserKind.MEMBER).first()
    if target is None:
        raise Http404
    form = ResetSecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.reset_second_factor(
            actor=request.user, user=target, reason=form.cleaned_data["reason"]
        )
        self.message_user(
            request,
            _("Two-step login reset for %(user)s: they set it up again at their next login.")
            % {"user": target},
            messages.SUCCESS,
        )
        return redirect("console:accounts_user_change", target.pk)
    context = {
        **self.admin_site.each_context(request),
        "title": _("Reset two-step login"),
        "opts": self.model._meta,
        "original": target,
        "target": target,
        "form": form,
        "has_device": TOTPDevice.objects.filter(user=target, confirmed=True).exists(),
    }
    return TemplateResponse(request, "accounts/twofactor/reset_confirm.html", context)


def _has_reset_otp_permission(self, request, object_id=None):
    return request.user.has_perm("accounts.reset_otp")


def _install_reset_button():
    from unfold.decorators import action as unfold_action

    UserAdmin.has_reset_otp_permission = _has_reset_otp_permission
    UserAdmin.reset_second_factor_detail = unfold_action(
        description=_("Reset two-step login"),
        url_path="reset-second-factor",
        permissions=["reset_otp"],
        icon="phonelink_erase",
    )(reset_second_factor_detail)
    UserAdmin.actions_detail = [*UserAdmin.actions_detail, "reset_second_factor_detail"]


_install_reset_button()
