"""The demo's staff accounts: the one public demo password, the account line ``load_demo``
prints, and idempotent helpers that create a user and a grant through the real actions. Kept
apart from ``seed`` so the seeders of each scenario use them without importing the seed that
calls them."""

from __future__ import annotations

from dataclasses import dataclass

from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.platform.access.actions import grant_role
from gonghui.platform.access.models import RoleGrant

DEMO_PASSWORD = "Gonghui@2026"  # noqa: S105 - public demo-only password, printed by load_demo
# The demo worker's phone (load_demo prints it); other demo workers have accounts too.
DEMO_MEMBER_PHONE = "13800138000"


@dataclass
class DemoAccount:
    username: str
    display_name: str
    role: str
    org_name: str
    note: str = ""


def _ensure_user(sysadmin, username, display_name, kind="staff") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(
            actor=sysadmin,
            username=username,
            display_name=display_name,
            password=DEMO_PASSWORD,
            kind=kind,
        )
    return user


def _ensure_grant(secadmin, user, org, role, include_descendants=True):
    if not RoleGrant.objects.active().filter(user=user, org=org, role=role).exists():
        grant_role(
            actor=secadmin, user=user, org=org, role=role, include_descendants=include_descendants
        )
