"""The console start page lists each person's own to-dos: what is overdue or due soon in their
scope, how many, how long the oldest has waited, and the link to exactly those records."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from gonghui.members.choices import MembershipState, TransferState
from gonghui.members.testing import JoinRequestFactory, MembershipFactory, TransferFactory
from gonghui.orgs.testing import TermFactory
from gonghui.platform.calendar import workdays
from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.todos import (
    OVERDUE,
    Todo,
    TodoSource,
    register_todo_source,
    todos_for,
    unregister_todo_source,
)

pytestmark = pytest.mark.django_db


def submitted_working_days_ago(org, n: int):
    day = workdays.add_working_days(timezone.localdate(), -n)
    moment = timezone.make_aware(datetime.combine(day, time(10)))
    return JoinRequestFactory(org=org, submitted_at=moment)


def todo(page_context, label_part: str) -> Todo:
    found = [t for t in page_context["todos"] if label_part in str(t.label)]
    assert found, [str(t.label) for t in page_context["todos"]]
    return found[0]


@pytest.fixture
def overdue_world(tree):
    """Two join applications 21 and 17 working days old at a 渝北 union, one due soon, one
    fresh; 渝北's own term ended 10 days ago; a 江北 application as old as the oldest."""
    today = timezone.localdate()
    submitted_working_days_ago(tree.grassroots, 21)
    submitted_working_days_ago(tree.yubei, 17)
    submitted_working_days_ago(tree.grassroots, 13)  # due soon (15 days, warned 3 before)
    submitted_working_days_ago(tree.grassroots, 1)
    submitted_working_days_ago(tree.jb_grassroots, 21)
    TermFactory(org=tree.yubei, started_on=today.replace(year=today.year - 5) - timedelta(days=10))
    return tree


def test_district_admin_sees_overdue_join_applications_and_its_own_overdue_term(
    client, overdue_world
):
    tree = overdue_world
    client.force_login(tree.yubei_admin)
    response = client.get("/console/")
    page = response.content.decode()
    assert "My to-dos" in page

    joins = todo(response.context, "past their review deadline")
    assert (joins.count, joins.oldest_days, joins.level) == (2, 21, OVERDUE)
    assert "waiting 21 working days" in page
    assert 'href="/console/members/joinrequest/?age=overdue"' in page

    soon = todo(response.context, "due for a decision soon")
    assert soon.count == 1 and soon.due is not None

    term = todo(response.context, "the committee's term has ended")
    assert "渝北区总工会" in str(term.label)
    assert term.days_overdue == 10
    assert "overdue by 10 days" in page
    assert term.url == f"/console/orgs/term/add/?org={tree.yubei.pk}"
    # overdue lines come first, the longest overdue at the top
    levels = [t.level for t in response.context["todos"]]
    assert levels == sorted(levels, key=lambda level: level != OVERDUE)


def test_the_links_list_exactly_the_counted_records(client, overdue_world):
    tree = overdue_world
    client.force_login(tree.yubei_admin)
    todos = client.get("/console/").context["todos"]
    for part, expected in (("past their review deadline", 2), ("due for a decision soon", 1)):
        url = todo({"todos": todos}, part).url
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == expected
    term_page = client.get(todo({"todos": todos}, "term has ended").url)
    assert term_page.status_code == 200


def test_a_township_admin_does_not_see_the_districts_items(client, overdue_world):
    tree = overdue_world
    township_admin = staff_with_role(tree.township, "org_admin", username="township_admin")
    client.force_login(township_admin)
    response = client.get("/console/")
    todos = response.context["todos"]
    joins = todo(response.context, "past their review deadline")
    assert joins.count == 1  # the grassroots union's, not the district's own
    assert not [t for t in todos if "term" in str(t.label)]
    assert "渝北区总工会: the committee" not in response.content.decode()


def test_nothing_waiting_is_said(client, tree):
    client.force_login(tree.jiangbei_admin)
    page = client.get("/console/").content.decode()
    assert "Nothing is waiting for you." in page


def test_transfers_waiting_on_my_side(client, tree):
    incoming = TransferFactory(
        membership=MembershipFactory(org=tree.jb_grassroots, state=MembershipState.TRANSFERRING),
        to_org=tree.grassroots,
        state=TransferState.PENDING_RECEIVER,
    )
    # going out of 渝北 and waiting for 江北 to receive it: not 渝北's decision
    TransferFactory(
        membership=MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRING),
        to_org=tree.jb_grassroots,
        state=TransferState.PENDING_RECEIVER,
    )
    client.force_login(tree.yubei_admin)
    response = client.get("/console/")
    line = todo(response.context, "Transfers waiting")
    assert line.count == 1
    listed = client.get(line.url).context["cl"].result_list
    assert list(listed) == [incoming]


def test_a_source_whose_calendar_year_is_missing_says_so(tree):
    from gonghui.platform.calendar.workdays import CalendarYearMissing

    def broken(user, today):
        raise CalendarYearMissing(1999)

    register_todo_source(TodoSource("tests.broken", "Broken", ("orgs.view_org",), broken))
    try:
        found = todos_for(tree.yubei_admin, timezone.localdate())
    finally:
        unregister_todo_source("tests.broken")
    assert any("1999" in t.problem for t in found)


@pytest.mark.chinese
def test_the_start_page_reads_in_chinese(client, overdue_world):
    client.force_login(overdue_world.yubei_admin)
    page = client.get("/console/").content.decode()
    assert "我的待办" in page
    assert "已超过审核期限的入会申请" in page and "已等待 21 个工作日" in page
    assert "渝北区总工会：本届委员会任期已满，请组织换届选举" in page
    assert "已逾期 10 天" in page


def test_the_join_queue_shows_its_clock_columns_oldest_first(client, tree):
    newer = submitted_working_days_ago(tree.grassroots, 2)
    older = submitted_working_days_ago(tree.grassroots, 16)
    client.force_login(tree.yubei_admin)
    response = client.get("/console/members/joinrequest/")
    page = response.content.decode()
    assert "Working days waiting" in page and "Review due" in page
    assert list(response.context["cl"].result_list) == [older, newer]
    # the waiting column sorts (newest first when reversed)
    headers = response.context["cl"].get_ordering_field_columns()
    assert headers  # ordered by a column the user can click
    reversed_order = client.get("/console/members/joinrequest/", {"o": "-7"})
    assert list(reversed_order.context["cl"].result_list) == [newer, older]
