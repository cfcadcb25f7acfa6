"""The join review clock (15 working days) on the holiday calendar: due dates across 春节
2026, the overdue list, the queue's display, and the nightly escalation (督办)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.models import JoinRequest
from gonghui.members.search import overdue_join_requests, submitted_before_for_age
from gonghui.members.tests.test_search import join_request
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.calendar.models import CalendarYear, DeadlineEvent

pytestmark = pytest.mark.django_db

QUEUE = "console:members_joinrequest_changelist"


def submitted(request, day: date, hour: int = 10):
    request.submitted_at = timezone.make_aware(datetime.combine(day, time(hour)))
    request.save(update_fields=["submitted_at"])
    return request


def test_a_join_submitted_before_spring_festival_is_due_after_the_holiday(tree):
    request = submitted(join_request(tree), date(2026, 2, 12), hour=23)
    assert actions.review_due(request) == date(2026, 3, 11)
    assert not actions.is_overdue(request, today=date(2026, 3, 6))  # Mon–Fri said overdue
    assert not actions.is_overdue(request, today=date(2026, 3, 11))
    assert actions.is_overdue(request, today=date(2026, 3, 12))
    # Decided applications are never overdue.
    actions.reject_join_request(actor=tree.yubei_admin, request=request, reason="资料不全")
    request.refresh_from_db()
    assert not actions.is_overdue(request, today=date(2026, 3, 12))


def test_the_length_comes_from_settings(tree, settings):
    request = submitted(join_request(tree), date(2026, 9, 29))
    settings.GONGHUI_JOIN_REVIEW_WORKING_DAYS = 5
    assert actions.review_due(request) == date(2026, 10, 12)  # 国庆 and the 10-10 Saturday


def test_the_overdue_list_agrees_with_each_application(tree):
    """One cutoff from the calendar, one indexed filter: the same answer as ``is_overdue``
    for submissions on every day from January to April 2026, at several todays."""
    requests = []
    for k in range(0, 100, 2):
        requests.append(submitted(join_request(tree, k + 1), date(2026, 1, 10) + timedelta(k)))
    with workdays.pinned():
        for today in (date(2026, 2, 13), date(2026, 3, 11), date(2026, 3, 12), date(2026, 4, 20)):
            listed = set(overdue_join_requests(JoinRequest.objects.all(), today=today))
            expected = {r for r in requests if actions.is_overdue(r, today=today)}
            assert listed == expected, today
            assert expected or today == date(2026, 2, 13)


def test_the_age_filter_counts_holidays_out(tree):
    # Monday 2026-02-23 is still 春节: on Wednesday 02-25 an application of Friday 02-13 has
    # waited 02-14 (worked Saturday), 02-24 and 02-25: three working days, not five.
    old = submitted(join_request(tree, 1), date(2026, 2, 13))
    assert actions.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3
    cutoff = submitted_before_for_age(2, today=date(2026, 2, 25))
    assert old.submitted_at < cutoff
    cutoff = submitted_before_for_age(3, today=date(2026, 2, 25))
    assert old.submitted_at >= cutoff


def test_the_queue_shows_the_due_date_and_its_state(client, tree):
    today = timezone.localdate()
    overdue = submitted(join_request(tree, 1), workdays.add_working_days(today, -20))
    soon = submitted(join_request(tree, 2), workdays.add_working_days(today, -14))
    client.force_login(tree.yubei_admin)
    html = client.get(reverse(QUEUE)).content.decode()
    assert actions.review_due(overdue).isoformat() in html
    assert "Overdue" in html and "Due soon" in html
    assert actions.is_overdue(overdue) and not actions.is_overdue(soon)
    response = client.get(reverse(QUEUE), {"age": "overdue"})
    assert list(response.context["cl"].result_list) == [overdue]


def test_the_queue_says_when_the_calendar_lacks_a_year(client, tree):
    join_request(tree, 1)
    this_year = CalendarYear.objects.get(year=timezone.localdate().year)
    this_year.complete = False
    this_year.save()
    client.force_login(tree.yubei_admin)
    response = client.get(reverse(QUEUE))
    assert response.status_code == 200
    assert f"The holiday calendar for {this_year.year} is not entered" in response.content.decode()


def test_nightly_run_warns_then_escalates_to_the_parent_union_once(tree):
    request = submitted(join_request(tree), date(2026, 2, 12))
    content_type = ContentType.objects.get_for_model(JoinRequest)

    def events():
        return list(
            DeadlineEvent.objects.filter(content_type=content_type, object_id=request.pk)
            .order_by("kind")
            .values_list("kind", "org_id", "escalated_to_id", "due_on", "started_on")
        )

    evaluate_deadlines(today=date(2026, 3, 5))  # 11 working days: on time
    assert events() == []
    evaluate_deadlines(today=date(2026, 3, 6))  # 12 working days: due within 3
    evaluate_deadlines(today=date(2026, 3, 9))
    assert events() == [
        ("warned", tree.grassroots.pk, None, date(2026, 3, 11), date(2026, 2, 12)),
    ]
    results = evaluate_deadlines(today=date(2026, 3, 12))
    (join,) = [r for r in results if r.rule == "members.join_review"]
    assert join.new == {"overdue": 1, "escalated": 1}
    # 督办 goes to the union above the grassroots union: 回兴街道总工会.
    assert type(tree.grassroots).objects.get_parent(tree.grassroots) == tree.township
    assert events() == [
        ("escalated", tree.grassroots.pk, tree.township.pk, date(2026, 3, 11), date(2026, 2, 12)),
        ("overdue", tree.grassroots.pk, None, date(2026, 3, 11), date(2026, 2, 12)),
        ("warned", tree.grassroots.pk, None, date(2026, 3, 11), date(2026, 2, 12)),
    ]
    audits = AuditEvent.objects.filter(action="calendar.evaluate_deadlines").count()
    # The second night (and a second run the same night) writes nothing new.
    results = evaluate_deadlines(today=date(2026, 3, 12))
    evaluate_deadlines(today=date(2026, 3, 13))
    (join,) = [r for r in results if r.rule == "members.join_review"]
    assert join.found == {"overdue": 1, "escalated": 1} and not join.new
    assert len(events()) == 3
    assert AuditEvent.objects.filter(action="calendar.evaluate_deadlines").count() == audits


def test_the_command_is_idempotent(tree, capsys):
    submitted(join_request(tree, 1), date(2026, 2, 12))
    submitted(join_request(tree, 2, org=tree.jb_grassroots), date(2026, 1, 5))
    call_command("evaluate_deadlines", "--today", "2026-03-12")
    first = capsys.readouterr().out
    assert "members.join_review: 2 open; escalated 2, overdue 2" in first
    assert "new events: escalated 2, overdue 2" in first
    count = DeadlineEvent.objects.count()
    call_command("evaluate_deadlines", "--today", "2026-03-12")
    assert "new events: none" in capsys.readouterr().out
    assert DeadlineEvent.objects.count() == count == 4
    parents = set(
        DeadlineEvent.objects.filter(kind="escalated").values_list("escalated_to", flat=True)
    )
    assert parents == {tree.township.pk, tree.jiangbei.pk}


@pytest.mark.calendar_as_loaded
def test_the_command_names_a_missing_year(tree):
    from django.core.management.base import CommandError

    submitted(join_request(tree, 1), date(2026, 12, 1))
    with pytest.raises(CommandError, match="holiday calendar for 2027 is not entered"):
        call_command("evaluate_deadlines", "--today", "2027-01-05")


@pytest.mark.calendar_as_loaded
def test_the_api_shows_an_application_whose_clock_needs_a_missing_year(client, tree):
    """The current year's notice is not entered (as on 2 January before anyone typed it in):
    the application is still listed, with the reason instead of a guessed clock, and the
    overdue filter says which year is missing (409), never a server error."""
    this_year = timezone.localdate().year
    CalendarYear.objects.filter(year__gte=this_year - 1).update(
        complete=False, updated_at=timezone.now()
    )
    request = submitted(join_request(tree), timezone.localdate() - timedelta(days=3))
    client.force_login(tree.yubei_admin)
    row = client.get(f"/api/v1/join-requests/{request.pk}").json()
    assert row["overdue"] is None and row["working_days_waiting"] is None
    assert str(this_year) in row["deadline_note"] or str(this_year - 1) in row["deadline_note"]
    listed = client.get("/api/v1/join-requests/").json()["items"]
    assert [r["id"] for r in listed] == [request.pk] and listed[0]["deadline_note"]
    response = client.get("/api/v1/join-requests/", {"overdue": "true"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "calendar_year_missing"
    assert "holiday calendar" in response.json()["error"]["message"]
