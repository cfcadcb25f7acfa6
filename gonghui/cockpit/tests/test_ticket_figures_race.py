"""Operators taking calls and dispatching at the same moment add to the same ticket rows (the
city's of this month, one category and class): on PostgreSQL no increment may be lost and no
writer may deadlock. Skipped on SQLite, which serialises writers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from gonghui.cockpit import summaries
from gonghui.cockpit.ticket_queries import ticket_figures
from gonghui.platform.testing.factories import make_org, root_org, staff_with_role
from gonghui.rights import actions
from gonghui.rights.testing import category

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent upserts need PostgreSQL"
    ),
]

THREADS = 8
EACH = 4


def test_concurrent_calls_and_dispatches_lose_no_count():
    city = root_org()
    districts = [make_org(city, name=f"第{i}区总工会") for i in range(2)]
    operators = [
        staff_with_role(city, "hotline_operator", username=f"operator{i}") for i in range(THREADS)
    ]
    category("complaint-arrears")  # the default tables, after the flush of the last test
    barrier = threading.Barrier(THREADS)
    errors: list = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            for j in range(EACH):
                ticket = actions.take_call(
                    actor=operators[i],
                    category="complaint-arrears",
                    caller_name="李四",
                    caller_phone=f"135{i:04d}{j:04d}",
                    facts="拖欠工资",
                    request="讨薪",
                    employer_name="某公司",
                )
                ticket = actions.classify(
                    actor=operators[i],
                    ticket=ticket,
                    category="complaint-arrears",
                    complexity="general",
                )
                actions.dispatch(actor=operators[i], ticket=ticket, to_org=districts[j % 2])
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
    year = timezone.localdate().year
    assert ticket_figures(operators[0], city, year).total["received"] == THREADS * EACH
    for district in districts:
        got = ticket_figures(operators[0], district, year).total["received"]
        assert got == THREADS * EACH // 2
