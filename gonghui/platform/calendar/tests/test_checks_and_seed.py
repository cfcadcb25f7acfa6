"""The system checks of the calendar, and load_holidays (the seed from chinesecalendar)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.calendar import checks, seed
from gonghui.platform.calendar.models import CalendarYear, DayKind, HolidayDate

pytestmark = [pytest.mark.django_db, pytest.mark.calendar_as_loaded]


def _ids(messages):
    return [m.id for m in messages]


def test_next_year_missing_is_a_warning_from_december(monkeypatch):
    assert checks.calendar_problems(date(2026, 11, 30)) == []
    problems = checks.calendar_problems(date(2026, 12, 1))
    assert problems == [checks.CalendarProblem(2027, "warning")]
    monkeypatch.setattr(checks.timezone, "localdate", lambda: date(2026, 12, 7))
    (warning,) = checks.check_calendar_years(databases=["default"])
    assert warning.id == "calendar.W001" and "2027" in warning.msg
    assert "load_holidays" in warning.hint


def test_the_current_year_missing_stops_a_deploy_check_but_not_migrate(monkeypatch):
    monkeypatch.setattr(checks.timezone, "localdate", lambda: date(2027, 1, 4))
    messages = checks.check_calendar_years(databases=["default"])
    assert _ids(messages) == ["calendar.W002"] and "2027" in messages[0].msg
    deploy = checks.check_calendar_for_deploy(databases=["default"])
    assert _ids(deploy) == ["calendar.E001"] and "2027" in deploy[0].msg
    from django.core.checks.registry import registry

    assert checks.check_calendar_for_deploy in registry.deployment_checks
    # Once 2027 is entered and complete, the error goes.
    year = CalendarYear.objects.create(year=2027, complete=True, source="test")
    HolidayDate.objects.create(
        calendar_year=year, date=date(2027, 1, 1), kind=DayKind.DAY_OFF, festival="new_years_day"
    )
    assert checks.check_calendar_years(databases=["default"]) == []
    assert checks.check_calendar_for_deploy(databases=["default"]) == []


def test_the_year_check_is_a_database_check():
    assert "database" in checks.check_calendar_years.tags
    assert checks.check_calendar_years(databases=None) == []


def test_a_deadline_length_setting_must_be_a_positive_number(settings):
    assert checks.check_deadline_settings() == []
    settings.GONGHUI_JOIN_REVIEW_WORKING_DAYS = 0
    (error,) = checks.check_deadline_settings()
    assert error.id == "calendar.E002" and "GONGHUI_JOIN_REVIEW_WORKING_DAYS" in error.msg


def test_load_holidays_keeps_entered_years_and_replace_restores_them():
    year = CalendarYear.objects.get(year=2026)
    HolidayDate.objects.filter(date=date(2026, 2, 14)).delete()
    year.notice = "改过"
    year.save()
    call_command("load_holidays", verbosity=0)
    assert not HolidayDate.objects.filter(date=date(2026, 2, 14)).exists()  # kept as edited
    call_command("load_holidays", "--year", "2026", "--replace", verbosity=0)
    restored = HolidayDate.objects.get(date=date(2026, 2, 14))
    assert restored.kind == DayKind.WORKING_DAY and restored.calendar_year.year == 2026
    assert CalendarYear.objects.get(year=2026).notice.startswith("国务院办公厅关于2026年")
    assert AuditEvent.objects.filter(action="calendar.load_holidays").count() == 1
    assert HolidayDate.objects.filter(calendar_year__year=2026).count() == len(
        [d for d in seed.package_days() if d.notice_year == 2026]
    )


def test_load_holidays_says_when_the_package_lacks_a_year():
    with pytest.raises(CommandError, match="no data for 2027"):
        call_command("load_holidays", "--year", "2027", verbosity=0)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_an_emptied_calendar_is_refilled_after_migrate():
    HolidayDate.objects.all().delete()
    CalendarYear.objects.all().delete()
    seed.seed_empty_calendar(using="default")
    assert CalendarYear.objects.filter(complete=True).count() == len(seed.package_years())
    assert HolidayDate.objects.filter(date=date(2026, 2, 28), kind=DayKind.WORKING_DAY).exists()
    # A calendar with any year is never touched there.
    HolidayDate.objects.filter(date=date(2026, 2, 28)).delete()
    seed.seed_empty_calendar(using="default")
    assert not HolidayDate.objects.filter(date=date(2026, 2, 28)).exists()
