"""Query counts of the platform's own console pages do not grow with rows (issue #12 §4):
the audit log, the holiday calendar, the deadline page and the console's start page cost as
many queries with 9 rows as with 3 (give or take 2). And every GET of the API's OpenAPI
document has a guard in some app's ``test_query_counts.py`` (each lists the paths it covers
in ``API_PATHS``)."""

from __future__ import annotations

import pytest

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.assistance.testing import ApplicationFactory
from gonghui.members.testing import JoinRequestFactory, MembershipFactory, TransferFactory
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import (
    AuditEventFactory,
    CalendarYearFactory,
    DeadlineEventFactory,
    HolidayDateFactory,
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


# Each page: tree -> (role of the reader, url, grow(k)[, options]).


def audit_list(t):
    return (
        "audit_admin",
        "/console/audit/auditevent/",
        _many(lambda: AuditEventFactory(actor=t.yubei_admin, org=t.yubei)),
    )


def audit_change(t):
    event = AuditEventFactory(actor=t.yubei_admin, org=t.yubei)
    return (
        "audit_admin",
        f"/console/audit/auditevent/{event.pk}/change/",
        _many(lambda: AuditEventFactory(actor=t.yubei_admin, org=t.yubei)),
        FORM,
    )


def calendar_list(t):
    def grow(k):
        for _ in range(k):
            HolidayDateFactory(calendar_year=CalendarYearFactory())

    return "system_admin", "/console/calendar/calendaryear/", grow


def calendar_change(t):
    year = CalendarYearFactory()
    return (
        "system_admin",
        f"/console/calendar/calendaryear/{year.pk}/change/",
        _many(lambda: HolidayDateFactory(calendar_year=year)),
    )


def holiday_list(t):
    year = CalendarYearFactory()
    return (
        "system_admin",
        "/console/calendar/holidaydate/",
        _many(lambda: HolidayDateFactory(calendar_year=year)),
    )


def holiday_change(t):
    year = CalendarYearFactory()
    day = HolidayDateFactory(calendar_year=year)
    return (
        "system_admin",
        f"/console/calendar/holidaydate/{day.pk}/change/",
        _many(lambda: HolidayDateFactory(calendar_year=year)),
        FORM,
    )


def deadline_list(t):
    """The deadline page (期限与督办): what the nightly run found overdue in the district."""
    return (
        "org_admin",
        "/console/calendar/deadlineevent/",
        _many(
            lambda: DeadlineEventFactory(org=make_grassroots(t.township), escalated_to=t.township)
        ),
    )


def deadline_change(t):
    event = DeadlineEventFactory(org=t.grassroots)
    return (
        "org_admin",
        f"/console/calendar/deadlineevent/{event.pk}/change/",
        _many(lambda: DeadlineEventFactory(org=make_grassroots(t.township))),
        FORM,
    )


def start_page(t):
    """The union administrator's start page: its to-do items count pending work."""

    def grow(k):
        for _ in range(k):
            JoinRequestFactory(org=t.grassroots)
            TransferFactory(
                membership=MembershipFactory(org=t.jb_grassroots, state="transferring"),
                to_org=make_grassroots(t.township),
            )

    return "org_admin", "/console/", grow, FORM


def assistance_start_page(t):
    def grow(k):
        for state in ("submitted", "verification", "approval"):
            for _ in range(k):
                ApplicationFactory(org=make_grassroots(t.township), state=state)

    # An assistance officer lands on the queues; ``?home=1`` is their start page.
    return "assistance_officer", "/console/?home=1", grow, FORM


def assistance_queues(t):
    """The queues an assistance officer lands on: waiting days and due days per row."""

    def grow(k):
        for state in ("submitted", "home_visit", "publicity"):
            for _ in range(k):
                ApplicationFactory(org=make_grassroots(t.township), state=state)

    return "assistance_officer", "/console/assistance/queues/", grow, FORM


PAGES = [
    audit_list,
    audit_change,
    calendar_list,
    calendar_change,
    holiday_list,
    holiday_change,
    deadline_list,
    deadline_change,
    start_page,
    assistance_start_page,
    assistance_queues,
]
XFAIL: dict = {}


@pytest.mark.parametrize(
    "page",
    [pytest.param(p, id=p.__name__, marks=XFAIL.get(p.__name__, ())) for p in PAGES],
)
def test_page_costs_the_same_with_more_rows(page, tree, django_assert_max_num_queries):
    role, url, grow, *options = page(tree)
    org = tree.yubei if role in ("org_admin", "assistance_officer") else tree.city
    reader = staff_with_role(org, role)
    client = verified_client(reader)
    assert_queries_flat(django_assert_max_num_queries, client, url, grow, **(options or [{}])[0])


def test_every_api_get_has_a_query_count_guard():
    from config.api import api
    from gonghui.accounts.tests.test_query_counts import API_PATHS as accounts
    from gonghui.assistance.tests.test_query_counts import API_PATHS as assistance
    from gonghui.members.tests.test_query_counts import API_PATHS as members
    from gonghui.orgs.tests.test_query_counts import API_PATHS as orgs
    from gonghui.rights.consult.tests.test_query_counts import API_PATHS as consult
    from gonghui.rights.legalaid.tests.test_query_counts import API_PATHS as legalaid
    from gonghui.rights.mediation.tests.test_query_counts import API_PATHS as mediation
    from gonghui.rights.tests.test_query_counts import API_PATHS as rights

    covered = accounts | assistance | members | orgs | rights | mediation | legalaid | consult
    gets = {path for path, ops in api.get_openapi_schema()["paths"].items() if "get" in ops}
    assert gets, "no GET operations found in the OpenAPI document"
    missing = sorted(gets - covered)
    assert not missing, "GET endpoints without a query-count guard:\n" + "\n".join(missing)
    assert not covered - gets, f"guards name paths the API no longer has: {covered - gets}"
