"""Member list pages that cost the same at any depth (issue #6, B2).

The API pages by keyset cursor: walking ``next`` yields every row of the caller's scope once,
in the list's order, ties on the join date included; filters and scope hold on every page; a
cursor is only a position, never a way out of the scope; a bad cursor is a declared 422. The
total is exact up to a cap and says when it stopped. The console's member list counts with a
LIMITed subquery (never an exact ``COUNT(*)`` over the table) and says "more than …".
"""

from __future__ import annotations

import base64
import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.console.paginator import CappedPaginator
from gonghui.members.models import Membership, Person
from gonghui.members.tests.test_search import make_id
from gonghui.platform.api import pagination

pytestmark = pytest.mark.django_db

URL = "/api/v1/members/"


@pytest.fixture(autouse=True)
def _password_only(settings):
    settings.GONGHUI_REQUIRE_2FA = False


def bulk_members(org, n: int, *, start: int = 0, state="active", days=3) -> list[Membership]:
    """``n`` memberships in ``org``; join dates repeat every ``days`` rows, so many rows tie on
    ``joined_on`` and only the id orders them."""
    people = Person.objects.bulk_create(
        [
            Person(name=f"会员{k}", id_number=make_id(k), phone=f"137{k:08d}", org=org)
            for k in range(start, start + n)
        ]
    )
    return Membership.objects.bulk_create(
        [
            Membership(
                person=p,
                org=org,
                state=state,
                source="manual",
                joined_on=date(2024, 1, 1) + timedelta(days=k % days),
            )
            for k, p in enumerate(people)
        ]
    )


def expected_ids(*orgs, state=None) -> list[int]:
    qs = Membership.objects.filter(org__in=orgs)
    if state:
        qs = qs.filter(state=state)
    return list(qs.order_by("-joined_on", "-id").values_list("id", flat=True))


def walk(client, params: dict, direction: str = "next", start: dict | None = None):
    """All pages from the first (or ``start``), following ``direction``: (pages, bodies)."""
    body = start or client.get(URL, params).json()
    bodies = [body]
    while body[direction]:
        response = client.get(URL, {**params, "cursor": body[direction]})
        assert response.status_code == 200, response.content
        body = response.json()
        bodies.append(body)
        assert len(bodies) < 100, "the walk does not end"
    return [[i["id"] for i in b["items"]] for b in bodies], bodies


@pytest.fixture
def api(client, tree):
    client.force_login(tree.yubei_admin)
    return client


def test_walking_next_yields_every_scoped_row_once_in_order(api, tree):
    bulk_members(tree.grassroots, 23)  # 3 join dates: ties everywhere
    bulk_members(tree.township, 9, start=100, days=2)
    bulk_members(tree.jb_grassroots, 7, start=200)  # another district: never listed
    want = expected_ids(tree.grassroots, tree.township)
    pages, bodies = walk(api, {"limit": 5})
    got = [i for page in pages for i in page]
    assert got == want  # every row once, in (-joined_on, -id) order
    assert [len(p) for p in pages] == [5] * 6 + [2]
    assert bodies[0]["count"] == 32 and bodies[0]["count_capped"] is False
    assert bodies[0]["previous"] is None and bodies[-1]["next"] is None
    assert all(b["count"] is None for b in bodies[1:])  # counted on the first page only


def test_walking_previous_gives_the_same_pages_back(api, tree):
    bulk_members(tree.grassroots, 17)
    forward, bodies = walk(api, {"limit": 4})
    backward, _ = walk(api, {"limit": 4}, "previous", start=bodies[-1])
    assert list(reversed(backward)) == forward
    # and forward again from a page reached backwards
    middle = api.get(URL, {"limit": 4, "cursor": bodies[3]["previous"]}).json()
    assert [i["id"] for i in middle["items"]] == forward[2]
    again = api.get(URL, {"limit": 4, "cursor": middle["next"]}).json()
    assert [i["id"] for i in again["items"]] == forward[3]


def test_a_single_page_list_has_no_cursors_and_an_exact_count(api, tree):
    bulk_members(tree.grassroots, 3)
    body = api.get(URL).json()
    assert body["count"] == 3 and body["count_capped"] is False
    assert body["next"] is None and body["previous"] is None
    empty = api.get(URL, {"state": "expelled"}).json()
    assert empty == {"items": [], "count": 0, "count_capped": False, "next": None, "previous": None}


def test_filters_hold_on_every_page(api, tree):
    bulk_members(tree.grassroots, 12)
    bulk_members(tree.grassroots, 8, start=50, state="lapsed")
    bulk_members(tree.township, 6, start=80, state="lapsed")
    pages, bodies = walk(api, {"limit": 3, "state": "lapsed", "org": tree.grassroots.pk})
    assert [i for p in pages for i in p] == expected_ids(tree.grassroots, state="lapsed")
    assert all(i["state"] == "lapsed" for b in bodies for i in b["items"])
    # a cursor taken from one filter only positions the other list
    active = api.get(URL, {"limit": 3, "state": "active", "cursor": bodies[0]["next"]}).json()
    assert all(i["state"] == "active" for i in active["items"])


