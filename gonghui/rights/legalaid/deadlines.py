"""The clocks of a legal-aid application, on the platform calendar (registered in
``LegalAidConfig.ready``).

法律援助法 (2021), which unions apply "参照适用" (§68): the legal-aid body decides **within 7
days** of the application and assigns a lawyer **within 3 days** of deciding to grant it (both
§43). The statute says 日, not 工作日, so both clocks run in **calendar days**, as the 信访
timers of the 12351 tickets do (rights/deadlines.py). The decision clock starts when the
application is complete: at the application, or again on the day the documents the union asked
for arrive (§43: the missing documents are asked for at once, 一次性告知, and an application
left incomplete counts as withdrawn — so the platform reads the 7 days as running from a
complete application); it does not run while the union waits for them.

Overdue applications are escalated for supervision (督办) to the union above the handling one
by the nightly run; the console warns 2 days before the decision is due and 1 day before the
lawyer is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
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
from gonghui.rights.legalaid.choices import UNDECIDED, AidState
from gonghui.rights.legalaid.models import AidApplication

S = AidState
DECISION_DAYS = 7
LAWYER_DAYS = 3
BASIS = _(
    "法律援助法 (2021) §43, applied by unions under §68: decided within 7 days of a complete "
    "application, a lawyer assigned within 3 days of granting it; calendar days."
)

# rule name -> (the applications whose clock it is, the field the clock starts from)
CLOCK_STATES = {"legalaid.decision": UNDECIDED, "legalaid.lawyer": (S.GRANTED,)}
SPECS: dict[str, tuple[Q, str]] = {
    "legalaid.decision": (Q(state__in=UNDECIDED), "complete_at"),
    "legalaid.lawyer": (Q(state__in=CLOCK_STATES["legalaid.lawyer"]), "decided_at"),
}


def _open_items(name: str):
    def open_items(started_before: date):
        q, field = SPECS[name]
        rows = AidApplication.objects.filter(q, **{f"{field}__lt": start_of_day(started_before)})
        for app in rows.select_related("org").iterator(chunk_size=500):
            yield OpenItem(app, timezone.localdate(getattr(app, field)), app.org)

    return open_items


RULES: dict[str, DeadlineRule] = {
    "legalaid.decision": DeadlineRule(
        name="legalaid.decision",
        label=_("Legal-aid application to be decided"),
        length=DECISION_DAYS,
        kind=DeadlineKind.CALENDAR_DAYS,
        legal_basis=BASIS,
        warn_before=2,
        on_overdue=OnOverdue.ESCALATE,
        open_items=_open_items("legalaid.decision"),
    ),
    "legalaid.lawyer": DeadlineRule(
        name="legalaid.lawyer",
        label=_("Lawyer to be assigned"),
        length=LAWYER_DAYS,
        kind=DeadlineKind.CALENDAR_DAYS,
        legal_basis=BASIS,
        warn_before=1,
        on_overdue=OnOverdue.ESCALATE,
        open_items=_open_items("legalaid.lawyer"),
    ),
}


def register_rules() -> None:
    for rule in RULES.values():
        register(rule)


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


def clock(app: AidApplication) -> Clock | None:
    """The clock running for ``app`` now, the one its page, queue and API show."""
    for name, (_q, field) in SPECS.items():
        if app.state in CLOCK_STATES[name]:
            start = getattr(app, field)
            if start is None:
                return None
            return Clock(RULES[name], timezone.localdate(start))
    return None


def overdue(qs, today: date | None = None):
    """The applications of ``qs`` past their running clock."""
    q = Q(pk__in=[])
    for name, (spec, field) in SPECS.items():
        before = RULES[name].overdue_if_started_before(today)
        q |= spec & Q(**{f"{field}__lt": start_of_day(before)})
    return qs.filter(q)


def due_soon(qs, today: date | None = None):
    """The applications of ``qs`` due soon or overdue."""
    q = Q(pk__in=[])
    for name, (spec, field) in SPECS.items():
        before = RULES[name].warning_if_started_before(today)
        q |= spec & Q(**{f"{field}__lt": start_of_day(before)})
    return qs.filter(q)
