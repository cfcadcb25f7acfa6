"""Granting and revoking roles (only the security administrator, 三员分立), and API tokens
(created only by their own user after a fresh second factor; listed, limited and revoked by
the security administrator)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.models import APIToken, RoleGrant, hash_token
from gonghui.platform.access.roles import OFFICER_ROLES, ROLES
from gonghui.platform.access.scoping import clear_cache, user_permissions
from gonghui.platform.workflow.base import ActionError, action


@action("access.grant_role", permission="access.add_rolegrant")
def grant_role(ctx, *, user, org, role, include_descendants=True, valid_from=None, valid_to=None):
    """Give ``user`` ``role`` at ``org``. 三员 roles are mutually exclusive for one user and
    cannot be combined with business roles; members cannot hold roles."""
    if role not in ROLES:
        raise ActionError(_("Unknown role."), code="unknown_role")
    if user.kind == "member":
        raise ActionError(_("Member accounts cannot hold roles."), code="member_role")
    if role == "partner_agent" and user.kind != "partner":
        raise ActionError(_("Only partner accounts can be partner agents."), code="partner_role")
    if user.kind == "partner" and role != "partner_agent":
        raise ActionError(_("Partner accounts can only be partner agents."), code="partner_role")
    now = timezone.now()
    held = set(RoleGrant.objects.active(now).filter(user=user).values_list("role", flat=True))
    if role in OFFICER_ROLES and held - {role}:
        raise ActionError(
            _("A system, security or audit administrator holds no other role (三员分立)."),
            code="officer_exclusive",
        )
    if role not in OFFICER_ROLES and held & OFFICER_ROLES:
        raise ActionError(
            _(
                "This user is a system, security or audit administrator and cannot hold "
                "business roles (三员分立)."
            ),
            code="officer_exclusive",
        )
    if user.pk == ctx.actor.pk:
        raise ActionError(_("You cannot grant roles to yourself."), code="self_grant")
    grant = RoleGrant.objects.create(
        user=user,
        org=org,
        role=role,
        include_descendants=include_descendants,
        valid_from=valid_from or now,
        valid_to=valid_to,
        granted_by=ctx.actor,
    )
    clear_cache(user)
    ctx.wrote(
        grant,
        details={
            "user": user.username,
            "role": role,
            "org": org.name,
            "include_descendants": include_descendants,
        },
    )
    ctx.org = org
    return grant


@action("access.revoke_grant", permission="access.change_rolegrant")
def revoke_grant(ctx, *, grant):
    """End a grant now; it stops working on the user's next request."""
    ctx.lock(grant)
    now = timezone.now()
    if grant.valid_to is not None and grant.valid_to <= now:
        raise ActionError(_("This grant has already ended."), code="already_ended")
    grant.valid_to = max(now, grant.valid_from + timedelta(microseconds=1))
    grant.save(update_fields=["valid_to"])
    clear_cache(grant.user)
    ctx.wrote(
        grant, details={"user": grant.user.username, "role": grant.role, "org": grant.org.name}
    )
    ctx.org = grant.org
    return grant


# --- API tokens (issue #11, finding 3) --------------------------------------------------------

# The longest a token may live; the security administrator may only shorten it.
TOKEN_MAX_DAYS = 365
# The step named in the audit of a wrong code typed to create an API token (auth.otp_failed).
OTP_STEP = "api_token"


def is_officer(user) -> bool:
    """Whether ``user`` holds one of the 三员 roles now."""
    return RoleGrant.objects.active().filter(user_id=user.pk, role__in=OFFICER_ROLES).exists()


class SecondFactor(Protocol):
    """Proof of a second factor now, given by the accounts app (register_second_factor)."""

    def verify_fresh_code(self, user, code: str, *, step: str) -> tuple[object | None, bool]:
        """(the device that accepted ``code``, or None; whether the user is throttled)."""

    def freshly_verified(self, device, user) -> bool:
        """Whether ``device`` is ``user``'s and was verified just now."""


_second_factor: list[SecondFactor] = []


def register_second_factor(provider: SecondFactor) -> None:
    """Called once, from the accounts app's ``AppConfig.ready()``."""
    _second_factor[:] = [provider]


def second_factor() -> SecondFactor:
    if not _second_factor:
        raise ImproperlyConfigured("no second factor registered (register_second_factor)")
    return _second_factor[0]


