"""The clocks of a 12351 ticket, on the platform calendar (registered in ``RightsConfig.ready``).

Ordinary tickets run on the editable deadline table (``TicketDeadline``), in **working days**
per complexity class: 签收 from the dispatch, 办结 from the receipt (plus the table's 延期 days
once an extension is granted), 回访 from the resolution. The official counts were not found
(domain.md §2.3): the shipped rows are defaults with an empty source.

A ticket that is a 信访事项 follows the 信访工作条例 (2022) instead, in **calendar days** — the
statute says 日, not 工作日 (domain-scenarios.md C1 and the calendar note): routed and the
worker told within 15 days of receipt, finished within 60 days, 30 more with approval.

Each (step, class) is one registered ``DeadlineRule`` whose length is read from the table, so
the nightly run (``evaluate_deadlines``) warns before the due day and escalates an overdue
ticket for supervision (督办) to the union above the one handling it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.calendar.deadlines import (
    DeadlineKind,
    DeadlineRule,
    OnOverdue,
    OpenItem,
    register,
    start_of_day,
)
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.rights import defaults
from gonghui.rights.choices import Complexity, DeadlineStep, Extension, TicketState
from gonghui.rights.models import Ticket, TicketDeadline

S = TicketState
OPEN = (S.RECEIVED, S.CLASSIFIED, S.DISPATCHED, S.HANDLING)

# The defaults the data migration ships (working days, defaults.py), used when a row was
# deleted.
DEFAULT_DAYS = defaults.DEFAULT_DAYS
PETITION_ROUTE_DAYS = 15
PETITION_FINISH_DAYS = 60
PETITION_EXTENSION_DAYS = 30

_table: dict[tuple[str, str], int] | None = None


def table() -> dict[tuple[str, str], int]:
    """(complexity, step) -> days, read once and kept until the table changes."""
    global _table
    if _table is None:
        days = {(c, s): n for c, steps in DEFAULT_DAYS.items() for s, n in steps.items()}
        days.update(
            {(r.complexity, r.step): r.days for r in TicketDeadline.objects.all().only("days")}
        )
        _table = days
    return _table


def forget(**kwargs) -> None:
    global _table
    _table = None


post_save.connect(forget, sender=TicketDeadline, dispatch_uid="rights_deadlines_forget")
post_delete.connect(forget, sender=TicketDeadline, dispatch_uid="rights_deadlines_forget_del")


@dataclass(frozen=True)
class TableRule(DeadlineRule):
    """A rule whose length is the table's days for one class and step (plus the extension)."""

    complexity: str = ""
    step: str = ""
    extended: bool = False

    @property
    def days(self) -> int:
        if not self.complexity:
            return int(self.length)
        days = table()[(self.complexity, self.step)]
        if self.extended:
            days += table()[(self.complexity, DeadlineStep.EXTENSION)]
        return days


# rule name -> (the tickets whose clock it is, the field the clock starts from)
SPECS: dict[str, tuple[Q, str]] = {}
RULES: dict[str, DeadlineRule] = {}


def _open_items(name: str):
    def open_items(started_before: date):
        forget()  # the night reads the table as it is now
        q, field = SPECS[name]
        tickets = Ticket.objects.filter(q, **{f"{field}__lt": start_of_day(started_before)})
        for ticket in tickets.select_related("org").iterator(chunk_size=500):
            yield OpenItem(ticket, timezone.localdate(getattr(ticket, field)), ticket.org)

    return open_items


def _rule(name, label, basis, q, field, **kw) -> DeadlineRule:
    SPECS[name] = (q, field)
    rule_class = TableRule if "complexity" in kw else DeadlineRule
    rule = rule_class(
        name=name,
        label=label,
        legal_basis=basis,
        on_overdue=OnOverdue.ESCALATE,
        open_items=_open_items(name),
        **kw,
    )
    RULES[name] = rule
    return rule


TABLE_BASIS = _(
    "12351 ticket deadline table (签收, 办结, 回访 per complexity class); the official day "
    "counts were not found, so the defaults apply until a union enters its rule."
)
PETITION_BASIS = _(
    "信访工作条例 (2022): a petition matter is routed and the petitioner told within 15 days, "
    "finished within 60 days, or 30 more with approval (calendar days)."
)
ORDINARY = Q(is_petition=False)
NOT_EXTENDED = ~Q(extension=Extension.GRANTED)

