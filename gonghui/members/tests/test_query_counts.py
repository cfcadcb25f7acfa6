"""Query counts of the member pages do not grow with rows (issue #12 §4): the console's lists
and change pages of memberships, people, join requests, transfers, join channels, roster
imports and export requests, the member export, and every GET of the members API, cost as
many queries with 9 rows as with 3 (give or take 2)."""

from __future__ import annotations

from datetime import date

import pytest

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.members.choices import MembershipState, TransferState
from gonghui.members.testing import (
    JoinChannelFactory,
    JoinRequestFactory,
    MembershipFactory,
    TransferFactory,
    make_member,
)
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import (
    ConsentFactory,
    ExportRequestFactory,
    ImportJobFactory,
    PrivacyNoticeFactory,
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


def _history(membership, parent):
    """k ended memberships of the same person in other unions under ``parent``."""

    def grow(k):
        for _ in range(k):
            MembershipFactory(
                person=membership.person,
                org=make_grassroots(parent),
                state=MembershipState.WITHDRAWN,
                joined_on=date(2015, 1, 1),
                ended_on=date(2016, 1, 1),
            )

    return grow


def _transfer(t, **kw):
    return TransferFactory(
        membership=MembershipFactory(org=t.grassroots, state=MembershipState.TRANSFERRING),
        to_org=make_grassroots(t.township),
        **kw,
    )


# Each page: tree -> (url, grow(k) adding k rows the page shows[, options]). The user is the
# district's union administrator (org_admin at 渝北), whose subtree holds every row.


def membership_list(t):
    return "/console/members/membership/", _many(lambda: make_member(t.grassroots))


def membership_change(t):
    membership = make_member(t.grassroots)
    return f"/console/members/membership/{membership.pk}/change/", _history(membership, t.township)


def person_list(t):
    return "/console/members/person/", _many(lambda: make_member(t.grassroots))


def person_change(t):
    membership = make_member(t.grassroots)
    return f"/console/members/person/{membership.person.pk}/change/", _history(
        membership, t.township
    )


def joinrequest_list(t):
    return "/console/members/joinrequest/", _many(lambda: JoinRequestFactory(org=t.grassroots))


def joinrequest_change(t):
    request = JoinRequestFactory(org=t.grassroots)
    # competing claims: the same ID number from other phones
    return (
        f"/console/members/joinrequest/{request.pk}/change/",
        _many(lambda: JoinRequestFactory(org=t.grassroots, id_number=request.id_number)),
        FORM,
    )


def transfer_list(t):
    return "/console/members/transfer/", _many(lambda: _transfer(t))


def transfer_change(t):
    transfer = _transfer(t)
    return (
        f"/console/members/transfer/{transfer.pk}/change/",
        _many(
            lambda: TransferFactory(
                membership=transfer.membership,
                to_org=make_grassroots(t.township),
                state=TransferState.REJECTED,
            )
        ),
        FORM,
    )


def joinchannel_list(t):
    return "/console/members/joinchannel/", _many(lambda: JoinChannelFactory(org=t.grassroots))


def joinchannel_change(t):
    channel = JoinChannelFactory(org=t.grassroots)
    return (
        f"/console/members/joinchannel/{channel.pk}/change/",
        _many(lambda: JoinRequestFactory(org=t.grassroots, channel=channel)),
        FORM,
    )


def joinchannel_poster(t):
    channel = JoinChannelFactory(org=t.grassroots)
    return (
        f"/console/members/joinchannel/{channel.pk}/poster/",
        _many(lambda: JoinChannelFactory(org=t.grassroots)),
        FORM,
    )


def importjob_list(t):
    return "/console/imports/importjob/", _many(
        lambda: ImportJobFactory(org=t.yubei, created_by=t.yubei_admin)
    )


def importjob_change(t):
    job = ImportJobFactory(org=t.yubei, created_by=t.yubei_admin)
    return (
        f"/console/imports/importjob/{job.pk}/change/",
        _many(lambda: ImportJobFactory(org=t.yubei, created_by=t.yubei_admin)),
        FORM,
    )


def importjob_progress(t):
    job = ImportJobFactory(org=t.yubei, created_by=t.yubei_admin)
    return (
        f"/console/imports/importjob/{job.pk}/progress/",
        _many(lambda: ImportJobFactory(org=t.yubei, created_by=t.yubei_admin)),
        FORM,
    )


def _requester(t):
    return staff_with_role(t.yubei, "membership_officer")


def exportrequest_list(t):
    requester = _requester(t)
    return "/console/imports/exportrequest/", _many(
        lambda: ExportRequestFactory(org=t.yubei, requested_by=requester)
    )


def exportrequest_change(t):
    requester = _requester(t)
    request = ExportRequestFactory(org=t.yubei, requested_by=requester)
    return (
        f"/console/imports/exportrequest/{request.pk}/change/",
        _many(lambda: ExportRequestFactory(org=t.yubei, requested_by=requester)),
        FORM,
    )


def member_export(t):
    return "/console/imports/exportrequest/export.xlsx", _many(lambda: make_member(t.grassroots))


# --- the API -------------------------------------------------------------------------------


def api_members(t):
    return "/api/v1/members/?limit=50", _many(lambda: make_member(t.grassroots))


def api_member(t):
    membership = make_member(t.grassroots)
    return f"/api/v1/members/{membership.pk}", _history(membership, t.township)


def api_join_requests(t):
    return "/api/v1/join-requests/?limit=50", _many(lambda: JoinRequestFactory(org=t.grassroots))


def api_join_request(t):
    request = JoinRequestFactory(org=t.grassroots)
    return (
        f"/api/v1/join-requests/{request.pk}",
        _many(lambda: JoinRequestFactory(org=t.grassroots, id_number=request.id_number)),
        FORM,
    )


def api_join_channels(t):
    return "/api/v1/join-channels/?limit=50", _many(lambda: JoinChannelFactory(org=t.grassroots))


def api_transfers(t):
    return "/api/v1/transfers/?limit=50", _many(lambda: _transfer(t))


def api_transfer(t):
    transfer = _transfer(t)
    return f"/api/v1/transfers/{transfer.pk}", _many(lambda: _transfer(t)), FORM


def api_join_notice(t):
    """The public join API's notice: one version read, however many were published and
    accepted before it."""

    def grow(k):
        for _ in range(k):
            ConsentFactory(notice=PrivacyNoticeFactory(purpose="join"), channel="api")

    return "/api/v1/public/join/notice", grow, {"grows": False}  # one version is shown


CONSOLE = [
    membership_list,
    membership_change,
    person_list,
    person_change,
    joinrequest_list,
    joinrequest_change,
    transfer_list,
    transfer_change,
    joinchannel_list,
    joinchannel_change,
    joinchannel_poster,
    importjob_list,
    importjob_change,
    importjob_progress,
    exportrequest_list,
    exportrequest_change,
    member_export,
]
API = [
    api_members,
    api_member,
    api_join_requests,
    api_join_request,
    api_join_channels,
    api_transfers,
    api_transfer,
    api_join_notice,
]
# The API paths these guards cover (platform/tests/test_query_counts.py checks that every GET
# of the OpenAPI document is covered somewhere).
API_PATHS = {
    "/api/v1/members/",
    "/api/v1/members/{membership_id}",
    "/api/v1/join-requests/",
    "/api/v1/join-requests/{request_id}",
    "/api/v1/join-channels/",
    "/api/v1/transfers/",
    "/api/v1/transfers/{transfer_id}",
    "/api/v1/public/join/notice",
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
