"""factory_boy factories for the platform layer: users, grants and nodes of the org tree.

The platform imports no app: the user model is ``AUTH_USER_MODEL`` and the org tree is
``GONGHUI_SCOPE_MODEL`` (its ``kind`` values are ``orgs.choices.OrgKind``'s). Factories of
app models live in the app (``gonghui/orgs/testing.py``: employers)."""

from __future__ import annotations

import itertools

import factory
from django.contrib.auth import get_user_model

from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.scoping import scope_model

_seq = itertools.count(1)
TEST_PASSWORD = "Test-pass-2026!"


# Kinds of the tree's top two levels (values of orgs.choices.OrgKind).
ROOT_KIND = "city_federation"
DEFAULT_KIND = "district_federation"


def root_org():
    Org = scope_model()
    root = Org.objects.get_root_nodes().first()
    if root is None:
        root = Org.objects.add_root(dict(kind=ROOT_KIND, name="重庆市总工会", region_code="500000"))
    return root


def make_org(parent=None, kind: str = DEFAULT_KIND, name: str | None = None, **fields):
    """Create an org directly (test set-up, not a user action)."""
    parent = parent or root_org()
    return scope_model().objects.add_child(
        parent, dict(kind=kind, name=name or f"测试组织{next(_seq)}", **fields)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    kind = "staff"  # accounts.models.UserKind
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class MemberFactory(UserFactory):
    kind = "member"
    is_staff = False
    phone = factory.Sequence(lambda n: f"139{n:08d}")


def grant(user, org, role="org_admin", include_descendants=True, **kw) -> RoleGrant:
    """Give a role directly (test set-up, not a user action)."""
    return RoleGrant.objects.create(
        user=user, org=org, role=role, include_descendants=include_descendants, **kw
    )


def staff_with_role(org, role="org_admin", include_descendants=True, **user_kw):
    user = UserFactory(**user_kw)
    grant(user, org, role, include_descendants)
    return user