def test_a_cursor_cannot_reach_rows_outside_the_scope(client, tree):
    mine = bulk_members(tree.grassroots, 6)
    theirs = bulk_members(tree.jb_grassroots, 6, start=100)
    client.force_login(tree.jiangbei_admin)
    _, bodies = walk(client, {"limit": 2})
    their_cursor = bodies[0]["next"]
    client.force_login(tree.yubei_admin)
    seen = set()
    # their cursor, and cursors made up for every key of the other district's rows
    cursors = [their_cursor]
    paginator = pagination.CursorPagination(ordering=("-joined_on", "-id"))
    for m in theirs:
        for direction in ("n", "p"):
            cursors.append(paginator.encode(direction, (m.joined_on, m.pk)))
    cursors.append(paginator.encode("n", (date(9999, 12, 31), 2**62)))
    cursors.append(paginator.encode("p", (date(1, 1, 1), 0)))
    for cursor in cursors:
        response = client.get(URL, {"limit": 50, "cursor": cursor})
        assert response.status_code == 200
        seen |= {i["id"] for i in response.json()["items"]}
    assert seen <= {m.pk for m in mine}
    assert not seen & {m.pk for m in theirs}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "x",  # not base64 of anything
        "!!",  # outside the cursor alphabet (refused by the schema)
        _b64(b"not json"),
        _b64(b"\xff\xfe"),
        _b64(json.dumps({"n": 1}).encode()),
        _b64(json.dumps(["n", "2024-01-01"]).encode()),  # too short
        _b64(json.dumps(["n", "2024-01-01", 1, 2]).encode()),  # too long
        _b64(json.dumps(["x", "2024-01-01", 1]).encode()),  # no such direction
        _b64(json.dumps(["n", "2024-13-01", 1]).encode()),  # no such date
        _b64(json.dumps(["n", 20240101, 1]).encode()),  # a date must be a string
        _b64(json.dumps(["n", "2024-01-01", "1"]).encode()),  # an id must be a number
        _b64(json.dumps(["n", "2024-01-01", True]).encode()),
        _b64(json.dumps(["n", "2024-01-01", 1.5]).encode()),
        _b64(json.dumps(["n", "2024-01-01", 2**70]).encode()),  # beyond 64 bits
        _b64(json.dumps(["n", "2024-01-01", None]).encode()),
        "A" * 401,  # too long
    ],
)
def test_an_invalid_cursor_is_a_declared_422(api, tree, cursor):
    bulk_members(tree.grassroots, 2)
    response = api.get(URL, {"cursor": cursor})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert ["query", "cursor"] in [d["loc"] for d in body["error"]["details"]]


def test_offset_is_refused_past_the_first_page(api, tree):
    bulk_members(tree.grassroots, 3)
    assert api.get(URL, {"offset": 0, "limit": 2}).json()["count"] == 3
    response = api.get(URL, {"offset": 2, "limit": 2})
    assert response.status_code == 422
    assert ["query", "offset"] in [d["loc"] for d in response.json()["error"]["details"]]


def test_count_is_capped_and_says_so(api, tree, monkeypatch):
    bulk_members(tree.grassroots, 9)
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    with CaptureQueriesContext(connection) as queries:
        body = api.get(URL, {"limit": 2}).json()
    assert body["count"] == 5 and body["count_capped"] is True
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)  # no exact count
    # at the cap exactly, the count is exact
    monkeypatch.setattr(pagination, "COUNT_CAP", 9)
    body = api.get(URL, {"limit": 2}).json()
    assert body["count"] == 9 and body["count_capped"] is False
    # a cursor page counts nothing
    with CaptureQueriesContext(connection) as queries:
        api.get(URL, {"limit": 2, "cursor": body["next"]})
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_the_page_query_is_a_keyset_query(api, tree):
    bulk_members(tree.grassroots, 5)
    cursor = api.get(URL, {"limit": 2}).json()["next"]
    with CaptureQueriesContext(connection) as queries:
        api.get(URL, {"limit": 2, "cursor": cursor})
    page = [
        q["sql"] for q in queries if "members_membership" in q["sql"] and "ORDER BY" in q["sql"]
    ]
    assert len(page) == 1
    sql = page[0].upper()
    assert "OFFSET" not in sql
    # one row-value comparison on the list's key, in the subquery that picks the page's rows
    assert re.search(r'\((U0\.)?"JOINED_ON", (U0\.)?"ID"\) < \(', sql), sql
    assert "LIMIT 3)" in sql


@pytest.mark.parametrize(
    ("url", "ordering"),
    [
        ("/api/v1/join-requests/", ("submitted_at", "id")),
        ("/api/v1/transfers/", ("-requested_at", "-id")),
        ("/api/v1/join-channels/", ("-created_at", "-id")),
    ],
)
def test_other_member_lists_page_by_cursor(api, tree, url, ordering):
    body = api.get(url).json()
    assert set(body) == {"items", "count", "count_capped", "next", "previous"}
    bad = api.get(url, {"cursor": _b64(b'["n","yesterday",1]')})
    assert bad.status_code == 422
    # a datetime cursor must carry its time zone
    naive = _b64(json.dumps(["n", "2024-01-01T00:00:00", 1]).encode())
    assert api.get(url, {"cursor": naive}).status_code == 422
    aware = pagination.CursorPagination(ordering=ordering).encode(
        "n", ("2024-01-01T00:00:00+08:00", 1)
    )
    assert api.get(url, {"cursor": aware}).status_code == 200


