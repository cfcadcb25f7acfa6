"""The monthly 12351 通报: per handling union in the viewer's area, what came in and how it was
handled last month, the unions with most overdue tickets first, the longest-overdue tickets by
number (never a worker's name); printable, downloadable as .xlsx (audited), in Chinese, and
as cheap with many tickets as with few."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.calendar.models import DeadlineEvent, DeadlineEventKind
from gonghui.platform.testing.english import ALLOWED, english_in
from gonghui.platform.testing.factories import root_org as tree_root
from gonghui.rights import bulletin
from gonghui.rights.choices import Rating, TicketState
from gonghui.rights.models import Ticket
from gonghui.rights.testing import TicketFactory, TicketStepFactory, on

pytestmark = pytest.mark.django_db
S = TicketState
URL = "/console/rights/ticket/bulletin/"


class Month:
    def __init__(self):
        self.first = bulletin.last_month()
        self.mid = on(self.first + datetime.timedelta(days=14))
        self.last = bulletin.next_month(self.first) - datetime.timedelta(days=1)
        self.value = f"{self.first:%Y-%m}"


@pytest.fixture
def month():
    return Month()


def overdue_ticket(org, month, **kw):
    """Received two months before, still being handled: past its 办结 clock at month end."""
    return TicketFactory(
        org=org,
        state=S.HANDLING,
        received_at=on(month.first - datetime.timedelta(days=60)),
        **kw,
    )


def escalate(ticket, month):
    DeadlineEvent.objects.create(
        rule="rights.finish.general",
        content_type=ContentType.objects.get_for_model(Ticket),
        object_id=ticket.pk,
        started_on=ticket.received_at.date(),
        kind=DeadlineEventKind.ESCALATED,
        org=ticket.org,
        escalated_to=tree_root(),
        at=month.mid,
    )


@pytest.fixture
def scene(tree, month):
    closed = TicketFactory(
        org=tree.yubei,
        state=S.CLOSED,
        received_at=month.mid,
        resolved_at=month.mid + datetime.timedelta(hours=2),
        closed_at=month.mid + datetime.timedelta(days=1),
        caller_name="张秀英",
    )
    late = overdue_ticket(tree.township, month, caller_name="王建国")
    escalate(late, month)
    returned = TicketFactory(org=tree.yubei, state=S.CLASSIFIED, received_at=on(month.last))
    TicketStepFactory(
        ticket=returned, name="return_ticket", org_name=tree.township.name, at=month.mid
    )
    TicketFactory(
        org=tree.grassroots,
        state=S.VISITED,
        received_at=on(month.last, 9),
        resolved_at=on(month.last, 11),
        visited_at=on(month.last, 15),
        rating=Rating.UNSATISFIED,
    )
    TicketFactory(org=tree.jb_grassroots, received_at=on(month.last))
    # last month's neighbours do not count: one received this month, one the month before
    TicketFactory(org=tree.yubei, received_at=on(bulletin.next_month(month.first)))
    return {"closed": closed, "late": late}


def rows_of(b):
    return {row.org.name: row.counts for row in b.rows}


def test_each_union_gets_its_counts_and_the_most_overdue_comes_first(tree, staff, month, scene):
    b = bulletin.build(staff.operator, month.first)
    got = rows_of(b)
    assert b.rows[0].org == tree.township  # the one union with an overdue ticket
    assert got[tree.township.name] == {
        "received": 0,
        "closed": 0,
        "closed_on_time": 0,
        "overdue": 1,
        "escalated": 1,
        "returned": 1,
        "unsatisfied": 0,
    }
    assert got[tree.yubei.name]["received"] == 2
    assert got[tree.yubei.name]["closed"] == got[tree.yubei.name]["closed_on_time"] == 1
    assert got[tree.grassroots.name]["unsatisfied"] == 1
    assert got[tree.jb_grassroots.name]["received"] == 1
    assert b.total["received"] == 4 and b.total["overdue"] == 1
    [worst] = b.worst
    assert worst.number == scene["late"].number and worst.union == tree.township.name
    assert worst.days > 20 and worst.category == str(scene["late"].category)


def test_a_district_sees_only_its_own_unions(tree, staff, month, scene):
    got = rows_of(bulletin.build(staff.yubei, month.first))
    assert tree.jb_grassroots.name not in got and tree.township.name in got
    assert not rows_of(bulletin.build(staff.jiangbei, month.first)).keys() - {
        tree.jb_grassroots.name
    }


def test_a_ticket_resolved_after_its_deadline_is_closed_late(tree, staff, month):
    TicketFactory(
        org=tree.yubei,
        state=S.CLOSED,
        received_at=on(month.first - datetime.timedelta(days=60)),
        resolved_at=month.mid,
        closed_at=month.mid,
    )
    [row] = bulletin.build(staff.yubei, month.first).rows
    assert row.counts["closed"] == 1 and row.counts["closed_on_time"] == 0


def test_the_page_shows_the_month_without_worker_names(tree, staff, month, scene):
    client = verified_client(staff.operator)
    page = client.get(URL, {"month": month.value})
    assert page.status_code == 200
    html = page.content.decode()
    assert scene["late"].number in html and tree.township.name in html
    for name in ("张秀英", "王建国"):
        assert name not in html
    assert "rights/bulletin.css" in html and 'id="bulletin-xlsx"' in html  # print rules there
    # last month by default; a future or malformed month falls back to it
    assert client.get(URL).context["month_value"] == month.value
    assert client.get(URL, {"month": "2999-01"}).context["month_value"] == month.value
    assert client.get(URL, {"month": "abc"}).context["month_value"] == month.value


def test_the_ticket_list_and_the_navigation_link_to_it(staff):
    client = verified_client(staff.yubei)
    assert URL in client.get("/console/rights/ticket/").content.decode()
    assert URL in client.get("/console/").content.decode()


def test_without_the_ticket_permission_the_page_is_refused(tree):
    client = verified_client(tree.yubei_admin)
    assert client.get(URL).status_code == 403


def test_the_xlsx_download_holds_the_rows_and_is_audited(tree, staff, month, scene):
    from openpyxl import load_workbook

    client = verified_client(staff.operator)
    response = client.get(URL, {"month": month.value, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'12351-{month.value}.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    unions, worst = book.worksheets
    rows = list(unions.values)
    assert rows[1][0] == tree.township.name and rows[1][4] == 1  # overdue at month end
    assert rows[-1][1] == 4  # the total received
    assert list(worst.values)[1][0] == scene["late"].number
    event = AuditEvent.objects.get(action="rights.export_bulletin")
    assert event.actor == staff.operator and event.details["month"] == month.value


@pytest.mark.chinese
def test_the_page_and_the_file_read_chinese(tree, staff, month, scene):
    from openpyxl import load_workbook

    client = verified_client(staff.operator)
    html = client.get(URL, {"month": month.value}).content.decode()
    for text in ("受理", "按期办结", "月末超期", "督办", "退回", "不满意", "打印"):
        assert text in html
    assert english_in(html, ALLOWED) == []
    response = client.get(URL, {"month": month.value, "format": "xlsx"})
    header = next(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert header[0] == "承办工会" and "月末超期" in header


def test_the_page_costs_the_same_with_more_tickets(
    tree, staff, month, django_assert_max_num_queries
):
    client = verified_client(staff.operator)
    unions = [tree.township, tree.grassroots, tree.jb_grassroots, tree.industry]

    def grow(k):
        for i in range(k):
            org = unions[i % len(unions)]
            escalate(overdue_ticket(org, month), month)
            t = TicketFactory(org=org, state=S.CLASSIFIED, received_at=on(month.last))
            TicketStepFactory(ticket=t, name="return_ticket", org_name=org.name, at=month.mid)

    assert_queries_flat(django_assert_max_num_queries, client, f"{URL}?month={month.value}", grow)


def test_the_printed_bulletin_keeps_only_the_bulletin():
    from pathlib import Path

    css = (Path(__file__).parents[1] / "static" / "rights" / "bulletin.css").read_text()
    assert "@media print" in css and ".bulletin .no-print { display: none" in css
