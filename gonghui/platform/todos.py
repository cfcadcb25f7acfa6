"""To-do sources: what waits for the signed-in person, counted live for the console start page.

Each app registers its sources from ``AppConfig.ready()`` (the platform imports no app): a
:class:`TodoSource` names the permissions that make it relevant and a function
``collect(user, today)`` that returns :class:`Todo` rows - a label, a count, the oldest
waiting days, and the link to the filtered list where the work is done. A source reads through
``restrict`` and asks the database for counts and one ``min()`` (:func:`count_and_oldest`),
never for the rows: the start page of a city administrator counts a city of a million members.

Apps whose staff work from one queue register a landing page (:func:`register_landing`): the
console's index sends them there instead of the start page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min, Q
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import user_permissions
from gonghui.platform.calendar.workdays import CalendarYearMissing

OVERDUE = "overdue"
DUE_SOON = "due_soon"
WAITING = "waiting"
# Most urgent first on the start page.
LEVEL_ORDER = {OVERDUE: 0, DUE_SOON: 1, WAITING: 2}
LEVEL_LABELS = {OVERDUE: _("Overdue"), DUE_SOON: _("Due soon"), WAITING: _("Waiting")}


@dataclass(frozen=True)
class Todo:
    """One line of the start page: ``count`` things of one kind wait, the oldest for
    ``oldest_days`` days (working days when ``working``); ``url`` lists exactly them.

    ``days_overdue`` replaces the waiting days where the clock is a fixed end date (a term of
    office); ``due`` is the earliest due day of what is due soon."""

    label: str
    count: int
    url: str
    level: str = WAITING
    group: str = ""
    oldest_days: int | None = None
    working: bool = True
    days_overdue: int | None = None
    due: date | None = None
    problem: str = ""  # the calendar cannot answer (a year missing): said, not guessed

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def sort_key(self) -> tuple:
        return (
            LEVEL_ORDER.get(self.level, 9),
            -(self.days_overdue or 0),
            -(self.oldest_days or 0),
            str(self.group),
            str(self.label),
        )


@dataclass(frozen=True)
class TodoSource:
    """A kind of work an app counts for a user: skipped (no query at all) unless the user
    holds one of ``permissions`` (an empty tuple: ``collect`` checks for itself)."""

    name: str
    label: str
    permissions: tuple[str, ...]
    collect: Callable[[object, date], Iterable[Todo]]


_sources: dict[str, TodoSource] = {}
_landings: list[Callable[[object], str | None]] = []


def register_todo_source(source: TodoSource) -> TodoSource:
    """Register ``source`` (from ``AppConfig.ready()``); the same source again is a no-op."""
    existing = _sources.get(source.name)
    if existing is not None and existing != source:
        raise ValueError(f"to-do source {source.name} is already registered differently")
    _sources[source.name] = source
    return source


def sources() -> list[TodoSource]:
    return [_sources[name] for name in sorted(_sources)]


def unregister_todo_source(name: str) -> None:
    """For tests that register a source of their own."""
    _sources.pop(name, None)


def todos_for(user, today: date) -> list[Todo]:
    """The user's to-dos with something waiting, most urgent first."""
    held = user_permissions(user)
    found: list[Todo] = []
    for source in sources():
        if source.permissions and not held.intersection(source.permissions):
            continue
        try:
            found.extend(t for t in source.collect(user, today) if t.count or t.problem)
        except CalendarYearMissing as exc:
            found.append(Todo(label=source.label, count=0, url="", problem=str(exc.message)))
    return sorted(found, key=lambda t: t.sort_key)


def count_and_oldest(qs, since, **counts: Q) -> dict:
    """One aggregate query: ``n`` (all rows of ``qs``), ``oldest`` (the minimum of ``since``,
    a field name or an expression) and, for each keyword, the count and the oldest of the rows
    matching that filter (``<name>`` and ``<name>_oldest``)."""
    if isinstance(since, str):
        from django.db.models import F

        since = F(since)
    aggregates = {"n": Count("pk"), "oldest": Min(since)}
    for name, q in counts.items():
        aggregates[name] = Count("pk", filter=q)
        aggregates[f"{name}_oldest"] = Min(since, filter=q)
    return qs.order_by().aggregate(**aggregates)


# --- landing pages -----------------------------------------------------------------------------


def register_landing(landing: Callable[[object], str | None]) -> None:
    """``landing(user)`` returns the URL where ``user`` starts work (their queue), or None.
    The first answer wins; registered from ``AppConfig.ready()``."""
    if landing not in _landings:
        _landings.append(landing)


def landing_url(user) -> str | None:
    for landing in _landings:
        url = landing(user)
        if url:
            return url
    return None
