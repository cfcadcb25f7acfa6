"""The cockpit's 12351 ticket figures stay equal to the tickets through every real step of a
ticket's life (the rows are checked against a recount after each step), follow a ticket down
the tree when it is dispatched, and are read only within the viewer's scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gonghui.cockpit import summaries, tickets
from gonghui.cockpit.models import TicketMonthStat
from gonghui.cockpit.ticket_queries import rate, ticket_figures
from gonghui.platform.testing.factories import staff_with_role
from gonghui.rights.choices import Rating, TicketState
from gonghui.rights.models import Ticket
from gonghui.rights.testing import Staff, TicketFactory
from gonghui.rights.workflows import ticket_states

pytestmark = pytest.mark.django_db
S = TicketState


@pytest.fixture
def staff(tree):
    s = Staff(tree)
    s.grassroots = staff_with_role(tree.grassroots, "rights_officer", username="gr_rights")
    return s


def call(staff, **kw):
    from gonghui.rights import actions

    data = {
        "category": "complaint-arrears",
        "caller_name": "李四",
        "caller_phone": "13500001111",
        "facts": "物流公司拖欠两个月工资",
        "request": "讨回工资",
        "employer_name": "渝北某物流公司",
        **kw,
    }
    return actions.take_call(actor=staff.operator, **data)


def run(ticket, user, name, **data):
    ticket = Ticket.objects.get(pk=ticket.pk)
    ticket_states.run(ticket, user, name, data, face="console")
    assert summaries.check() == [], f"after {name}"
    return Ticket.objects.get(pk=ticket.pk)


def figures(org, **filters) -> dict:
    rows = TicketMonthStat.objects.filter(org=org, **filters)
    out = dict.fromkeys(
        ("received", "reopened", "closed", "closed_on_time", "rated", "satisfied"), 0
    )
    out["arrears_workers"], out["arrears_recovered"] = 0, Decimal("0")
    for row in rows:
        for k in out:
            out[k] += getattr(row, k)
    return out


def test_every_step_of_a_ticket_keeps_the_figures_exact(tree, staff, settings):
    settings.GONGHUI_RIGHTS_QUALITY_SAMPLE_PERCENT = 0
    t = call(staff)
    assert summaries.check() == []
    assert figures(tree.city)["received"] == 1 and figures(tree.yubei)["received"] == 0
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    t = run(t, staff.yubei, "dispatch", to_org=tree.township.pk)
    # Dispatched down: the township and every union above it count it, 江北 does not, the
    # city still counts it once.
    assert [figures(o)["received"] for o in (tree.city, tree.yubei, tree.township)] == [1, 1, 1]
    assert figures(tree.jiangbei)["received"] == 0
    t = run(t, staff.township, "return_ticket", reason="不属于本街道辖区")
    assert figures(tree.township)["received"] == 0 and figures(tree.yubei)["received"] == 1
    t = run(t, staff.yubei, "dispatch", to_org=tree.grassroots.pk)
    t = run(t, staff.grassroots, "accept")
    t = run(t, staff.grassroots, "request_extension", reason="需要劳动监察部门协查")
    t = run(t, staff.township, "approve_extension", reason="同意")
    t = run(
        t,
        staff.grassroots,
        "resolve",
        reply="已协调公司支付",
        arrears_recovered=Decimal("12000.50"),
        arrears_workers=3,
    )
    # Resolved but not closed: no arrears counted yet (a closed ticket's figures are final).
    assert figures(tree.city)["arrears_recovered"] == 0
    t = run(t, staff.operator, "visit_back", rating=Rating.UNSATISFIED, note="工资没拿全")
    assert figures(tree.city)["rated"] == 1 and figures(tree.city)["satisfied"] == 0
    t = run(t, staff.operator, "reopen", reason="职工不满意，重新办理")
    assert figures(tree.city)["rated"] == 0 and figures(tree.city)["reopened"] == 1
    t = run(
        t,
        staff.grassroots,
        "resolve",
        reply="公司已补足",
        arrears_recovered="15000.25",
        arrears_workers=4,
    )
    t = run(t, staff.operator, "visit_back", rating=Rating.FAIRLY)
    t = run(t, staff.operator, "close")
    assert t.state == S.CLOSED
    for org in (tree.city, tree.yubei, tree.township, tree.grassroots):
        assert figures(org) == {
            "received": 1,
            "reopened": 1,
            "closed": 1,
            "closed_on_time": 1,
            "rated": 1,
            "satisfied": 1,
            "arrears_workers": 4,
            "arrears_recovered": Decimal("15000.25"),
        }
    assert figures(tree.jiangbei)["received"] == 0
    # The district officer's cockpit reads the same, by category and class.
    year = timezone.localdate().year
    mine = ticket_figures(staff.yubei, tree.yubei, year)
    assert mine.total["received"] == 1 and mine.total["arrears_recovered"] == Decimal("15000.25")
    assert mine.on_time_rate == Decimal("100.0") and mine.satisfaction_rate == Decimal("100.0")
    assert [(name, n) for _pk, name, n in mine.by_category] == [("信访投诉", 1)]
    assert [(c, n) for c, _label, n in mine.by_complexity] == [("general", 1)]
    assert sum(m["received"] for m in mine.months.values()) == 1


def test_a_ticket_resolved_after_its_deadline_is_closed_but_not_on_time(tree, staff, settings):
    settings.GONGHUI_RIGHTS_QUALITY_SAMPLE_PERCENT = 0
    t = call(staff)
    # received 40 days ago: past any finishing deadline of the table
    Ticket.objects.filter(pk=t.pk).update(received_at=timezone.now() - timedelta(days=40))
    summaries.rebuild()
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    t = run(t, staff.yubei, "accept")
    t = run(t, staff.yubei, "resolve", reply="已办结")
    t = run(t, staff.operator, "visit_back", rating=Rating.SATISFIED)
    t = run(t, staff.operator, "close")
    got = figures(tree.yubei)
    assert got["closed"] == 1 and got["closed_on_time"] == 0
    # closed this month, so this year's on-time rate is 0 %
    closed_year = timezone.localdate(t.closed_at).year
    assert ticket_figures(staff.yubei, tree.yubei, closed_year).on_time_rate == Decimal("0.0")


def test_figures_outside_the_viewers_scope_read_as_zero(tree, staff):
    t = call(staff)
    run(t, staff.operator, "classify", category="consult-wages", complexity="difficult")
    year = timezone.localdate().year
    assert ticket_figures(staff.operator, tree.city, year).total["received"] == 1
    # 江北's officer asking for the city's figures gets nothing.
    assert ticket_figures(staff.jiangbei, tree.city, year).total["received"] == 0
    assert ticket_figures(staff.jiangbei, tree.jiangbei, year).by_category == []


def test_check_finds_a_changed_row_and_the_command_rebuilds_it(tree, staff):
    call(staff)
    TicketMonthStat.objects.filter(org=tree.city).update(received=5)
    differences = summaries.check()
    assert [(d.org_id, d.expected, d.stored) for d in differences] == [(tree.city.pk, 1, 5)]
    with pytest.raises(CommandError):
        call_command("rebuild_summaries", "--check")
    call_command("rebuild_summaries")
    assert summaries.check() == []
    assert TicketMonthStat.objects.get(org=tree.city).received == 1


def test_a_bulk_loaded_ticket_is_counted_by_a_rebuild(tree):
    TicketFactory(org=tree.yubei)
    assert tickets.check()  # written directly, not through the actions
    summaries.rebuild()
    assert tickets.check() == []
    assert figures(tree.city)["received"] == 1 and figures(tree.yubei)["received"] == 1


def test_rates_are_percent_with_one_decimal_and_none_without_a_base():
    assert rate(2, 3) == Decimal("66.7")
    assert rate(0, 0) is None
