"""Property test (cheap, restrict() only): for random trees and grants, restrict() returns
exactly the orgs and employers a brute-force walk up the parent chain says the user may see."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.access.scoping import clear_cache, restrict
from gonghui.platform.testing.factories import UserFactory, grant, root_org

pytestmark = pytest.mark.django_db

# A tree as a list of parent indexes: node i+1 hangs under node parents[i] (0 is the root).
trees = st.integers(min_value=1, max_value=25).flatmap(
    lambda n: st.tuples(*[st.integers(min_value=0, max_value=i) for i in range(n)])
)


class Rollback(Exception):
    pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parents=trees, data=st.data())
def test_restrict_matches_brute_force(parents, data):
    try:
        with transaction.atomic():
            _check(parents, data)
            raise Rollback
    except Rollback:
        pass


def _check(parents, data):
    nodes = [root_org()]
    parent_of = {0: None}
    for i, p in enumerate(parents, start=1):
        nodes.append(
            Org.objects.add_child(nodes[p], {"kind": OrgKind.DISTRICT_FEDERATION, "name": f"n{i}"})
        )
        parent_of[i] = p
    employers = {i: EmployerFactory(org=node) for i, node in enumerate(nodes)}

    user = UserFactory()
    chosen = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, len(nodes) - 1),
                st.booleans(),
                st.sampled_from(["org_admin", "viewer", "membership_officer"]),
            ),
            max_size=4,
        )
    )
    for index, subtree, role in chosen:
        grant(user, nodes[index], role, include_descendants=subtree)
    clear_cache(user)

    def ancestors_or_self(i):
        while i is not None:
            yield i
            i = parent_of[i]

    def visible(i, roles):
        for index, subtree, role in chosen:
            if role not in roles:
                continue
            if index == i or (subtree and index in ancestors_or_self(i)):
                return True
        return False

    view_roles = {"org_admin", "viewer", "membership_officer"}
    change_roles = {"org_admin"}
    expect_view = {nodes[i].pk for i in range(len(nodes)) if visible(i, view_roles)}
    expect_change = {nodes[i].pk for i in range(len(nodes)) if visible(i, change_roles)}
    assert set(restrict(Org, user, "view").values_list("pk", flat=True)) == expect_view
    assert set(restrict(Org, user, "change").values_list("pk", flat=True)) == expect_change
    expect_employers = {employers[i].pk for i in range(len(nodes)) if visible(i, view_roles)}
    assert set(Employer.objects.restrict(user, "view").values_list("pk", flat=True)) == (
        expect_employers
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parents=trees, data=st.data())
def test_restrict_matches_brute_force_with_subquery_form(monkeypatch, parents, data):
    """Large scopes switch from a literal id list to a subquery; force that switch."""
    from gonghui.platform.access import scoping

    monkeypatch.setattr(scoping, "LITERAL_ORG_IDS", 1)
    try:
        with transaction.atomic():
            _check(parents, data)
            raise Rollback
    except Rollback:
        pass
