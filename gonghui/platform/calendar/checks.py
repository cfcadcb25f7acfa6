"""System checks of the holiday calendar and the deadline rules.

``calendar.E001`` (``check --deploy``) and ``calendar.W002`` (every database check, so also
``migrate``): the current year's holiday notice is not entered: working-day deadlines cannot be
computed (every one raises CalendarYearMissing, and each page says so where the date would be).
It stops a deploy check, not ``migrate`` or the running platform: on 2 January an unentered
notice must not keep the unions from working, only from seeing deadlines. ``calendar.W001``:
from 1 December, next year's notice is not entered yet (deadlines running into January fail).
``calendar.E002``: a registered deadline rule reads its length from a setting that is missing
or not a positive integer.

The year checks query the database, so, by Django's rule, they are tagged ``database``: they
run in ``migrate`` (every deploy) and in ``check --database default`` (docs/operations.md);
the console shows the system administrator the same warning on every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone

HINT = (
    "Enter the State Council's holiday notice for {year} in the console (System > Holiday "
    "calendar) and tick 'all dates entered', or upgrade chinesecalendar and run "
    "'manage.py load_holidays'."
)


@dataclass(frozen=True)
class CalendarProblem:
    year: int
    level: str  # "error" (the current year) / "warning" (next year, from 1 December)


def calendar_problems(today: date | None = None) -> list[CalendarProblem]:
    """What is missing from the calendar as of ``today``."""
    from gonghui.platform.calendar.workdays import complete_years

    today = today or timezone.localdate()
    years = complete_years()
    problems = []
    if today.year not in years:
        problems.append(CalendarProblem(today.year, "error"))
    if today.month == 12 and today.year + 1 not in years:
        problems.append(CalendarProblem(today.year + 1, "warning"))
    return problems


def _problems(databases) -> list[CalendarProblem]:
    if not databases:
        return []
    try:
        return calendar_problems()
    except DatabaseError:
        return []  # not migrated yet: migrate seeds the calendar


@register(Tags.database, deploy=True)
def check_calendar_for_deploy(app_configs=None, databases=None, **kwargs):
    return [
        Error(
            f"The holiday calendar has no complete year {problem.year}: working-day "
            "deadlines cannot be computed.",
            hint=HINT.format(year=problem.year),
            id="calendar.E001",
        )
        for problem in _problems(databases)
        if problem.level == "error"
    ]


@register(Tags.database)
def check_calendar_years(app_configs=None, databases=None, **kwargs):
    messages = []
    for problem in _problems(databases):
        if problem.level == "error":
            messages.append(
                Warning(
                    f"The holiday calendar has no complete year {problem.year}: working-day "
                    "deadlines cannot be computed until it is entered.",
                    hint=HINT.format(year=problem.year),
                    id="calendar.W002",
                )
            )
        else:
            messages.append(
                Warning(
                    f"The holiday calendar has no complete year {problem.year}: deadlines "
                    f"running into {problem.year} cannot be computed.",
                    hint=HINT.format(year=problem.year),
                    id="calendar.W001",
                )
            )
    return messages


@register()
def check_deadline_settings(app_configs=None, **kwargs):
    from gonghui.platform.calendar.deadlines import rules

    errors = []
    for rule in rules():
        if not isinstance(rule.length, str):
            continue
        value = getattr(settings, rule.length, None)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(
                Error(
                    f"Deadline {rule.name} reads its length from settings.{rule.length}, "
                    f"which is {value!r}: it must be a positive whole number of days.",
                    id="calendar.E002",
                )
            )
    return errors
