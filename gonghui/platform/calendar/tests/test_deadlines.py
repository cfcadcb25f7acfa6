"""DeadlineRule: due dates, status, and the cutoffs lists filter by, for both kinds of days."""

from datetime import date, timedelta

import pytest

from gonghui.platform.calendar import deadlines, workdays
from gonghui.platform.calendar.deadlines import (
    DeadlineKind,
    DeadlineRule,
    DeadlineStatus,
    OnOverdue,
)

pytestmark = [pytest.mark.django_db, pytest.mark.calendar_as_loaded]

WORKING = DeadlineRule(
    name="test.working",
    label="test",
    length=15,
    kind=DeadlineKind.WORKING_DAYS,
    legal_basis="test",
    warn_before=3,
)
CALENDAR = DeadlineRule(
    name="test.calendar",
    label="test",
    length=10,
    kind=DeadlineKind.CALENDAR_DAYS,
    legal_basis="test",
    warn_before=2,
)


def test_due_dates_of_both_kinds():
    assert WORKING.due(date(2026, 2, 12)) == date(2026, 3, 11)
    assert CALENDAR.due(date(2026, 2, 12)) == date(2026, 2, 22)  # calendar days ignore 春节


def test_status_around_the_due_date():
    start = date(2026, 2, 12)  # due 2026-03-11 (Wednesday)
    assert WORKING.status(start, date(2026, 3, 5)) == DeadlineStatus.ON_TIME  # 11 elapsed
    assert WORKING.status(start, date(2026, 3, 6)) == DeadlineStatus.WARNING  # 12 elapsed
    assert WORKING.status(start, date(2026, 3, 11)) == DeadlineStatus.WARNING  # due today
    assert WORKING.status(start, date(2026, 3, 12)) == DeadlineStatus.OVERDUE
    # Mon–Fri counting would have called it overdue on 2026-03-06.
    assert not WORKING.is_overdue(start, date(2026, 3, 6))


def test_overdue_from_the_day_after_a_due_date_before_a_weekend():
    start = date(2026, 9, 29)
    rule = DeadlineRule("test.five", "t", 5, DeadlineKind.WORKING_DAYS, "t")
    due = rule.due(start)
    assert due == date(2026, 10, 12)
    friday_rule = DeadlineRule("test.four", "t", 3, DeadlineKind.WORKING_DAYS, "t")
    assert friday_rule.due(start) == date(2026, 10, 9)  # Friday; Saturday 10-10 is worked
    assert friday_rule.status(start, date(2026, 10, 9)) == DeadlineStatus.ON_TIME
    assert friday_rule.status(start, date(2026, 10, 10)) == DeadlineStatus.OVERDUE


@pytest.mark.parametrize("rule", [WORKING, CALENDAR], ids=["working", "calendar"])
def test_cutoffs_agree_with_status_for_every_start(rule):
    """What a list filters by (one date computed once) says what ``status`` says."""
    starts = [date(2026, 1, 20) + timedelta(days=k) for k in range(120)]
    with workdays.pinned():
        for today in (date(2026, 2, 27), date(2026, 3, 11), date(2026, 3, 14), date(2026, 5, 6)):
            overdue_before = rule.overdue_if_started_before(today)
            warning_before = rule.warning_if_started_before(today)
            for start in [s for s in starts if s <= today]:
                status = rule.status(start, today)
                assert (status == DeadlineStatus.OVERDUE) == (start < overdue_before), (
                    start,
                    today,
                )
                assert (status != DeadlineStatus.ON_TIME) == (start < warning_before), (
                    start,
                    today,
                )
                if status != DeadlineStatus.OVERDUE:
                    assert rule.due(start) >= today
                else:
                    assert rule.due(start) < today


def test_length_from_a_setting_is_read_on_use(settings):
    settings.GONGHUI_TEST_DAYS = 5
    rule = DeadlineRule("test.setting", "t", "GONGHUI_TEST_DAYS", DeadlineKind.WORKING_DAYS, "t")
    assert rule.due(date(2026, 9, 29)) == date(2026, 10, 12)
    settings.GONGHUI_TEST_DAYS = 1
    assert rule.due(date(2026, 9, 29)) == date(2026, 9, 30)


def test_status_needs_only_the_years_up_to_today():
    # Submitted 2026-12-20: due in January 2027 (no notice yet), but on 2026-12-28 the
    # status is known; the due date is not.
    start = date(2026, 12, 20)
    assert WORKING.status(start, date(2026, 12, 28)) == DeadlineStatus.ON_TIME
    with pytest.raises(workdays.CalendarYearMissing) as exc:
        WORKING.due(start)
    assert exc.value.year == 2027


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="remind"):
        DeadlineRule("test.r", "t", 3, DeadlineKind.WORKING_DAYS, "t", on_overdue=OnOverdue.REMIND)
    with pytest.raises(ValueError, match="kind"):
        DeadlineRule("test.k", "t", 3, "weeks", "t")


def test_registry_refuses_a_different_rule_under_a_taken_name():
    deadlines.register(WORKING)
    try:
        deadlines.register(WORKING)  # the same rule again (ready() twice) is fine
        other = DeadlineRule("test.working", "t", 3, DeadlineKind.WORKING_DAYS, "t")
        with pytest.raises(ValueError, match="already registered"):
            deadlines.register(other)
    finally:
        deadlines.unregister("test.working")


def test_the_apps_register_their_rules():
    names = {rule.name for rule in deadlines.rules()}
    assert {"members.join_review", "assistance.publicity"} <= names
    join = deadlines.get("members.join_review")
    assert join.kind == DeadlineKind.WORKING_DAYS and join.on_overdue == OnOverdue.ESCALATE
    assert join.days == 15 and "15 working days" in str(join.legal_basis)
    publicity = deadlines.get("assistance.publicity")
    assert publicity.days == 5 and publicity.on_overdue == OnOverdue.FLAG
