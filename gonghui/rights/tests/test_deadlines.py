"""The ticket's clocks on the real holiday calendar (2026: 国庆 1–7 October, Saturday 10
October a working day): the table's working days, the 信访 calendar days, an edited table row,
the overdue list, and the nightly escalation (督办) to the union above the handling one."""

from datetime import date

import pytest

from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.calendar.models import DeadlineEvent
from gonghui.rights import deadlines
from gonghui.rights.choices import Complexity, Extension, TicketState
from gonghui.rights.models import Ticket, TicketDeadline
from gonghui.rights.testing import TicketFactory, on

pytestmark = pytest.mark.django_db
S = TicketState


def test_the_default_table_ships_every_step_with_an_empty_source():
    rows = TicketDeadline.objects.all()
    assert rows.count() == 12
    assert all(r.is_default for r in rows)
    assert TicketDeadline.objects.get(complexity="general", step="finish").days == 5


def test_a_general_ticket_received_before_national_day_is_due_after_it(tree):
    t = TicketFactory(received_at=on(date(2026, 9, 29)), state=S.HANDLING, org=tree.township)
    clock = deadlines.clock(t)
    # 5 working days: 30 Sep, 8, 9, 10 (a Saturday worked), 12 October.
    assert clock.due() == date(2026, 10, 12)
    assert clock.status(date(2026, 10, 12)) != "overdue"
    assert clock.status(date(2026, 10, 13)) == "overdue"


def test_the_sign_for_clock_runs_from_the_dispatch(tree):
    t = TicketFactory(
        received_at=on(date(2026, 9, 28)),
        dispatched_at=on(date(2026, 9, 30), 16),
        state=S.DISPATCHED,
        org=tree.township,
        complexity=Complexity.COMPLEX,
    )
    assert deadlines.clock(t).due() == date(2026, 10, 9)  # 2 working days: 8 and 9 October


def test_an_edited_table_row_changes_the_due_day(tree):
    t = TicketFactory(received_at=on(date(2026, 9, 29)), state=S.HANDLING, org=tree.township)
    row = TicketDeadline.objects.get(complexity="general", step="finish")
    row.days, row.source = 3, "某省12351工单办理规范"
    row.save()
    assert deadlines.clock(t).due() == date(2026, 10, 9)
    assert not TicketDeadline.objects.get(pk=row.pk).is_default


def test_a_granted_extension_adds_the_tables_extension_days(tree):
    t = TicketFactory(
        received_at=on(date(2026, 9, 29)),
        state=S.HANDLING,
        org=tree.township,
        extension=Extension.GRANTED,
    )
    # 5 + 5 working days.
    assert deadlines.clock(t).due() == date(2026, 10, 19)


def test_a_petition_matter_runs_on_calendar_days(tree):
    t = TicketFactory(received_at=on(date(2026, 9, 29)), is_petition=True)
    assert deadlines.clock(t).due() == date(2026, 10, 14)  # routed within 15 days
    t.state, t.org = S.HANDLING, tree.township
    assert deadlines.clock(t).due() == date(2026, 11, 28)  # finished within 60 days
    t.extension = Extension.GRANTED
    assert deadlines.clock(t).due() == date(2026, 12, 28)  # 30 more with approval


def test_the_overdue_list_agrees_with_each_ticket(tree):
    tickets = [
        TicketFactory(received_at=on(date(2026, 9, 20 + k)), state=S.HANDLING, org=tree.township)
        for k in range(10)
    ]
    today = date(2026, 10, 12)
    listed = set(deadlines.overdue(Ticket.objects.all(), today))
    assert listed == {t for t in tickets if deadlines.clock(t).status(today) == "overdue"}
    assert 0 < len(listed) < len(tickets)


def test_the_nightly_run_escalates_an_overdue_ticket_to_the_union_above(tree):
    late = TicketFactory(received_at=on(date(2026, 9, 29)), state=S.HANDLING, org=tree.township)
    TicketFactory(received_at=on(date(2026, 10, 12)), state=S.HANDLING, org=tree.township)
    TicketFactory(received_at=on(date(2026, 9, 1)), state=S.CLOSED, org=tree.township)
    evaluate_deadlines(today=date(2026, 10, 13), only=["rights.finish.general"])
    escalated = DeadlineEvent.objects.get(kind="escalated")
    assert escalated.object_id == late.pk and escalated.escalated_to == tree.yubei
    assert escalated.due_on == date(2026, 10, 12)
    # A second night writes nothing new.
    before = DeadlineEvent.objects.count()
    evaluate_deadlines(today=date(2026, 10, 13), only=["rights.finish.general"])
    assert DeadlineEvent.objects.count() == before
