"""Query counts of the org pages do not grow with rows (issue #12 §4): every console list and
detail page of orgs, employers and union building, and every GET of /api/v1/orgs/ and
/api/v1/employers/, cost as many queries with 9 rows as with 3 (give or take 2)."""

from __future__ import annotations

import pytest

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.members.testing import make_member
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.testing import (
    DutyItemFactory,
    DutyLetterFactory,
    DutyListFactory,
    EmployerFactory,
    FoundingApplicationFactory,
    OfficialFactory,
    TeamMemberFactory,
    TermFactory,
    make_grassroots,
)
from gonghui.platform.testing.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.GONGHUI_2FA_DEMO_SKIP = False
    settings.GONGHUI_REQUIRE_2FA = True


# A change form about one row: more rows of its kind are not on it, but must not cost more.
FORM = {"grows": False}


def _many(make):
    return lambda k: [make() for _ in range(k)]


# Each page: tree -> (url, grow(k) adding k rows the page shows[, options]). The user is the
# district's union administrator (org_admin at 渝北), whose subtree holds every row.


def org_list(t):
    return "/console/orgs/org/", _many(lambda: make_grassroots(t.township))


def org_change(t):
    # the parent select lists the orgs in scope; the page also counts the org's members
    def grow(k):
        for _ in range(k):
            make_grassroots(t.township)
            make_member(t.grassroots)

    return f"/console/orgs/org/{t.grassroots.pk}/change/", grow


def org_tree(t):
    return "/console/orgs/org/tree/", _many(lambda: make_org(t.yubei, OrgKind.TOWNSHIP_FEDERATION))


def org_tree_children(t):
    def grow(k):
        for _ in range(k):
            union = make_grassroots(t.township)
            make_member(union)

    return f"/console/orgs/org/tree/{t.township.pk}/children/", grow


def org_tree_search(t):
    return "/console/orgs/org/tree/?q=测试", _many(lambda: make_grassroots(t.township))


def org_export(t):
    return "/console/orgs/org/export.csv", _many(lambda: make_grassroots(t.township))


def employer_list(t):
    return "/console/orgs/employer/", _many(lambda: EmployerFactory(org=t.grassroots))


def employer_change(t):
    employer = EmployerFactory(org=t.grassroots)

    def grow(k):
        for _ in range(k):
            make_grassroots(t.township)
            EmployerFactory(org=t.grassroots)

    return f"/console/orgs/employer/{employer.pk}/change/", grow


def founding_list(t):
    return "/console/orgs/foundingapplication/", _many(
        lambda: FoundingApplicationFactory(parent=t.yubei)
    )


def founding_change(t):
    application = FoundingApplicationFactory(parent=t.yubei)
    return (
        f"/console/orgs/foundingapplication/{application.pk}/change/",
        _many(lambda: FoundingApplicationFactory(parent=t.yubei)),
        FORM,
    )


def term_list(t):
    return "/console/orgs/term/", _many(lambda: TermFactory(org=make_grassroots(t.township)))


def term_change(t):
    term = TermFactory(org=t.grassroots)
    return f"/console/orgs/term/{term.pk}/change/", _many(lambda: OfficialFactory(term=term)), FORM


def official_list(t):
    term = TermFactory(org=t.grassroots)
    return "/console/orgs/official/", _many(lambda: OfficialFactory(term=term))


def official_change(t):
    term = TermFactory(org=t.grassroots)
    official = OfficialFactory(term=term)
    return (
        f"/console/orgs/official/{official.pk}/change/",
        _many(lambda: OfficialFactory(term=term)),
        FORM,
    )


def team_list(t):
    return "/console/orgs/teammember/", _many(lambda: TeamMemberFactory(org=t.grassroots))


def team_change(t):
    member = TeamMemberFactory(org=t.grassroots)
    return (
        f"/console/orgs/teammember/{member.pk}/change/",
        _many(lambda: TeamMemberFactory(org=t.grassroots)),
        FORM,
    )


