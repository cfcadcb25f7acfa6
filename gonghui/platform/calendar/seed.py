"""Filling the holiday calendar from the PyPI package ``chinesecalendar``.

The package carries every State Council holiday notice from 2004 to its release (1.11.0:
up to 2026) and is updated each year after the new notice (around November). Only the dates
that differ from the Monday–Friday rule are stored. A December date of "New Year's Day"
belongs to the next year's notice (2018-12-29 was a working Saturday of the 2019 notice).

Used by the data migration (with the historical models), by ``manage.py load_holidays`` and
after ``migrate``/``flush`` when the calendar is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version

# The package's English names -> Festival values (models.Festival)
FESTIVALS = {
    "New Year's Day": "new_years_day",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "tomb_sweeping_day",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat_festival",
    "Mid-autumn Festival": "mid_autumn_festival",
    "National Day": "national_day",
}
NOTES = {"Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"}


@dataclass(frozen=True)
class PackageDay:
    date: date
    notice_year: int
    kind: str  # "day_off" / "working_day"
    festival: str
    note: str


def package_label() -> str:
    try:
        return f"chinesecalendar {version('chinesecalendar')}"
    except PackageNotFoundError:  # pragma: no cover - it is a pinned dependency
        return "chinesecalendar"


def _notice_year(day: date, name: str) -> int:
    return day.year + 1 if day.month == 12 and name == "New Year's Day" else day.year


def package_days() -> list[PackageDay]:
    """Every date in the package that differs from Monday–Friday, with its notice year."""
    from chinese_calendar import constants

    days = []
    for day, name in constants.holidays.items():
        if day.weekday() < 5:
            days.append(_package_day(day, name, "day_off"))
    for day, name in constants.workdays.items():
        if day.weekday() >= 5:
            days.append(_package_day(day, name, "working_day"))
    return sorted(days, key=lambda d: d.date)


def _package_day(day: date, name: str, kind: str) -> PackageDay:
    name = str(getattr(name, "value", name))
    return PackageDay(
        date=day,
        notice_year=_notice_year(day, name),
        kind=kind,
        festival=FESTIVALS.get(name, "other"),
        note=NOTES.get(name, "" if name in FESTIVALS else name)[:100],
    )


def package_years() -> list[int]:
    """The notice years the package covers completely."""
    from chinese_calendar import constants

    last = max(day.year for day in constants.holidays)
    first = min(day.year for day in constants.holidays)
    return list(range(first, last + 1))


def load(CalendarYear, HolidayDate, *, years=None, replace=False, using="default") -> dict:
    """Write the package's years into the calendar. Years already in the table are left as
    they are (an administrator may have corrected them) unless ``replace``. Returns counts."""
    wanted = set(package_years() if years is None else years)
    covered = set(package_years())
    unknown = sorted(wanted - covered)
    present = set(
        CalendarYear.objects.using(using).filter(year__in=wanted).values_list("year", flat=True)
    )
    todo = sorted((wanted & covered) - (set() if replace else present))
    source = package_label()
    by_year: dict[int, list[PackageDay]] = {}
    for day in package_days():
        by_year.setdefault(day.notice_year, []).append(day)
    written = 0
    for year in todo:
        row, _created = CalendarYear.objects.using(using).update_or_create(
            year=year,
            defaults={
                "notice": f"国务院办公厅关于{year}年部分节假日安排的通知",
                "complete": True,
                "source": source,
            },
        )
        days = by_year.get(year, [])
        dates = [d.date for d in days]
        # Replacing: the year's other dates go, and its dates leave any other year.
        HolidayDate.objects.using(using).filter(calendar_year=row).delete()
        HolidayDate.objects.using(using).filter(date__in=dates).delete()
        HolidayDate.objects.using(using).bulk_create(
            [
                HolidayDate(
                    calendar_year=row,
                    date=d.date,
                    kind=d.kind,
                    festival=d.festival,
                    note=d.note,
                )
                for d in days
            ]
        )
        written += len(days)
    return {
        "years": todo,
        "skipped": sorted((wanted & covered) & present) if not replace else [],
        "unknown": unknown,
        "dates": written,
        "source": source,
    }


def seed_empty_calendar(sender=None, using="default", apps=None, **kwargs):
    """post_migrate: an empty calendar (a fresh or flushed database) gets the package's
    years; a calendar with any year in it is never touched here."""
    from django.db import DatabaseError

    from gonghui.platform.calendar import workdays

    registry = apps if apps is not None else _global_apps()
    try:
        CalendarYear = registry.get_model("calendar", "CalendarYear")
        HolidayDate = registry.get_model("calendar", "HolidayDate")
    except LookupError:
        return
    try:
        if CalendarYear.objects.using(using).exists():
            return
    except DatabaseError:  # pragma: no cover - not migrated yet
        return
    load(CalendarYear, HolidayDate, using=using)
    workdays.forget()


def _global_apps():
    from django.apps import apps

    return apps
