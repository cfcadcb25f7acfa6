"""Assistance staff start on their queues; the queues show how long each case has waited at
its step and its due day, most urgent first; the start page counts them; the case page shows
where the case is among its steps."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import Application, Step
from gonghui.assistance.testing import advance, make_person, staff_application
from gonghui.platform.calendar import workdays

pytestmark = pytest.mark.django_db

QUEUES = "/console/assistance/queues/"


def entered_step_working_days_ago(application, n: int):
    day = workdays.add_working_days(timezone.localdate(), -n)
    moment = timezone.make_aware(datetime.combine(day, time(9)))
    Step.objects.filter(application=application, to_state=application.state).update(at=moment)
    return application


@pytest.fixture
def two_submitted(tree, staff):
    """Two submitted cases: the one submitted first entered first review 2 working days ago,
    the other 8 working days ago (its step was dated back)."""
    recent = staff_application(staff, tree.grassroots, make_person(tree.grassroots, 1))
    recent = actions.submit_application(actor=staff.officer, application=recent)
    older = staff_application(
        staff, tree.grassroots, make_person(tree.grassroots, 2, name="赵六"), n=2
    )
    older = actions.submit_application(actor=staff.officer, application=older)
    return entered_step_working_days_ago(recent, 2), entered_step_working_days_ago(older, 8)


def test_an_assistance_officer_lands_on_the_queue(client, staff, two_submitted):
    client.force_login(staff.officer)
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"] == QUEUES
    # the start page is still there for them, and counts the same queue
    home = client.get("/console/?home=1")
    assert home.status_code == 200
    lines = [t for t in home.context["todos"] if "awaiting first review" in str(t.label)]
    assert [(t.count, t.oldest_days) for t in lines] == [(2, 8)]
    assert lines[0].url == f"{QUEUES}#queue-first_review"


def test_a_union_administrator_is_not_sent_to_a_queue(client, tree):
    client.force_login(tree.yubei_admin)
    assert client.get("/console/").status_code == 200


def test_the_queue_shows_waiting_days_and_sorts_the_longest_waiting_first(
    client, staff, two_submitted
):
    recent, older = two_submitted
    client.force_login(staff.officer)
    response = client.get(QUEUES)
    page = response.content.decode()
    assert "Waiting at this step (working days)" in page and "Due" in page
    section = next(s for s in response.context["sections"] if s["name"] == "first_review")
    assert [(r["number"], r["waiting"]) for r in section["rows"]] == [
        (older.number, 8),
        (recent.number, 2),
    ]
    assert "All my to-dos" in page


def test_publicity_over_is_overdue_on_the_start_page_and_its_due_day_shows(
    client, tree, staff, funded
):
    application = staff_application(staff, tree.grassroots, make_person(tree.grassroots, 3))
    application = advance(staff, application, S.PUBLICITY)
    ended = workdays.add_working_days(timezone.localdate(), -2)
    Application.objects.filter(pk=application.pk).update(
        publicity_start=ended - timedelta(days=7), publicity_end=ended
    )
    client.force_login(staff.reviewer)
    queue = client.get(QUEUES)
    section = next(s for s in queue.context["sections"] if s["name"] == "publicity")
    assert section["rows"][0]["due"] == ended
    assert ended.isoformat() in queue.content.decode()
    home = client.get("/console/?home=1")
    over = [t for t in home.context["todos"] if "Publicity over" in str(t.label)]
    assert [(t.count, t.level, t.oldest_days) for t in over] == [(1, "overdue", 2)]


def test_the_case_page_shows_where_the_case_is_among_its_steps(client, tree, staff, funded):
    application = staff_application(staff, tree.grassroots, make_person(tree.grassroots, 4))
    application = advance(staff, application, S.HOME_VISIT)
    client.force_login(staff.officer)
    url = reverse("console:assistance_application_change", args=[application.pk])
    response = client.get(url)
    page = response.content.decode()
    marks = response.context["step_marks"]
    assert [m.status for m in marks][:4] == ["done", "done", "current", "todo"]
    assert [str(m.label) for m in marks][-2:] == ["Approved, being paid", "Completed"]
    current = page.split('aria-current="step"')[1].split("</li>")[0]
    assert "Awaiting home visit" in current

    returned = actions.return_application(
        actor=staff.officer, application=application, reason="缺少证明材料"
    )
    response = client.get(url)
    assert response.context["off_path"] == "Returned for correction"
    statuses = [m.status for m in response.context["step_marks"]]
    assert "current" not in statuses and statuses[:3] == ["done", "done", "done"]
    assert returned.state == S.RETURNED


@pytest.mark.chinese
def test_the_queue_and_the_step_indicator_read_in_chinese(client, tree, staff, funded):
    application = staff_application(staff, tree.grassroots, make_person(tree.grassroots, 5))
    application = advance(staff, application, S.HOME_VISIT)
    client.force_login(staff.officer)
    queue = client.get(QUEUES).content.decode()
    assert "本环节已等待（工作日）" in queue and "我的全部待办" in queue
    url = reverse("console:assistance_application_change", args=[application.pk])
    page = client.get(url).content.decode()
    assert 'aria-label="办理进度"' in page
