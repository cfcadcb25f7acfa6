"""First install: the root org and the first system and security administrators.

Every later account, grant and org is made through the normal actions by these people. This
is the only code that writes a grant without an acting security administrator, and it writes
an audit event for each thing it creates. It is also the documented break-glass procedure
(docs/operations.md): run it on the server to re-create an administrator.
"""

from __future__ import annotations

from django.db import transaction

from gonghui.accounts.models import User, UserKind
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.audit.services import record_event


@transaction.atomic
def ensure_root(*, name: str, short_name: str = "", region_code: str = "", uscc: str = "") -> Org:
    root = Org.objects.get_root_nodes().first()
    if root is not None:
        return root
    root = Org.objects.add_root(
        {
            "kind": OrgKind.CITY_FEDERATION,
            "name": name,
            "short_name": short_name,
            "region_code": region_code,
            "uscc": uscc,
        }
    )
    record_event(
        actor=None,
        action="setup.create_root_org",
        obj=root,
        actor_label="setup",
        details={"name": name},
    )
    return root


@transaction.atomic
def ensure_officer(
    *,
    username: str,
    role: str,
    password: str | None,
    display_name: str = "",
) -> User:
    """Create (or reactivate) an officer account holding ``role`` at the root org."""
    if role not in ("system_admin", "security_admin"):
        raise ValueError("bootstrap only creates system and security administrators")
    root = Org.objects.get_root_nodes().first()
    if root is None:
        raise ValueError("create the root org first")
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"kind": UserKind.STAFF, "is_staff": True, "display_name": display_name},
    )
    if created or password:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.is_active = True
        user.save()
    has_grant = RoleGrant.objects.active().filter(user=user, role=role).exists()
    if not has_grant:
        if RoleGrant.objects.active().filter(user=user).exclude(role=role).exists():
            raise ValueError(f"{username} holds other roles; 三员 roles are exclusive")
        grant = RoleGrant.objects.create(user=user, org=root, role=role, include_descendants=True)
        record_event(
            actor=None,
            action="setup.grant_officer",
            obj=grant,
            org=root,
            actor_label="setup",
            details={"user": username, "role": role},
        )
    return user
