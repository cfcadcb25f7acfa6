"""Subtree scoping of the org tree through every face (queryset, console, export, API)."""

import pytest
from django.urls import reverse

from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.testing.factories import UserFactory, grant, make_org
from gonghui.platform.testing.scope import ScopeCase, check_scope

pytestmark = pytest.mark.django_db


def org_case(tree, obj, insider, outsider):
    return ScopeCase(
        obj=obj,
        insider=insider,
        outsider=outsider,
        label=obj.name,
        console_list="console:orgs_org_changelist",
        console_detail="console:orgs_org_change",
        console_export="console:orgs_org_export",
        api_list="/api/v1/orgs/",
        api_detail=f"/api/v1/orgs/{obj.pk}",
    )


def test_district_admin_sees_own_subtree_not_the_neighbours(client, tree):
    check_scope(client, org_case(tree, tree.grassroots, tree.yubei_admin, tree.jiangbei_admin))
    check_scope(client, org_case(tree, tree.jb_grassroots, tree.jiangbei_admin, tree.yubei_admin))


def test_city_admin_sees_everything_district_admin_does_not_see_city(client, tree):
    check_scope(client, org_case(tree, tree.industry, tree.city_admin, tree.yubei_admin))
    check_scope(client, org_case(tree, tree.city, tree.city_admin, tree.yubei_admin))


def test_exact_visible_set_for_district_admin(tree):
    visible = set(restrict(Org, tree.yubei_admin).values_list("name", flat=True))
    assert visible == {"渝北区总工会", "回兴街道总工会", "渝北测试公司工会"}


def test_grant_without_descendants_covers_only_that_org(tree):
    user = UserFactory()
    grant(user, tree.yubei, "viewer", include_descendants=False)
    assert list(restrict(Org, user)) == [tree.yubei]


def test_user_without_grant_sees_nothing_and_console_denies(client, tree):
    user = UserFactory()
    assert not restrict(Org, user).exists()
    client.force_login(user)
    response = client.get(reverse("console:orgs_org_changelist"))
    # without any active grant the console treats them as not logged in to it
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 404
    assert client.get("/api/v1/orgs/").json()["count"] == 0


def test_superuser_flag_grants_nothing(client, tree):
    user = UserFactory(is_superuser=True)
    assert not restrict(Org, user).exists()
    assert not user.has_perm("orgs.view_org")
    client.force_login(user)
    assert client.get(f"/api/v1/orgs/{tree.city.pk}").status_code == 404


def test_expired_and_future_grants_do_not_count(tree):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    user = UserFactory()
    grant(user, tree.yubei, valid_from=now - timedelta(days=10), valid_to=now - timedelta(days=1))
    grant(user, tree.jiangbei, valid_from=now + timedelta(days=1))
    assert not restrict(Org, user).exists()


def test_dissolved_org_grant_stops_working(tree):
    tree.yubei.status = "dissolved"
    tree.yubei.save()
    assert not restrict(Org, tree.yubei_admin).exists()


def test_two_grants_union_of_subtrees(tree):
    user = UserFactory()
    grant(user, tree.township, "viewer")
    grant(user, tree.jb_grassroots, "viewer")
    names = set(restrict(Org, user).values_list("name", flat=True))
    assert names == {"回兴街道总工会", "渝北测试公司工会", "江北测试公司工会"}


def test_action_filter_uses_only_grants_carrying_the_permission(tree):
    user = UserFactory()
    grant(user, tree.yubei, "viewer")  # view only
    grant(user, tree.township, "org_admin")  # change here
    assert restrict(Org, user, "view").count() == 3
    assert set(restrict(Org, user, "change").values_list("name", flat=True)) == {
        "回兴街道总工会",
        "渝北测试公司工会",
    }


def test_sibling_path_prefix_does_not_leak(tree):
    """A grant on org path P must not match an org whose path merely starts with the same
    characters at a different depth (treebeard steps are fixed width, so it cannot)."""
    others = [make_org(tree.city, name=f"区{i}") for i in range(3)]
    for org in others:
        assert not restrict(Org, tree.yubei_admin).filter(pk=org.pk).exists()
