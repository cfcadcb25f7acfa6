"""factory_boy factories for the platform layer and the org tree."""

from __future__ import annotations

import itertools

import factory

from gonghui.accounts.models import User, UserKind
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.validators import make_uscc_for

_seq = itertools.count(1)
TEST_PASSWORD = "Test-pass-2026!"


def root_org() -> Org:
    root = Org.objects.get_root_nodes().first()
    if root is None:
        root = Org.objects.add_root(
            dict(kind=OrgKind.CITY_FEDERATION, name="重庆市总工会", region_code="500000")
        )
    return root


def make_org(
    parent: Org | None = None,
    kind: str = OrgKind.DISTRICT_FEDERATION,
    name: str | None = None,
    **fields,
) -> Org:
    """Create an org directly (test set-up, not a user action)."""
    parent = parent or root_org()
    return Org.objects.add_child(
        parent, dict(kind=kind, name=name or f"测试组织{next(_seq)}", **fields)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    kind = UserKind.STAFF
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class MemberFactory(UserFactory):
    kind = UserKind.MEMBER
    is_staff = False
    phone = factory.Sequence(lambda n: f"139{n:08d}")


def grant(user, org, role="org_admin", include_descendants=True, **kw) -> RoleGrant:
    """Give a role directly (test set-up, not a user action)."""
    return RoleGrant.objects.create(
        user=user, org=org, role=role, include_descendants=include_descendants, **kw
    )


def staff_with_role(org, role="org_admin", include_descendants=True, **user_kw) -> User:
    user = UserFactory(**user_kw)
    grant(user, org, role, include_descendants)
    return user


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc_for(10_000 + n))
    industry_section = "C"
    ownership = "private"
    headcount = 100
    region_code = "500112"
    org = factory.LazyFunction(lambda: make_org(kind=OrgKind.GRASSROOTS))