def token_refusal(user) -> str | None:
    """Why ``user`` cannot hold an API token, or None. Tokens are for union staff with business
    roles: members and partner agencies have none, and the 三员 work only in the console
    (their own interface, with the second factor at every login)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return str(_("Log in first."))
    if user.kind != "staff":
        return str(_("Only union staff accounts can have API tokens."))
    if is_officer(user):
        return str(
            _(
                "System, security and audit administrators cannot have API tokens "
                "(三员分立): their work is done in the console."
            )
        )
    return None


def own_permissions(user) -> frozenset[str]:
    """The permissions ``user`` holds through their grants now: a token carries a subset."""
    return user_permissions(user)


def _check_token_request(user, *, name: str, permissions, expires_at) -> tuple[str, list[str]]:
    refusal = token_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)
    name = (name or "").strip()
    if not name:
        raise ActionError(_("The name is required."), code="required")
    perms = sorted(set(permissions or ()))
    if not perms:
        raise ActionError(_("Choose at least one permission."), code="no_permission")
    beyond = sorted(set(perms) - own_permissions(user))
    if beyond:
        raise ActionError(
            _("A token can only carry permissions you hold yourself: %(p)s"),
            code="not_your_permission",
            params={"p": ", ".join(beyond)},
        )
    now = timezone.now()
    if expires_at is None:
        raise ActionError(_("Choose when the token expires."), code="expiry_required")
    if expires_at <= now:
        raise ActionError(_("The expiry must be in the future."), code="expiry_past")
    if expires_at > now + timedelta(days=TOKEN_MAX_DAYS, minutes=1):
        raise ActionError(
            _("A token lives at most %(days)d days."),
            code="expiry_too_far",
            params={"days": TOKEN_MAX_DAYS},
        )
    return name, perms


def create_api_token(*, actor, name: str, permissions, expires_at, otp_code: str):
    """The only way a token comes to exist: ``actor`` asks for their own token, proving a
    second factor now with a code from their authenticator app. Returns (token, raw); the raw
    token is returned once and never stored (only its SHA-256).

    The request is checked before the code is spent; the code is checked in its own
    transaction (a wrong code counts towards throttling and is audited as
    ``auth.otp_failed``); then the audited action ``access.create_api_token`` writes the
    token."""
    _check_token_request(actor, name=name, permissions=permissions, expires_at=expires_at)
    device, throttled = second_factor().verify_fresh_code(actor, otp_code, step=OTP_STEP)
    if device is None:
        raise ActionError(
            _("Too many wrong codes. Wait a moment and try again.")
            if throttled
            else _("The code is not correct or was already used."),
            code="second_factor",
        )
    return _issue_api_token(
        actor=actor, name=name, permissions=permissions, expires_at=expires_at, device=device
    )


@action("access.create_api_token", permission=None)
def _issue_api_token(ctx, *, name: str, permissions, expires_at, device):
    """Write the actor's own token; ``device`` must be the actor's authenticator, verified
    just now (see :func:`create_api_token`)."""
    user = get_user_model().objects.get(pk=ctx.actor.pk)  # the actor may be a lazy request.user
    name, perms = _check_token_request(
        ctx.actor, name=name, permissions=permissions, expires_at=expires_at
    )
    if not second_factor().freshly_verified(device, user):
        raise ActionError(
            _("Confirm with a code from your authenticator app."), code="second_factor"
        )
    raw = "gh_" + secrets.token_urlsafe(32)
    token = APIToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:10],
        key_hash=hash_token(raw),
        permissions=perms,
        expires_at=expires_at,
    )
    ctx.wrote(
        token,
        details={
            "token": token.pk,
            "user": user.username,
            "name": name,
            "permissions": perms,
            "expires_at": expires_at.isoformat(),
            "second_factor": "totp",
        },
    )
    return token, raw


@action("access.limit_api_token", permission="access.change_apitoken")
def limit_api_token(ctx, *, token, permissions, expires_at=None, reason: str = ""):
    """Security administrator: narrow a token (drop permissions, bring the expiry forward).
    A token is never widened, and never read: its raw value is not stored anywhere."""
    ctx.lock(token)
    if token.revoked_at is not None:
        raise ActionError(_("This token is revoked."), code="revoked")
    old = set(token.permissions)
    new = set(permissions or ())
    added = sorted(new - old)
    if added:
        raise ActionError(
            _("A token can only be narrowed; it does not carry: %(p)s"),
            code="widen",
            params={"p": ", ".join(added)},
        )
    if not new:
        raise ActionError(
            _("Keep at least one permission, or revoke the token."), code="no_permission"
        )
    now = timezone.now()
    expires = expires_at or token.expires_at
    if token.expires_at is not None and expires > token.expires_at:
        raise ActionError(_("The expiry can only be brought forward."), code="extend")
    if expires is not None and expires <= now:
        raise ActionError(
            _("Choose a time in the future, or revoke the token."), code="expiry_past"
        )
    if new == old and expires == token.expires_at:
        raise ActionError(_("Nothing to change."), code="unchanged")
    before = token.expires_at
    token.permissions = sorted(new)
    token.expires_at = expires
    token.save(update_fields=["permissions", "expires_at"])
    ctx.wrote(
        token,
        details={
            "token": token.pk,
            "user": token.user.username,
            "removed": sorted(old - new),
            "expires_at": {
                "from": before.isoformat() if before else None,
                "to": expires.isoformat() if expires else None,
            },
            "reason": reason,
        },
    )
    return token


@action("access.revoke_api_token", permission=None)
def revoke_api_token(ctx, *, token, reason: str = ""):
    """End a token now: its own user, or the security administrator
    (``access.change_apitoken``)."""
    if token.user_id != getattr(ctx.actor, "pk", None) and not ctx.has("access.change_apitoken"):
        raise PermissionDenied(_("You do not have permission to do this."))
    ctx.lock(token)
    if token.revoked_at is not None:
        raise ActionError(_("This token is already revoked."), code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    ctx.wrote(
        token,
        details={
            "token": token.pk,
            "user": token.user.username,
            "by_owner": token.user_id == ctx.actor.pk,
            "reason": reason,
        },
    )
    return token
