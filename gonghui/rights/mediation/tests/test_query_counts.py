"""The queue and the API list cost the same number of queries for 3 cases as for 30: no
query per row (the due badge is computed from the stored due day and the calendar)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.rights.mediation.choices import CaseState, Clock
from gonghui.rights.mediation.testing import ApplicantFactory, MediationCaseFactory

pytestmark = pytest.mark.django_db


def cases(org, n):
    for i in range(n):
        case = MediationCaseFactory(
            org=org,
            state=CaseState.MEDIATING,
            clock=Clock.STATUTORY,
            clock_start=date(2026, 11, 1 + i % 20),
            due_on=date(2026, 11, 16 + i % 10),
        )
        ApplicantFactory(case=case)


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", ["/console/mediation/mediationcase/", "/api/v1/mediation/cases/?limit=50"]
)
def test_no_query_per_row(client, tree, staff, url):
    client.force_login(staff.yubei)
    cases(tree.yubei, 3)
    few = count(client, url)
    cases(tree.township, 27)
    assert count(client, url) == few


# The API paths these guards cover (platform/tests/test_query_counts.py).
API_PATHS = {
    "/api/v1/mediation/cases/",
    "/api/v1/mediation/cases/{case_id}",
    "/api/v1/mediation/cases/{case_id}/documents/{kind}",
}


@pytest.mark.parametrize(
    "path", ["/api/v1/mediation/cases/{pk}", "/api/v1/mediation/cases/{pk}/documents/application"]
)
def test_a_case_with_many_applicants_and_claims_costs_the_same(
    tree, staff, path, django_assert_max_num_queries
):
    from gonghui.accounts.testing import assert_queries_flat, verified_client
    from gonghui.rights.mediation.testing import ClaimFactory, SessionFactory

    case = MediationCaseFactory(org=tree.yubei, state=CaseState.MEDIATING)

    def grow(k):
        for _ in range(k):
            ApplicantFactory(case=case)
            ClaimFactory(case=case)
            SessionFactory(case=case)

    client = verified_client(staff.yubei)
    assert_queries_flat(
        django_assert_max_num_queries, client, path.format(pk=case.pk), grow, grows=False
    )