for _c in Complexity.values:
    _of = Q(complexity=_c)
    _rule(
        f"rights.accept.{_c}",
        _("Ticket to be signed for"),
        TABLE_BASIS,
        _of & Q(state=S.DISPATCHED),
        "dispatched_at",
        length=0,
        kind=DeadlineKind.WORKING_DAYS,
        warn_before=0,
        complexity=_c,
        step=DeadlineStep.ACCEPT,
    )
    _rule(
        f"rights.finish.{_c}",
        _("Ticket to be finished"),
        TABLE_BASIS,
        _of & ORDINARY & NOT_EXTENDED & Q(state__in=OPEN),
        "received_at",
        length=0,
        kind=DeadlineKind.WORKING_DAYS,
        warn_before=2,
        complexity=_c,
        step=DeadlineStep.FINISH,
    )
    _rule(
        f"rights.finish_extended.{_c}",
        _("Ticket to be finished (extended)"),
        TABLE_BASIS,
        _of & ORDINARY & Q(extension=Extension.GRANTED, state__in=OPEN),
        "received_at",
        length=0,
        kind=DeadlineKind.WORKING_DAYS,
        warn_before=2,
        complexity=_c,
        step=DeadlineStep.FINISH,
        extended=True,
    )
    _rule(
        f"rights.visit.{_c}",
        _("Resolved ticket to be visited back"),
        TABLE_BASIS,
        _of & Q(state=S.RESOLVED),
        "resolved_at",
        length=0,
        kind=DeadlineKind.WORKING_DAYS,
        warn_before=0,
        complexity=_c,
        step=DeadlineStep.VISIT,
    )

_rule(
    "rights.petition_route",
    _("Petition matter to be routed"),
    PETITION_BASIS,
    Q(is_petition=True, state__in=(S.RECEIVED, S.CLASSIFIED)),
    "received_at",
    length=PETITION_ROUTE_DAYS,
    kind=DeadlineKind.CALENDAR_DAYS,
    warn_before=3,
)
_rule(
    "rights.petition_finish",
    _("Petition matter to be finished"),
    PETITION_BASIS,
    Q(is_petition=True, state__in=OPEN) & NOT_EXTENDED,
    "received_at",
    length=PETITION_FINISH_DAYS,
    kind=DeadlineKind.CALENDAR_DAYS,
    warn_before=7,
)
_rule(
    "rights.petition_finish_extended",
    _("Petition matter to be finished (extended)"),
    PETITION_BASIS,
    Q(is_petition=True, state__in=OPEN, extension=Extension.GRANTED),
    "received_at",
    length=PETITION_FINISH_DAYS + PETITION_EXTENSION_DAYS,
    kind=DeadlineKind.CALENDAR_DAYS,
    warn_before=7,
)


def register_rules() -> None:
    for rule in RULES.values():
        register(rule)


# --- one ticket's clock ------------------------------------------------------------------------


def rule_name(ticket: Ticket) -> tuple[str, str] | None:
    """The clock running for ``ticket`` now, the one its page and queue show: (rule, field)."""
    c, state = ticket.complexity, ticket.state
    extended = ticket.extension == Extension.GRANTED
    if state == S.RESOLVED:
        return f"rights.visit.{c}", "resolved_at"
    if state == S.DISPATCHED:
        return f"rights.accept.{c}", "dispatched_at"
    if state not in OPEN:
        return None
    if ticket.is_petition:
        if state in (S.RECEIVED, S.CLASSIFIED):
            return "rights.petition_route", "received_at"
        return (
            "rights.petition_finish_extended" if extended else "rights.petition_finish"
        ), "received_at"
    return (f"rights.finish_extended.{c}" if extended else f"rights.finish.{c}"), "received_at"


@dataclass(frozen=True)
class Clock:
    rule: DeadlineRule
    start: date

    @property
    def label(self) -> str:
        return str(self.rule.label)

    def due(self) -> date | None:
        try:
            return self.rule.due(self.start)
        except CalendarYearMissing:
            return None

    def status(self, today: date | None = None) -> str | None:
        try:
            return self.rule.status(self.start, today)
        except CalendarYearMissing:
            return None


def clock(ticket: Ticket) -> Clock | None:
    found = rule_name(ticket)
    if found is None:
        return None
    name, field = found
    start = getattr(ticket, field)
    if start is None:
        return None
    return Clock(RULES[name], timezone.localdate(start))


def overdue(qs, today: date | None = None):
    """The tickets of ``qs`` past one of their running clocks."""
    q = Q(pk__in=[])
    for name, (spec, field) in SPECS.items():
        before = RULES[name].overdue_if_started_before(today)
        q |= spec & Q(**{f"{field}__lt": start_of_day(before)})
    return qs.filter(q)