def dutylist_list(t):
    def grow(k):
        for _ in range(k):
            duty_list = DutyListFactory(org=make_org(t.yubei, OrgKind.TOWNSHIP_FEDERATION))
            DutyLetterFactory(list=duty_list)

    return "/console/orgs/dutylist/", grow


def dutylist_change(t):
    duty_list = DutyListFactory(org=t.yubei)

    def grow(k):
        for _ in range(k):
            DutyItemFactory(list=duty_list)
            DutyLetterFactory(list=duty_list, org=make_grassroots(t.township))

    return f"/console/orgs/dutylist/{duty_list.pk}/change/", grow


def dutyletter_list(t):
    duty_list = DutyListFactory(org=t.yubei)
    return "/console/orgs/dutyletter/", _many(
        lambda: DutyLetterFactory(list=duty_list, org=make_grassroots(t.township))
    )


def dutyletter_change(t):
    duty_list = DutyListFactory(org=t.yubei)
    letter = DutyLetterFactory(list=duty_list, org=t.grassroots)
    return (
        f"/console/orgs/dutyletter/{letter.pk}/change/",
        _many(lambda: DutyLetterFactory(list=duty_list, org=make_grassroots(t.township))),
        FORM,
    )


def dutyletter_not_signed(t):
    DutyListFactory(org=t.yubei)
    return "/console/orgs/dutyletter/not-signed/", _many(lambda: make_grassroots(t.township))


# --- the API -------------------------------------------------------------------------------


def api_orgs(t):
    return "/api/v1/orgs/?limit=50", _many(lambda: make_grassroots(t.township))


def api_org_tree(t):
    def grow(k):
        for _ in range(k):
            make_member(make_grassroots(t.township))

    return f"/api/v1/orgs/tree?parent={t.township.pk}", grow


def api_org(t):
    def grow(k):
        for _ in range(k):
            make_member(t.grassroots)
            make_grassroots(t.township)

    return f"/api/v1/orgs/{t.grassroots.pk}", grow, {"grows": False}


def api_employers(t):
    return "/api/v1/employers/?limit=50", _many(lambda: EmployerFactory(org=t.grassroots))


def api_employer(t):
    employer = EmployerFactory(org=t.grassroots)
    return (
        f"/api/v1/employers/{employer.pk}",
        _many(lambda: EmployerFactory(org=t.grassroots)),
        {"grows": False},
    )


CONSOLE = [
    org_list,
    org_change,
    org_tree,
    org_tree_children,
    org_tree_search,
    org_export,
    employer_list,
    employer_change,
    founding_list,
    founding_change,
    term_list,
    term_change,
    official_list,
    official_change,
    team_list,
    team_change,
    dutylist_list,
    dutylist_change,
    dutyletter_list,
    dutyletter_change,
    dutyletter_not_signed,
]
API = [api_orgs, api_org_tree, api_org, api_employers, api_employer]
# The API paths these guards cover (platform/tests/test_query_counts.py checks that every GET
# of the OpenAPI document is covered somewhere).
API_PATHS = {
    "/api/v1/orgs/",
    "/api/v1/orgs/tree",
    "/api/v1/orgs/{org_id}",
    "/api/v1/employers/",
    "/api/v1/employers/{employer_id}",
}
XFAIL: dict = {}


def _params(pages):
    return [
        pytest.param(page, id=page.__name__, marks=XFAIL.get(page.__name__, ())) for page in pages
    ]


@pytest.mark.parametrize("page", _params(CONSOLE + API))
def test_page_costs_the_same_with_more_rows(page, tree, django_assert_max_num_queries):
    url, grow, *options = page(tree)
    client = verified_client(tree.yubei_admin)
    assert_queries_flat(django_assert_max_num_queries, client, url, grow, **(options or [{}])[0])
