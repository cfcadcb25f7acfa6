"""Publicity (公示) runs 5 working days on the holiday calendar: across 国庆 2026 it ends on
the right day; a year the calendar lacks stops verification with a message naming it; the
nightly run flags a publicity that has ended without the case moving on."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import Application
from gonghui.assistance.testing import advance, make_person, staff_application
from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.calendar.models import CalendarYear, DeadlineEvent
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def verifying(tree, staff, funded):
    person = make_person(tree.grassroots, 1)
    return advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)


def verify(staff, application, today):
    return actions.verify(
        actor=staff.reviewer,
        application=application,
        civil_affairs_result="eligible",
        checked_on=today - timedelta(days=1),
        tier="relative",
        level="city",
        opinion="核实无误",
        today=today,
    )


def test_publicity_from_29_september_2026_ends_after_national_day(staff, verifying):
    app = verify(staff, verifying, date(2026, 9, 29))
    # 09-30, then 国庆 10-01..07 off, 10-08, 10-09, Saturday 10-10 (worked), Monday 10-12.
    assert (app.publicity_start, app.publicity_end) == (date(2026, 9, 29), date(2026, 10, 12))
    with pytest.raises(ActionError) as exc:
        actions.end_publicity(actor=staff.reviewer, application=app, today=date(2026, 10, 12))
    assert exc.value.code == "publicity_running"
    assert "2026-10-12" in exc.value.messages[0]
    app = actions.end_publicity(actor=staff.reviewer, application=app, today=date(2026, 10, 13))
    assert app.state == S.APPROVAL


def test_publicity_across_spring_festival_2026(staff, verifying, settings):
    settings.GONGHUI_ASSISTANCE_PUBLICITY_WORKING_DAYS = 5
    app = verify(staff, verifying, date(2026, 2, 12))
    # 02-13, Saturday 02-14 (worked), 春节 02-15..23, 02-24, 02-25, 02-26.
    assert app.publicity_end == date(2026, 2, 26)


@pytest.mark.calendar_as_loaded
def test_verification_says_which_calendar_year_is_missing(staff, verifying):
    with pytest.raises(ActionError) as exc:
        verify(staff, verifying, date(2026, 12, 29))  # 5 working days run into 2027
    assert exc.value.code == "calendar_year_missing"
    assert "2027" in exc.value.messages[0]
    verifying.refresh_from_db()
    assert verifying.state == S.VERIFICATION and verifying.publicity_end is None


def test_nightly_run_flags_a_publicity_that_has_ended(staff, verifying, tree):
    app = verify(staff, verifying, date(2026, 9, 29))
    content_type = ContentType.objects.get_for_model(Application)
    evaluate_deadlines(today=date(2026, 10, 12))  # the last day: nothing to say
    assert not DeadlineEvent.objects.filter(content_type=content_type).exists()
    evaluate_deadlines(today=date(2026, 10, 13))
    evaluate_deadlines(today=date(2026, 10, 14))
    events = DeadlineEvent.objects.filter(content_type=content_type, object_id=app.pk)
    # Flagged once, not escalated: the centre itself ends the publicity.
    assert list(events.values_list("rule", "kind", "due_on", "org_id")) == [
        ("assistance.publicity", "overdue", date(2026, 10, 12), tree.grassroots.pk)
    ]


def test_the_publicity_queue_marks_an_ended_publicity(client, staff, verifying):
    app = verify(staff, verifying, date(2026, 9, 29))
    client.force_login(staff.reviewer)
    html = client.get(reverse("console-assistance-queues")).content.decode()
    assert "2026-10-12" in html and "Publicity over: end it" in html
    Application.objects.filter(pk=app.pk).update(publicity_end=date(2099, 1, 1))
    html = client.get(reverse("console-assistance-queues")).content.decode()
    assert "Publicity over: end it" not in html


def test_a_year_marked_incomplete_is_not_used(staff, verifying):
    year = CalendarYear.objects.get(year=2026)
    year.complete = False
    year.save()
    with pytest.raises(ActionError) as exc:
        verify(staff, verifying, date(2026, 9, 29))
    assert "2026" in exc.value.messages[0]
