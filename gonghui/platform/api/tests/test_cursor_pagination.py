"""``CursorPagination`` on its own: cursors round-trip, bad ones are a 422 (ninja's
ValidationError, which the API answers with the uniform error body), pages follow the keyset
in both directions, and the total is counted with a LIMITed subquery."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.errors import ValidationError

from gonghui.orgs.models import Org
from gonghui.platform.api import pagination
from gonghui.platform.api.pagination import CursorPagination, capped_count
from gonghui.platform.testing.factories import make_org, root_org

pytestmark = pytest.mark.django_db


def page(paginator, qs, limit=2, cursor=None):
    params = paginator.Input(limit=limit, cursor=cursor)
    return paginator.paginate_queryset(qs, params, request=None)


@pytest.fixture
def orgs(db):
    city = root_org()
    for n in range(7):
        make_org(city, name=f"第{n}区总工会")
    return Org.objects.all()


def test_ordering_must_be_one_direction():
    with pytest.raises(ValueError):
        CursorPagination(ordering=("-joined_on", "id"))
    with pytest.raises(ValueError):
        CursorPagination(ordering=())


def test_cursor_round_trip():
    from gonghui.members.models import JoinRequest, Membership

    p = CursorPagination(ordering=("-joined_on", "-id"))
    token = p.encode("n", (datetime.date(2024, 2, 29), 42))
    assert token.replace("-", "").replace("_", "").isalnum() and "=" not in token
    assert p.decode(token, Membership) == ("n", [datetime.date(2024, 2, 29), 42])
    q = CursorPagination(ordering=("submitted_at", "id"))
    moment = datetime.datetime(2024, 1, 1, 8, 30, 0, 123456, tzinfo=datetime.UTC)
    direction, (at, pk) = q.decode(q.encode("p", (moment, 7)), JoinRequest)
    assert direction == "p" and at == moment and pk == 7


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "2024-01-01T00:00:00", 5])
def test_bad_datetimes_are_invalid_cursors(value):
    from gonghui.members.models import JoinRequest

    p = CursorPagination(ordering=("submitted_at", "id"))
    with pytest.raises(ValidationError):
        p.decode(p.encode("n", (value, 1)), JoinRequest)


def test_pages_follow_the_keyset_both_ways(orgs):
    p = CursorPagination(ordering=("-id",))
    want = list(orgs.order_by("-id").values_list("pk", flat=True))
    first = page(p, orgs, limit=3)
    assert [o.pk for o in first["items"]] == want[:3]
    assert first["count"] == len(want) and first["previous"] is None
    second = page(p, orgs, limit=3, cursor=first["next"])
    assert [o.pk for o in second["items"]] == want[3:6] and second["count"] is None
    third = page(p, orgs, limit=3, cursor=second["next"])
    assert [o.pk for o in third["items"]] == want[6:] and third["next"] is None
    back = page(p, orgs, limit=3, cursor=third["previous"])
    assert [o.pk for o in back["items"]] == want[3:6]
    assert [o.pk for o in page(p, orgs, limit=3, cursor=back["previous"])["items"]] == want[:3]


def test_ascending_order(orgs):
    p = CursorPagination(ordering=("path", "id"))
    want = list(orgs.order_by("path", "id").values_list("pk", flat=True))
    seen, cursor = [], None
    while True:
        body = page(p, orgs, limit=2, cursor=cursor)
        seen += [o.pk for o in body["items"]]
        if not (cursor := body["next"]):
            break
    assert seen == want


def test_capped_count_uses_a_limited_subquery(orgs, monkeypatch):
    with CaptureQueriesContext(connection) as queries:
        assert capped_count(orgs, 3) == (3, True)
    (sql,) = [q["sql"] for q in queries]
    assert "LIMIT 4" in sql.upper() and "JOIN" not in sql.upper()
    assert capped_count(orgs, 8) == (8, False)
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    assert page(CursorPagination(ordering=("-id",)), orgs)["count_capped"] is True
