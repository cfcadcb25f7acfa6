"""The clocks of a mediation case, on the platform calendar (registered in
``MediationConfig.ready``). All of them count **calendar days** — the statutes say 日:

* 劳动争议调解仲裁法 §14: no agreement within 15 days of the mediation organisation receiving
  the application, a party may apply for arbitration. The clock starts when the union
  accepts the case (受理).
* 最高人民法院关于人民法院特邀调解的规定 §27: a court's 委派 (before filing) runs 30 days, a
  委托 (after filing) 15 days under the ordinary procedure and 7 days under the simple
  procedure, counted from the union signing for the referral; extendable with the parties'
  consent.

The days the parties consented to (``extension_days``) push the start of the clock, so the
due day is the statutory period after the shifted start. The nightly run warns before the due
day and escalates an overdue case for supervision (督办) to the union above.

劳动争议调解仲裁法 §27: the limit for applying for arbitration is one year from the day the
worker knew or should have known of the infringement; a failed case tells her that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.deadlines import (
    DeadlineKind,
    DeadlineRule,
    DeadlineStatus,
    OnOverdue,
    OpenItem,
    register,
)
from gonghui.rights.mediation.choices import TIMED_STATES, Clock, ReferralKind
from gonghui.rights.mediation.models import MediationCase


@dataclass(frozen=True)
class ClockSpec:
    days: int
    warn_before: int
    label: str
    basis: str


LAW_14 = _(
    "劳动争议调解仲裁法 §14: no agreement within 15 days of receiving the application, the "
    "parties may apply for arbitration (calendar days)."
)
LAW_SPECIAL = _(
    "特邀调解规定 §27: a delegated case (委派) 30 days, an entrusted case (委托) 15 days "
    "(ordinary procedure) or 7 days (simple procedure) from signing for it; extendable with "
    "the parties' consent (calendar days)."
)

SPECS: dict[str, ClockSpec] = {
    Clock.STATUTORY: ClockSpec(15, 3, _("Mediation to be concluded"), LAW_14),
    Clock.PRE_FILING: ClockSpec(30, 5, _("Delegated mediation to be concluded"), LAW_SPECIAL),
    Clock.ORDINARY: ClockSpec(15, 3, _("Entrusted mediation to be concluded"), LAW_SPECIAL),
    Clock.SIMPLE: ClockSpec(7, 2, _("Entrusted mediation to be concluded"), LAW_SPECIAL),
}

# The kind of a court's referral -> the clock it starts when the union signs for it.
CLOCK_OF_REFERRAL = {
    ReferralKind.ENTRUSTED_PRE: Clock.PRE_FILING,
    ReferralKind.ENTRUSTED_ORDINARY: Clock.ORDINARY,
    ReferralKind.ENTRUSTED_SIMPLE: Clock.SIMPLE,
}

RULES: dict[str, DeadlineRule] = {}


def effective_start(case: MediationCase) -> date | None:
    """The clock's start pushed by the days the parties consented to."""
    if case.clock_start is None:
        return None
    return workdays.add_calendar_days(case.clock_start, case.extension_days)


def _open_items(clock: str):
    def open_items(started_before: date):
        cases = MediationCase.objects.filter(
            clock=clock, state__in=TIMED_STATES, clock_start__lt=started_before
        )
        for case in cases.select_related("org").iterator(chunk_size=500):
            yield OpenItem(case, effective_start(case), case.org)

    return open_items


for _clock, _spec in SPECS.items():
    RULES[_clock] = DeadlineRule(
        name=f"mediation.conclude.{_clock}",
        label=_spec.label,
        length=_spec.days,
        kind=DeadlineKind.CALENDAR_DAYS,
        legal_basis=_spec.basis,
        warn_before=_spec.warn_before,
        on_overdue=OnOverdue.ESCALATE,
        open_items=_open_items(_clock),
    )


def register_rules() -> None:
    for rule in RULES.values():
        register(rule)


def rule_of(case: MediationCase) -> DeadlineRule | None:
    if case.state not in TIMED_STATES or not case.clock:
        return None
    return RULES.get(case.clock)


def due_on(case: MediationCase) -> date | None:
    """The last day of the period of the clock set on ``case`` (whatever its state now: the
    accepting action asks before the state moves), extension included."""
    rule, start = RULES.get(case.clock), effective_start(case)
    if rule is None or start is None:
        return None
    return rule.due(start)


def status(case: MediationCase, today: date | None = None) -> str | None:
    rule, start = rule_of(case), effective_start(case)
    if rule is None or start is None:
        return None
    return rule.status(start, today)


def is_overdue(case: MediationCase, today: date | None = None) -> bool:
    return status(case, today) == DeadlineStatus.OVERDUE


def warn_horizon(today: date | None = None) -> date:
    """Cases due on or before this day are shown as due soon (the longest warning)."""
    today = today or timezone.localdate()
    return workdays.add_calendar_days(today, max(s.warn_before for s in SPECS.values()))


def arbitration_limit(known_on: date) -> date:
    """劳动争议调解仲裁法 §27: one year from the day she knew of the infringement — the same
    day of the month a year later (29 February: the 28th)."""
    try:
        return known_on.replace(year=known_on.year + 1)
    except ValueError:
        return known_on.replace(year=known_on.year + 1, day=28)
