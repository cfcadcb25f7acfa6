"""Query counts of the worker's portal pages (/m/) do not grow with rows (issue #12 §4): her
home, card, transfer form, hardship-help pages and the answer to a claim on her record, and
the public join page, cost as many queries with 9 rows as with 3 (give or take 2)."""

from __future__ import annotations

from datetime import date

import pytest

from gonghui.accounts.testing import assert_queries_flat
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.testing import (
    AidItemFactory,
    ApplicationFactory,
    AttachmentFactory,
    HardshipFileFactory,
    HouseholdMemberFactory,
    StepFactory,
)
from gonghui.members.testing import (
    JoinChannelFactory,
    JoinRequestFactory,
    MembershipFactory,
    PersonFactory,
    TransferFactory,
)
from gonghui.members.tokens import join_token
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import MemberFactory

pytestmark = pytest.mark.django_db

# A page about one thing: more rows are not on it, but must not cost more.
FORM = {"grows": False}


@pytest.fixture
def worker(tree, client):
    """A current member of the grassroots union with a portal account, logged in."""
    user = MemberFactory()
    person = PersonFactory(org=tree.grassroots, user=user)
    MembershipFactory(org=tree.grassroots, person=person)
    client.force_login(user)
    return person


def _many(make):
    return lambda k: [make() for _ in range(k)]


def _history(t, person):
    return _many(
        lambda: MembershipFactory(
            person=person,
            org=make_grassroots(t.township),
            state="withdrawn",
            joined_on=date(2015, 1, 1),
            ended_on=date(2016, 1, 1),
        )
    )


def _own_application(person, **kw):
    file = person.hardship_files.first() or HardshipFileFactory(org=person.org, applicant=person)
    return ApplicationFactory(org=person.org, file=file, **kw)


# Each page: (tree, worker) -> (url, grow(k)[, options]).


def home(t, p):
    def grow(k):
        _history(t, p)(k)
        for _ in range(k):
            _own_application(p, state=S.CLOSED)
            JoinRequestFactory(org=t.grassroots, phone=p.phone, state="rejected")

    return "/m/", grow


def card(t, p):
    return "/m/card/", _history(t, p), FORM


def assistance_home(t, p):
    return "/m/assistance/", _many(lambda: _own_application(p, state=S.CLOSED))


def assistance_detail(t, p):
    application = _own_application(p, state=S.PUBLICITY)

    def grow(k):
        for _ in range(k):
            AidItemFactory(application=application)
            StepFactory(application=application)
            AttachmentFactory(file=application.file, application=application)

    return f"/m/assistance/{application.pk}/", grow


def assistance_apply(t, p):
    file = HardshipFileFactory(org=p.org, applicant=p, state="draft")
    return "/m/assistance/apply/", _many(lambda: HouseholdMemberFactory(file=file))


def join_claim(t, p):
    claim = JoinRequestFactory(org=t.grassroots, id_number=p.id_number)
    return (
        f"/m/join-claims/{claim.pk}/",
        _many(lambda: JoinRequestFactory(org=t.grassroots, id_number=p.id_number)),
        FORM,
    )


def transfer_on_home(t, p):
    """A pending transfer of hers on the home page, and others' transfers around it."""
    TransferFactory(membership=p.memberships.get(), to_org=t.jb_grassroots)

    def grow(k):
        for _ in range(k):
            TransferFactory(
                membership=MembershipFactory(org=t.grassroots, state="transferring"),
                to_org=make_grassroots(t.township),
            )

    return "/m/", grow, FORM


PAGES = [
    home,
    card,
    assistance_home,
    assistance_detail,
    assistance_apply,
    join_claim,
    transfer_on_home,
]
XFAIL: dict = {}


@pytest.mark.parametrize(
    "page",
    [pytest.param(p, id=p.__name__, marks=XFAIL.get(p.__name__, ())) for p in PAGES],
)
def test_page_costs_the_same_with_more_rows(
    page, tree, worker, client, django_assert_max_num_queries
):
    url, grow, *options = page(tree, worker)
    assert_queries_flat(django_assert_max_num_queries, client, url, grow, **(options or [{}])[0])


def test_public_join_page_costs_the_same_with_more_requests(
    tree, client, django_assert_max_num_queries
):
    channel = JoinChannelFactory(org=tree.grassroots)
    grow = _many(lambda: JoinRequestFactory(org=tree.grassroots, channel=channel))
    url = f"/m/join/{join_token(channel)}/"
    assert_queries_flat(django_assert_max_num_queries, client, url, grow, grows=False)
