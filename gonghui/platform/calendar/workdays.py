"""Working-day arithmetic on the holiday calendar (``models.HolidayDate``).

A day is a working day when it is Monday–Friday and not a holiday, or a Saturday/Sunday
entered as a make-up working day (调休). Every function needs the years it touches to be
complete in the table; a year that is not raises :class:`CalendarYearMissing`, never a
Monday–Friday guess.

The table is small (about 25 rows a year) and read on many pages, so it is held in memory.
Whether the copy is current is checked against the database (row counts and the latest change
of both tables, one indexed query) once per request, and on every call outside a request
unless the caller runs inside :func:`pinned` (the nightly run, the demo loader). A change in
another process or a rolled-back transaction is therefore seen at the next request.
"""

from __future__ import annotations

import contextlib
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta

from asgiref.local import Local
from django.core.signals import request_finished, request_started
from django.db import connections, router
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

ONE_DAY = timedelta(days=1)


class CalendarYearMissing(Exception):  # noqa: N818 - the name says what is wrong
    """A computation needs a year whose State Council holiday notice is not (completely)
    entered in the holiday calendar."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(str(self.message))

    @property
    def message(self):
        return _(
            "The holiday calendar for %(year)s is not entered: working days in %(year)s are "
            "unknown. The system administrator enters the State Council's holiday notice for "
            "%(year)s under System › Holiday calendar (or runs manage.py load_holidays)."
        ) % {"year": self.year}


@dataclass
class Snapshot:
    """The calendar as read at one moment: complete years, and the exceptional dates."""

    complete_years: frozenset[int]
    days_off: frozenset[date]
    working_weekends: frozenset[date]
    fingerprint: tuple = ()
    # per complete year: the sorted ordinals of its working days (built on first use)
    _working: dict[int, list[int]] = field(default_factory=dict, repr=False)

    def require(self, year: int) -> None:
        if year not in self.complete_years:
            raise CalendarYearMissing(year)

    def is_working_day(self, day: date) -> bool:
        self.require(day.year)
        if day in self.working_weekends:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5

    def working_ordinals(self, year: int) -> list[int]:
        """The ordinals of the working days of ``year``, ascending."""
        found = self._working.get(year)
        if found is None:
            self.require(year)
            day, end, found = date(year, 1, 1), date(year, 12, 31), []
            while day <= end:
                if self.is_working_day(day):
                    found.append(day.toordinal())
                day += ONE_DAY
            self._working[year] = found
        return found

    def count_working(self, after: date, upto: date) -> int:
        """Working days ``d`` with ``after < d <= upto`` (0 when ``upto <= after``)."""
        if upto <= after:
            return 0
        total = 0
        first = after + ONE_DAY
        for year in range(first.year, upto.year + 1):
            ordinals = self.working_ordinals(year)
            lo = first.toordinal() if year == first.year else date(year, 1, 1).toordinal()
            hi = upto.toordinal() if year == upto.year else date(year, 12, 31).toordinal()
            total += bisect_left(ordinals, hi + 1) - bisect_left(ordinals, lo)
        return total

    def add_working(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (before it when ``n`` is negative);
        ``start`` itself for 0."""
        day, step, left = start, (ONE_DAY if n > 0 else -ONE_DAY), abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day


# --- the in-memory copy ------------------------------------------------------------------------

_state = Local()  # per thread / task: in_request, trusted
_cache: dict[str, Snapshot | None] = {"snapshot": None}


def _fingerprint() -> tuple:
    """Row counts and latest changes of both tables, in one query: any save, delete or
    rolled-back change of the calendar changes it (saves set ``updated_at``)."""
    from gonghui.platform.calendar.models import CalendarYear, HolidayDate

    connection = connections[router.db_for_read(CalendarYear)]
    years = connection.ops.quote_name(CalendarYear._meta.db_table)
    days = connection.ops.quote_name(HolidayDate._meta.db_table)
    # Table names from the models' meta, quoted; no user input reaches this string.
    part = "(SELECT COUNT(*) FROM {0}), (SELECT MAX(updated_at) FROM {0})"
    sql = "SELECT " + ", ".join(part.format(t) for t in (years, days))  # noqa: S608 # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _load(fingerprint: tuple) -> Snapshot:
    from gonghui.platform.calendar.models import CalendarYear, DayKind, HolidayDate

    complete = frozenset(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    off, on = set(), set()
    for day, kind in HolidayDate.objects.values_list("date", "kind"):
        (on if kind == DayKind.WORKING_DAY else off).add(day)
    return Snapshot(complete, frozenset(off), frozenset(on), fingerprint)


def snapshot() -> Snapshot:
    """The current calendar (see the module docstring for when the database is asked)."""
    cached = _cache["snapshot"]
    if cached is not None and getattr(_state, "trusted", False):
        return cached
    fingerprint = _fingerprint()
    if cached is None or cached.fingerprint != fingerprint:
        cached = _load(fingerprint)
        _cache["snapshot"] = cached
    if getattr(_state, "in_request", False) or getattr(_state, "pinned", 0):
        _state.trusted = True
    return cached


@contextlib.contextmanager
def pinned():
    """Read the calendar once for a batch of computations (a command, the demo loader)."""
    _state.pinned = getattr(_state, "pinned", 0) + 1
    try:
        yield
    finally:
        _state.pinned -= 1
        if not _state.pinned:
            _state.trusted = False


def forget() -> None:
    """Drop the in-memory copy (the next computation reads the table)."""
    _cache["snapshot"] = None
    _state.trusted = False


def _request_started(**kwargs):
    _state.in_request, _state.trusted = True, False


def _request_finished(**kwargs):
    _state.in_request, _state.trusted = False, False


def _calendar_changed(**kwargs):
    _state.trusted = False


def connect_signals() -> None:
    from gonghui.platform.calendar.models import CalendarYear, HolidayDate

    request_started.connect(_request_started, dispatch_uid="calendar.request_started")
    request_finished.connect(_request_finished, dispatch_uid="calendar.request_finished")
    for model in (CalendarYear, HolidayDate):
        for signal in (post_save, post_delete):
            signal.connect(
                _calendar_changed, sender=model, dispatch_uid=f"calendar.{model.__name__}.{signal}"
            )


# --- the arithmetic ----------------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    """Whether people work on ``day`` (Monday–Friday unless a holiday; 调休 weekends)."""
    return snapshot().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The deadline day of ``n`` working days from ``start``: the ``n``-th working day after
    ``start`` (``start`` itself is not counted). A negative ``n`` counts back."""
    return snapshot().add_working(start, n)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    return snapshot().count_working(start, end)


def add_calendar_days(start: date, n: int) -> date:
    return start + timedelta(days=n)


def require_years(*years: int) -> None:
    """Raise :class:`CalendarYearMissing` for the first of ``years`` not complete."""
    snap = snapshot()
    for year in sorted(set(years)):
        snap.require(year)


def complete_years() -> frozenset[int]:
    return snapshot().complete_years
