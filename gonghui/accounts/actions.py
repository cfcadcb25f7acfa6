"""Account management (system administrator) and member sign-in (portal)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.models import User, UserKind
from gonghui.platform.workflow.base import ActionError, action


@action("accounts.create_user", permission="accounts.add_user")
def create_user(
    ctx,
    *,
    username: str,
    display_name: str,
    password: str,
    kind: str = UserKind.STAFF,
    agency: str = "",
) -> User:
    """Create a staff or partner account. Roles are granted separately by the security
    administrator (三员分立: whoever creates accounts does not give them power)."""
    username = (username or "").strip()
    if kind not in (UserKind.STAFF, UserKind.PARTNER):
        raise ActionError(
            _("Only staff and partner accounts are created here."), code="invalid_kind"
        )
    if not username or User.objects.filter(username__iexact=username).exists():
        raise ActionError(_("This username is empty or already taken."), code="username")
    user = User(
        username=username, display_name=display_name, kind=kind, agency=agency, is_staff=True
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), code="password") from exc
    user.set_password(password)
    user.save()
    ctx.wrote(user, details={"username": username, "kind": kind})
    return user


@action("accounts.set_user_active", permission="accounts.change_user")
def set_user_active(ctx, *, user: User, active: bool, reason: str = "") -> User:
    """Deactivate or reactivate an account; a deactivated user is out on the next request."""
    ctx.lock(user)
    if user.pk == ctx.actor.pk:
        raise ActionError(_("You cannot deactivate yourself."), code="self")
    user.is_active = active
    user.save(update_fields=["is_active"])
    ctx.wrote(user, details={"active": active, "reason": reason})
    return user


@action("accounts.set_password", permission="accounts.change_user")
def set_password(ctx, *, user: User, password: str) -> User:
    ctx.lock(user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), code="password") from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    ctx.wrote(user, details={"password": "changed"})
    return user


@action("accounts.member_sign_in", permission=None)
def member_sign_in(ctx, *, phone: str) -> User:
    """Find or create the member account for a verified phone number."""
    try:
        user = User.objects.get_by_phone(phone)
    except User.DoesNotExist:
        user = User.objects.create_member(phone=phone)
        ctx.details["created"] = True
    if user.kind != UserKind.MEMBER:
        raise ActionError(_("This number belongs to a staff account."), code="not_member")
    if not user.is_active:
        raise ActionError(_("This account is disabled."), code="inactive")
    ctx.wrote(user)
    return user


# --- second factor (AUTH-5; views in gonghui/accounts/twofactor.py) -------------------------


@action("auth.otp_enrolled", permission=None)
def enrol_second_factor(ctx, *, device) -> list[str]:
    """Confirm the actor's own TOTP device (its first code was just verified) and issue 10
    fresh single-use recovery codes, returned once for display and never stored in clear
    anywhere else than django-otp's static tokens."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gonghui.accounts.twofactor import new_recovery_codes

    user = User.objects.get(pk=ctx.actor.pk)  # the actor may be a lazy request.user
    if device.user_id != user.pk:
        raise ActionError(_("This device belongs to another account."), code="not_yours")
    ctx.lock(user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Leftover unconfirmed secrets (an abandoned enrolment page) are useless from now on.
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    codes = new_recovery_codes(user)
    ctx.wrote(user, details={"device": "totp", "recovery_codes": len(codes)})
    return codes


@action("accounts.reset_second_factor", permission="accounts.reset_otp")
def reset_second_factor(ctx, *, user: User, reason: str = "") -> User:
    """Security administrator: delete the user's authenticator and recovery codes and end
    their sessions; their next login enrols a new authenticator."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gonghui.accounts.twofactor import end_sessions_of

    ctx.lock(user)
    if user.kind == UserKind.MEMBER:
        raise ActionError(
            _("Members log in with an SMS code: there is no second factor."), code="member"
        )
    totp = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
    static = StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
    sessions = end_sessions_of(user)
    ctx.wrote(
        user,
        details={
            "totp_devices_deleted": totp,
            "recovery_devices_deleted": static,
            "sessions_ended": sessions,
            "reason": reason,
        },
    )
    return user


# --- lockout and own password (AUTH-2, AUTH-3; gonghui/accounts/lockout.py, passwords.py) ----


@action("accounts.unlock_user", permission="accounts.unlock_user")
def unlock_user(ctx, *, username: str, reason: str = "") -> int:
    """Security administrator: clear the failed-login record of ``username`` (a lockout ends
    now). Returns the number of attempt records removed."""
    from axes.handlers.proxy import AxesProxyHandler

    username = (username or "").strip()
    if not username:
        raise ActionError(_("Give the username to unlock."), code="username")
    removed = AxesProxyHandler.reset_attempts(username=username)
    user = User.objects.filter(username=username).first()
    if user is not None:
        ctx.wrote(user, recheck=False)
    ctx.details.update({"username": username, "attempts_removed": removed, "reason": reason})
    return removed


@action("accounts.change_own_password", permission=None)
def change_own_password(ctx, *, password: str) -> User:
    """Any staff or partner account: set a new password for oneself (the caller has checked
    the current one). The policy validators run, the history records it, and the expiry
    starts again."""
    actor = ctx.actor
    if actor is None or not actor.is_authenticated or actor.kind == UserKind.MEMBER:
        raise ActionError(_("This account has no password."), code="member")
    user = ctx.lock(User.objects.get(pk=actor.pk))  # the actor may be a lazy request.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), code="password") from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    ctx.wrote(user, recheck=False, details={"password": "changed"})
    return user


@action("accounts.set_digest_sms", permission=None)
def set_digest_sms(ctx, *, on: bool) -> User:
    """A staff or partner account switches the daily digest by SMS (gonghui/platform/digest)
    on or off for itself."""
    actor = ctx.actor
    if actor is None or not actor.is_authenticated or actor.kind == UserKind.MEMBER:
        raise ActionError(_("Only staff accounts receive the daily digest."), code="member")
    user = ctx.lock(User.objects.get(pk=actor.pk))
    user.digest_sms = bool(on)
    user.save(update_fields=["digest_sms"])
    ctx.wrote(user, recheck=False, details={"digest_sms": user.digest_sms})
    return user
