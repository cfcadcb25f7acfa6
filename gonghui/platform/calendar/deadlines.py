"""Deadlines: one declaration per statutory or service clock, registered by its app.

A :class:`DeadlineRule` says how long a step may take (calendar days or working days), why
(the legal basis, shown to staff), how early to warn, and what happens once it is overdue:
the record is flagged, escalated for supervision (督办) to the parent union, or the app's
reminder runs. Apps declare rules in code and register them from ``AppConfig.ready()``
together with a callable that yields their open records (:class:`OpenItem`); the nightly
``evaluate_deadlines`` command records what it finds (``DeadlineEvent``).

Day counting: the start day is not counted. A rule of ``n`` working days started on
``start`` is due on the ``n``-th working day after ``start`` and overdue from the day after
the due date. ``status`` needs only the calendar up to ``today``; ``due`` needs the year the
due date falls in (a December start can need next year's notice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.calendar import workdays

ONE_DAY = workdays.ONE_DAY


class DeadlineKind(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")


class OnOverdue(models.TextChoices):
    FLAG = "flag", _("Flag the record")
    ESCALATE = "escalate", _("Escalate to the parent union for supervision (督办)")
    REMIND = "remind", _("Send a reminder")


class DeadlineStatus(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    WARNING = "warning", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


@dataclass(frozen=True)
class OpenItem:
    """A record whose clock is running: the record, the day its clock started, its union."""

    obj: object
    start: date
    org: object


@dataclass(frozen=True)
class DeadlineRule:
    """One clock. ``length`` is a number, or the name of the setting that holds it (read on
    every use, so an override in settings or the environment applies at once)."""

    name: str
    label: str
    length: int | str
    kind: str
    legal_basis: str
    warn_before: int = 0
    on_overdue: str = OnOverdue.FLAG
    # open_items(started_before: date) -> records whose clock started before that day
    open_items: Callable[[date], Iterable[OpenItem]] | None = None
    # remind(item, event): called once, after commit, when the record is first overdue
    remind: Callable | None = None

    def __post_init__(self):
        if self.kind not in DeadlineKind.values:
            raise ValueError(f"deadline {self.name}: unknown kind {self.kind!r}")
        if self.on_overdue not in OnOverdue.values:
            raise ValueError(f"deadline {self.name}: unknown on_overdue {self.on_overdue!r}")
        if self.on_overdue == OnOverdue.REMIND and self.remind is None:
            raise ValueError(f"deadline {self.name}: on_overdue=remind needs a remind callable")

    # --- the numbers -------------------------------------------------------------------------

    @property
    def days(self) -> int:
        if isinstance(self.length, str):
            return int(getattr(settings, self.length))
        return int(self.length)

    @property
    def working(self) -> bool:
        return self.kind == DeadlineKind.WORKING_DAYS

    def describe(self) -> str:
        unit = DeadlineKind(self.kind).label
        return f"{self.days} {unit}"

    def _elapsed(self, start: date, upto: date) -> int:
        """Days of the rule's kind after ``start`` up to and including ``upto``."""
        if self.working:
            return workdays.working_days_between(start, upto)
        return max((upto - start).days, 0)

    def _started_before(self, upto: date, n: int) -> date:
        """The day ``b`` such that a clock started before ``b`` has at least ``n`` days
        (of the rule's kind) elapsed by ``upto``; computed once, so lists filter by it."""
        if n <= 0:
            return upto + ONE_DAY
        if self.working:
            # the n-th working day counting back from ``upto`` inclusive
            return workdays.add_working_days(upto + ONE_DAY, -n)
        return upto - (n - 1) * ONE_DAY

    # --- the API apps call -------------------------------------------------------------------

    def due(self, start: date) -> date:
        """The last day of the period (raises CalendarYearMissing if its year is missing)."""
        if self.working:
            return workdays.add_working_days(start, self.days)
        return workdays.add_calendar_days(start, self.days)

    def status(self, start: date, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self._elapsed(start, today - ONE_DAY) >= self.days:
            return DeadlineStatus.OVERDUE
        if self.warn_before > 0 and self._elapsed(start, today) >= self.days - self.warn_before:
            return DeadlineStatus.WARNING
        return DeadlineStatus.ON_TIME

    def is_overdue(self, start: date, today: date | None = None) -> bool:
        return self.status(start, today) == DeadlineStatus.OVERDUE

    def overdue_if_started_before(self, today: date | None = None) -> date:
        """Clocks started before this day are overdue ``today``."""
        today = today or timezone.localdate()
        return self._started_before(today - ONE_DAY, self.days)

    def warning_if_started_before(self, today: date | None = None) -> date:
        """Clocks started before this day are due soon or overdue ``today``."""
        today = today or timezone.localdate()
        if self.warn_before <= 0:
            return self.overdue_if_started_before(today)
        return self._started_before(today, self.days - self.warn_before)

    def elapsed(self, start: date, today: date | None = None) -> int:
        """Days of the rule's kind since ``start`` (the start day not counted)."""
        return self._elapsed(start, today or timezone.localdate())


def start_of_day(day: date) -> datetime:
    """Midnight at the beginning of ``day`` in the project's time zone: the bound for
    filtering a timestamp column by a start date (``submitted_at < start_of_day(b)``)."""
    return timezone.make_aware(datetime.combine(day, time.min))


# --- the registry ------------------------------------------------------------------------------

_RULES: dict[str, DeadlineRule] = {}


def register(rule: DeadlineRule) -> DeadlineRule:
    """Register ``rule`` (from ``AppConfig.ready()``); registering the same rule again is a
    no-op, a different rule under a taken name an error."""
    existing = _RULES.get(rule.name)
    if existing is not None and existing != rule:
        raise ValueError(f"deadline {rule.name} is already registered differently")
    _RULES[rule.name] = rule
    return rule


def get(name: str) -> DeadlineRule:
    return _RULES[name]


def rules() -> list[DeadlineRule]:
    return [_RULES[name] for name in sorted(_RULES)]


def unregister(name: str) -> None:
    """For tests that register a rule of their own."""
    _RULES.pop(name, None)