# --- the console's member list ---------------------------------------------------------------


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 20 rows and pages of 10, so a few dozen members go past it."""
    monkeypatch.setattr(CappedPaginator, "cap", 20)
    monkeypatch.setattr("gonghui.members.admin.MembershipAdmin.list_per_page", 10)


CHANGELIST = "/console/members/membership/"


def _no_uncapped_count(queries):
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the changelist counts (with a cap)"
    for sql in counts:
        assert "LIMIT" in sql.upper(), f"exact count on a page view: {sql}"


def test_console_list_over_the_cap_counts_with_a_limit(client, tree, small_cap):
    bulk_members(tree.grassroots, 33)
    client.force_login(tree.yubei_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    _no_uncapped_count(queries)
    cl = response.context["cl"]
    assert cl.paginator.capped and cl.result_count == 20 and cl.paginator.num_pages == 2
    html = response.content.decode()
    assert "more than 20 results" in html  # the header, never "20 results"
    assert '<span class="capped-count">more than 20</span>' in html  # the footer
    assert "Pages stop after 20 rows" in html


def test_console_page_past_the_cap_is_the_last_page_with_a_note(client, tree, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 100)
    bulk_members(tree.grassroots, 120)
    client.force_login(tree.yubei_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, {"p": 7})
    assert response.status_code == 200
    _no_uncapped_count(queries)
    cl = response.context["cl"]
    assert cl.paginator.beyond_cap
    last = expected_ids(tree.grassroots)[50:100]  # page 2 of 50: the last one under the cap
    assert [m.pk for m in cl.result_list] == last
    assert "Only the first 100 rows can be paged through" in response.content.decode()
    # a page number that is not a number is still the admin's own error handling
    assert client.get(CHANGELIST, {"p": "x"}).status_code in (200, 302)


def test_console_list_under_the_cap_shows_the_exact_count(client, tree, small_cap):
    bulk_members(tree.grassroots, 33)
    bulk_members(tree.grassroots, 4, start=500, state="lapsed")
    client.force_login(tree.yubei_admin)
    response = client.get(CHANGELIST, {"state__exact": "lapsed"})
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_count == 4 and not cl.paginator.capped
    html = response.content.decode()
    assert "more than" not in html and '<span class="capped-count">4</span>' in html


def test_console_facets_are_off(client, tree, small_cap):
    bulk_members(tree.grassroots, 25)
    client.force_login(tree.yubei_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, {"_facets": "True"})
    assert response.status_code == 200
    assert not response.context["cl"].add_facets
    _no_uncapped_count(queries)


@pytest.mark.chinese
def test_console_capped_count_in_chinese(client, tree, small_cap):
    bulk_members(tree.grassroots, 25)
    client.force_login(tree.yubei_admin)
    html = client.get(CHANGELIST).content.decode()
    assert "超过 20 条结果" in html and "翻页止于前 20 条" in html


@pytest.mark.parametrize(
    "params",
    [{}, {"p": 2}, {"o": "-8"}, {"o": "8.-4"}, {"lapsing": "first"}, {"state__exact": "active"}],
)
def test_console_pages_hold_the_lists_order(client, tree, small_cap, params):
    """The page is read by id first, then joined: same rows, same order as the plain slice."""
    bulk_members(tree.grassroots, 14)
    bulk_members(tree.township, 12, start=300, days=5)
    client.force_login(tree.yubei_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, {**params})
    assert response.status_code == 200
    cl = response.context["cl"]
    plain = list(
        cl.queryset[(cl.page_num - 1) * 10 : cl.page_num * 10].values_list("pk", flat=True)
    )
    assert [m.pk for m in cl.result_list][:10] == plain
    page_sql = [q["sql"] for q in queries if "members_person" in q["sql"] and "LIMIT" in q["sql"]]
    assert page_sql and all('"id" IN (SELECT' in sql for sql in page_sql)


def test_walking_join_requests_by_a_datetime_cursor(api, tree):
    from gonghui.members.models import JoinRequest
    from gonghui.members.tests.test_search import join_request

    for n in range(5):
        join_request(tree, n + 1, name=f"申请{n}")
    # two applications in the same microsecond: only the id orders them
    first = JoinRequest.objects.order_by("id").first()
    JoinRequest.objects.exclude(pk=first.pk).filter(pk=first.pk + 1).update(
        submitted_at=first.submitted_at
    )
    want = list(
        JoinRequest.objects.filter(state="pending")
        .order_by("submitted_at", "id")
        .values_list("pk", flat=True)
    )
    url, seen, cursor = "/api/v1/join-requests/", [], None
    while True:
        body = api.get(url, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [i["id"] for i in body["items"]]
        if not (cursor := body["next"]):
            break
    assert seen == want and len(want) == 5
