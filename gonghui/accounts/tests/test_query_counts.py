"""Query counts of the account pages do not grow with rows (issue #12 §4): users, lockouts,
role grants and API tokens in the console (each read by the 三员 officer whose page it is),
one's own tokens, and GET /api/v1/me, cost as many queries with 9 rows as with 3 (give or
take 2)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import (
    APITokenFactory,
    RoleGrantFactory,
    UserFactory,
    staff_with_role,
)

pytestmark = pytest.mark.django_db

# A change form about one row: more rows of its kind are not on it, but must not cost more.
FORM = {"grows": False}


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.GONGHUI_2FA_DEMO_SKIP = False
    settings.GONGHUI_REQUIRE_2FA = True


def _many(make):
    return lambda k: [make() for _ in range(k)]


def _staff(t):
    return staff_with_role(t.yubei, "membership_officer")


def _grants_of(t, user):
    return _many(lambda: RoleGrantFactory(user=user, org=make_grassroots(t.township)))


def _lockout():
    from axes.models import AccessAttempt

    user = UserFactory()
    return AccessAttempt.objects.create(
        username=user.username,
        ip_address="10.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/console/login/",
        get_data="",
        post_data="",
        failures_since_start=10,
        attempt_time=timezone.now(),
    )


# Each page: tree -> (role of the reader, url, grow(k)[, options]).


def user_list(t):
    return "system_admin", "/console/accounts/user/", _many(lambda: _staff(t))


def user_change(t):
    user = _staff(t)
    return "system_admin", f"/console/accounts/user/{user.pk}/change/", _grants_of(t, user), FORM


def user_lockouts(t):
    return "security_admin", "/console/accounts/user/lockouts/", _many(_lockout)


def user_reset_second_factor(t):
    user = _staff(t)
    url = f"/console/accounts/user/{user.pk}/reset-second-factor/"
    return "security_admin", url, _grants_of(t, user), FORM


def rolegrant_list(t):
    return (
        "security_admin",
        "/console/access/rolegrant/",
        _many(lambda: RoleGrantFactory(org=make_grassroots(t.township))),
    )


def rolegrant_change(t):
    grant = RoleGrantFactory(org=t.grassroots)
    return (
        "security_admin",
        f"/console/access/rolegrant/{grant.pk}/change/",
        _grants_of(t, grant.user),
        FORM,
    )


def apitoken_list(t):
    return (
        "security_admin",
        "/console/access/apitoken/",
        _many(lambda: APITokenFactory(user=_staff(t))),
    )


def apitoken_change(t):
    token = APITokenFactory(user=_staff(t))
    return (
        "security_admin",
        f"/console/access/apitoken/{token.pk}/change/",
        _many(lambda: APITokenFactory(user=token.user)),
        FORM,
    )


PAGES = [
    user_list,
    user_change,
    user_lockouts,
    user_reset_second_factor,
    rolegrant_list,
    rolegrant_change,
    apitoken_list,
    apitoken_change,
]
# The API paths these guards cover (platform/tests/test_query_counts.py checks that every GET
# of the OpenAPI document is covered somewhere).
API_PATHS = {"/api/v1/me"}
XFAIL: dict = {}


@pytest.mark.parametrize(
    "page",
    [pytest.param(p, id=p.__name__, marks=XFAIL.get(p.__name__, ())) for p in PAGES],
)
def test_officer_page_costs_the_same_with_more_rows(page, tree, django_assert_max_num_queries):
    role, url, grow, *options = page(tree)
    officer = staff_with_role(tree.city, role)
    client = verified_client(officer)
    assert_queries_flat(django_assert_max_num_queries, client, url, grow, **(options or [{}])[0])


def test_my_tokens_page_costs_the_same_with_more_tokens(tree, django_assert_max_num_queries):
    user = _staff(tree)
    client = verified_client(user)
    grow = _many(lambda: APITokenFactory(user=user))
    assert_queries_flat(django_assert_max_num_queries, client, "/console/account/tokens/", grow)


def test_me_costs_the_same_with_more_grants(tree, django_assert_max_num_queries):
    user = _staff(tree)
    client = verified_client(user)
    assert_queries_flat(django_assert_max_num_queries, client, "/api/v1/me", _grants_of(tree, user))
