"""Two operators dispatching the same ticket at once leave one dispatch (PostgreSQL: real
concurrent transactions and row locks; skipped on SQLite, which serialises writers)."""

import threading

import pytest
from django.db import connection

from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.workflow.base import ActionError
from gonghui.rights import actions
from gonghui.rights.choices import TicketState
from gonghui.rights.models import Ticket, TicketStep
from gonghui.rights.testing import TicketFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent row locks need PostgreSQL; run with DATABASE_URL=postgres://…",
)
ROUNDS = 20


def _race(work, n=2) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except ActionError as exc:
            results[i] = exc.code
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_operators_dispatching_one_ticket_leave_one_dispatch(tree):
    operators = [
        staff_with_role(tree.city, "hotline_operator", username=f"op{i}") for i in range(2)
    ]
    targets = [tree.yubei, tree.jiangbei]
    for _round in range(ROUNDS):
        ticket = TicketFactory(state=TicketState.CLASSIFIED, org=tree.city)

        def work(i, ticket=ticket):
            done = actions.dispatch(actor=operators[i], ticket=ticket, to_org=targets[i].pk)
            return done.org_id

        results = _race(work)
        ticket = Ticket.objects.get(pk=ticket.pk)
        assert TicketStep.objects.filter(ticket=ticket, name="dispatch").count() == 1
        assert ticket.state == TicketState.DISPATCHED
        assert sorted(map(str, results)) == sorted([str(ticket.org_id), "invalid_org"]), results
