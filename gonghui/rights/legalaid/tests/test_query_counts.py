"""Query counts of the legal-aid pages do not grow with rows: the console queue and
application page, and every GET of the API, cost as many queries with 9 rows as with 3 (give
or take 2), for 渝北's rights officer and for the law firm's lawyer."""

import pytest

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.testing import AidApplicationFactory, AidStepFactory

pytestmark = pytest.mark.django_db

# The API paths these guards cover (platform/tests/test_query_counts.py).
API_PATHS = {
    "/api/v1/legal-aid/applications/",
    "/api/v1/legal-aid/applications/{aid_application_id}",
}


def _applications(tree, staff):
    return lambda k: [
        AidApplicationFactory(org=tree.yubei, state=AidState.ASSIGNED, lawyer_agency=staff.firm)
        for _ in range(k)
    ]


def _steps(app):
    return lambda k: [AidStepFactory(application=app, name="record_progress") for _ in range(k)]


@pytest.mark.parametrize("who", ["yubei", "lawyer"])
@pytest.mark.parametrize("kind", ["console_list", "api_list", "console_page", "api_detail"])
def test_page_costs_the_same_with_more_rows(kind, who, tree, staff, django_assert_max_num_queries):
    client = verified_client(getattr(staff, who))
    if kind == "console_list":
        url, grow = "/console/legalaid/aidapplication/", _applications(tree, staff)
    elif kind == "api_list":
        url, grow = "/api/v1/legal-aid/applications/", _applications(tree, staff)
    else:
        app = AidApplicationFactory(
            org=tree.yubei, state=AidState.HANDLING, lawyer_agency=staff.firm
        )
        path = (
            "console/legalaid/aidapplication/{}/change/"
            if kind == "console_page"
            else "api/v1/legal-aid/applications/{}"
        )
        url, grow = "/" + path.format(app.pk), _steps(app)
    assert_queries_flat(django_assert_max_num_queries, client, url, grow)
