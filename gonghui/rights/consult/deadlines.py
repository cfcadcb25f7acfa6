"""The clocks of a legal consultation, on the platform calendar (registered in
``ConsultConfig.ready``).

* **Answer**: a lawyer answers within ``GONGHUI_CONSULT_ANSWER_WORKING_DAYS`` working days
  (default **3**) of the assignment, or of the worker's latest follow-up. No statute or
  national rule sets this count: it is this platform's default, kept in a setting so a city
  can enter its contract with the law firms. Warned one working day before; an overdue one is
  escalated for supervision (督办) to the union above the answering union.
* **Closing**: an answer the worker neither follows up nor rates within
  ``GONGHUI_CONSULT_AUTO_CLOSE_DAYS`` calendar days (default **7**, also a default of this
  platform) closes itself the next day (已结束; she can still rate it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
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
from gonghui.rights.consult.choices import ConsultState
from gonghui.rights.consult.models import Consultation

S = ConsultState
ANSWER_DAYS_SETTING = "GONGHUI_CONSULT_ANSWER_WORKING_DAYS"
CLOSE_DAYS_SETTING = "GONGHUI_CONSULT_AUTO_CLOSE_DAYS"
DEFAULT_ANSWER_DAYS = 3
DEFAULT_CLOSE_DAYS = 7


@dataclass(frozen=True)
class SettingRule(DeadlineRule):
    """A rule whose length is a setting with a default (read on every use)."""

    setting: str = ""
    default: int = 0

    @property
    def days(self) -> int:
        return int(getattr(settings, self.setting, self.default))


def _open_items(q: Q, field: str):
    def open_items(started_before: date):
        rows = Consultation.objects.filter(q, **{f"{field}__lt": start_of_day(started_before)})
        for row in rows.select_related("org").iterator(chunk_size=500):
            yield OpenItem(row, timezone.localdate(getattr(row, field)), row.org)

    return open_items


def _close(item, event) -> None:
    from gonghui.rights.consult.actions import auto_close

    auto_close(actor=None, consultation=item.obj, answered_on=event.started_on)


WAITING = Q(state=S.WAITING, waiting_since__isnull=False)
ANSWERED = Q(state=S.ANSWERED, answered_at__isnull=False)

ANSWER = SettingRule(
    name="consult.answer",
    label=_("Consultation to be answered"),
    length=0,
    kind=DeadlineKind.WORKING_DAYS,
    legal_basis=_(
        "A default of this platform, no official count: the law firm answers within 3 working "
        "days of the assignment or of the worker's follow-up (setting "
        "GONGHUI_CONSULT_ANSWER_WORKING_DAYS)."
    ),
    warn_before=1,
    on_overdue=OnOverdue.ESCALATE,
    open_items=_open_items(WAITING, "waiting_since"),
    setting=ANSWER_DAYS_SETTING,
    default=DEFAULT_ANSWER_DAYS,
)
CLOSE = SettingRule(
    name="consult.auto_close",
    label=_("Answered consultation closes itself"),
    length=0,
    kind=DeadlineKind.CALENDAR_DAYS,
    legal_basis=_(
        "A default of this platform: an answer with no follow-up and no rating for 7 calendar "
        "days closes itself (setting GONGHUI_CONSULT_AUTO_CLOSE_DAYS)."
    ),
    on_overdue=OnOverdue.REMIND,
    remind=_close,
    open_items=_open_items(ANSWERED, "answered_at"),
    setting=CLOSE_DAYS_SETTING,
    default=DEFAULT_CLOSE_DAYS,
)


def register_rules() -> None:
    register(ANSWER)
    register(CLOSE)


def answer_due(consultation: Consultation) -> date | None:
    """The day the answer is due (None: not waiting, or the calendar year is missing)."""
    if consultation.state != S.WAITING or consultation.waiting_since is None:
        return None
    try:
        return ANSWER.due(timezone.localdate(consultation.waiting_since))
    except CalendarYearMissing:
        return None


def answer_status(consultation: Consultation, today: date | None = None) -> str | None:
    if consultation.state != S.WAITING or consultation.waiting_since is None:
        return None
    try:
        return ANSWER.status(timezone.localdate(consultation.waiting_since), today)
    except CalendarYearMissing:
        return None


def overdue(qs, today: date | None = None):
    """The consultations of ``qs`` past their answer deadline."""
    before = ANSWER.overdue_if_started_before(today)
    return qs.filter(WAITING, waiting_since__lt=start_of_day(before))
