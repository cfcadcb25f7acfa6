"""Concurrent writers add to the same ancestor summary rows (the district's, the city's) at
once: on PostgreSQL none of their increments may be lost and none may deadlock. Skipped on
SQLite, which serialises writers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gonghui.cockpit import queries, summaries
from gonghui.members import actions
from gonghui.orgs.choices import OrgKind
from gonghui.platform.testing.factories import make_org, root_org, staff_with_role
from gonghui.platform.validators import id_check_char

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent upserts need PostgreSQL"
    ),
]

THREADS = 12
EACH = 5


def test_concurrent_joins_in_one_district_lose_no_count():
    city = root_org()
    district = make_org(city, name="渝北区总工会", region_code="500112")
    unions = [make_org(district, OrgKind.GRASSROOTS, name=f"工会{i}") for i in range(4)]
    admin = staff_with_role(city, "org_admin", username="city")
    barrier = threading.Barrier(THREADS)
    errors: list = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            for j in range(EACH):
                serial = i * EACH + j
                body = f"500112199001{1 + serial % 28:02d}{serial:03d}"
                actions.register_member(
                    actor=admin,
                    org=unions[(i + j) % len(unions)],
                    name="王五",
                    id_number=body + id_check_char(body),
                    phone=f"139{serial:08d}",
                    employer_name="平台",
                    employment_form="food_delivery" if serial % 2 else "standard",
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    assert summaries.check() == []
    got = queries.totals(admin, city)
    assert got["current"] == THREADS * EACH
    assert got["new_form"] == THREADS * EACH // 2
