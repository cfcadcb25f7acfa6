"""Granting and revoking roles. Only the security administrator does this (三员分立)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.roles import OFFICER_ROLES, ROLES
from gonghui.platform.access.scoping import clear_cache
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


@action("access.create_api_token", permission="access.add_apitoken")
def create_api_token(ctx, *, user, name: str, permissions: list[str], expires_at=None):
    """Create a bearer token for ``user`` limited to ``permissions``; returns (token, raw).

    The raw token is returned once and never stored (only its SHA-256)."""
    import secrets

    from gonghui.platform.access.models import APIToken, hash_token
    from gonghui.platform.access.roles import ROLES

    if user.kind == "member":
        raise ActionError(_("Member accounts cannot have API tokens."), code="member_token")
    known = set().union(*(r.permissions for r in ROLES.values()))
    unknown = sorted(set(permissions) - known)
    if unknown:
        raise ActionError(
            _("Unknown permissions: %(p)s"),
            code="unknown_permission",
            params={"p": ", ".join(unknown)},
        )
    if not (name or "").strip():
        raise ActionError(_("The name is required."), code="required")
    raw = "gh_" + secrets.token_urlsafe(32)
    token = APIToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=raw[:10],
        key_hash=hash_token(raw),
        permissions=sorted(permissions),
        expires_at=expires_at,
    )
    ctx.wrote(token, details={"user": user.username, "permissions": sorted(permissions)})
    return token, raw


@action("access.revoke_api_token", permission="access.change_apitoken")
def revoke_api_token(ctx, *, token):
    ctx.lock(token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    ctx.wrote(token, details={"user": token.user.username})
    return token
