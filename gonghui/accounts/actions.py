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
