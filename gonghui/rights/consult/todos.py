"""Consultations on the console start page (registered in ``ConsultConfig.ready``): for staff,
those waiting in the queue for a law firm and those past the answer deadline in their area;
for a lawyer, her firm's consultations waiting for an answer. One aggregate query each,
through ``restrict``."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import restrict
from gonghui.platform.calendar import workdays
from gonghui.platform.todos import OVERDUE, WAITING, Todo, TodoSource, count_and_oldest
from gonghui.rights.consult import actions, deadlines
from gonghui.rights.consult.models import Consultation

GROUP = _("Legal consultations")
# The queue's filter values (admin.py QueueFilter).
Q_UNASSIGNED, Q_OVERDUE, Q_MINE = "unassigned", "overdue", "mine"


def _todo(qs, since, label, key, today, level=WAITING):
    row = count_and_oldest(qs, since)
    if not row["n"]:
        return []
    return [
        Todo(
            label=label,
            count=row["n"],
            url=f"{reverse('console:consult_consultation_changelist')}?queue={key}",
            level=level,
            group=GROUP,
            oldest_days=workdays.working_days_between(timezone.localdate(row["oldest"]), today),
        )
    ]


def staff_todos(user, today: date) -> list[Todo]:
    late = deadlines.overdue(restrict(Consultation, user, actions.ASSIGN), today)
    return [
        *_todo(
            late,
            "waiting_since",
            _("Consultations past the answer deadline in your area"),
            Q_OVERDUE,
            today,
            OVERDUE,
        ),
        *_todo(
            actions.waiting_for_firm(user),
            "asked_at",
            _("Consultations waiting for a law firm"),
            Q_UNASSIGNED,
            today,
        ),
    ]


def lawyer_todos(user, today: date) -> list[Todo]:
    return _todo(
        actions.waiting_for_lawyer(user),
        "waiting_since",
        _("Consultations waiting for your answer"),
        Q_MINE,
        today,
    )


SOURCES = (
    TodoSource("consult.staff", _("Legal consultations"), (actions.ASSIGN,), staff_todos),
    TodoSource("consult.lawyer", _("Consultations to answer"), (actions.LAWYER,), lawyer_todos),
)


def register() -> None:
    from gonghui.platform.todos import register_todo_source

    for source in SOURCES:
        register_todo_source(source)
