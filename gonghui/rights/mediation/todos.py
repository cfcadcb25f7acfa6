"""Mediation on the console start page and in the console queue: cases waiting to be accepted
(and the courts' referrals waiting to be signed for), cases past their time limit, cases due
soon. Each is one aggregate query through ``restrict``."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import restrict
from gonghui.platform.calendar import workdays
from gonghui.platform.todos import OVERDUE, WAITING, Todo, TodoSource, count_and_oldest
from gonghui.rights.mediation import deadlines
from gonghui.rights.mediation.choices import TIMED_STATES, CaseState, Direction
from gonghui.rights.mediation.models import MediationCase, Referral

S = CaseState
GROUP = _("Mediation")
ACCEPT = "mediation.accept_mediationcase"
MEDIATE = "mediation.mediate_mediationcase"
# The queue's filter values (admin.py QueueFilter).
Q_ACCEPT, Q_SIGN, Q_MEDIATING, Q_DUE, Q_OVERDUE = (
    "accept",
    "sign",
    "mediating",
    "due",
    "overdue",
)


def _cases(user, perm, qs=None):
    return restrict(qs if qs is not None else MediationCase, user, perm)


def _inbound(**more):
    return Exists(Referral.objects.filter(case=OuterRef("pk"), direction=Direction.IN, **more))


def to_accept(user, qs=None):
    """Applications waiting to be accepted (a court's referrals are in ``to_sign``)."""
    return _cases(user, ACCEPT, qs).filter(state=S.APPLIED).exclude(_inbound())


def to_sign(user, qs=None):
    """Referrals of a court or agency waiting for the union to sign for them."""
    return _cases(user, ACCEPT, qs).filter(_inbound(signed_at__isnull=True), state=S.APPLIED)


def in_mediation(user, qs=None):
    return _cases(user, "view", qs).filter(state__in=TIMED_STATES)


def overdue(user, qs=None, today: date | None = None):
    today = today or timezone.localdate()
    return in_mediation(user, qs).filter(due_on__lt=today)


def due_soon(user, qs=None, today: date | None = None):
    today = today or timezone.localdate()
    return in_mediation(user, qs).filter(
        due_on__gte=today, due_on__lte=deadlines.warn_horizon(today)
    )


QUEUES = {
    Q_ACCEPT: to_accept,
    Q_SIGN: to_sign,
    Q_MEDIATING: in_mediation,
    Q_DUE: due_soon,
    Q_OVERDUE: overdue,
}


def _todo(qs, since, label, key, today, level=WAITING):
    row = count_and_oldest(qs, since)
    if not row["n"]:
        return []
    start = timezone.localdate(row["oldest"])
    return [
        Todo(
            label=label,
            count=row["n"],
            url=f"{reverse('console:mediation_mediationcase_changelist')}?queue={key}",
            level=level,
            group=GROUP,
            oldest_days=workdays.working_days_between(start, today),
        )
    ]


def mediation_todos(user, today: date) -> list[Todo]:
    return [
        *_todo(
            overdue(user, today=today),
            "accepted_at",
            _("Mediation cases past their time limit"),
            Q_OVERDUE,
            today,
            OVERDUE,
        ),
        *_todo(
            due_soon(user, today=today),
            "accepted_at",
            _("Mediation cases due soon"),
            Q_DUE,
            today,
        ),
        *_todo(
            to_sign(user),
            "applied_at",
            _("Referrals from courts and agencies waiting to be signed for"),
            Q_SIGN,
            today,
        ),
        *_todo(
            to_accept(user),
            "applied_at",
            _("Mediation applications waiting to be accepted"),
            Q_ACCEPT,
            today,
        ),
    ]


SOURCES = (TodoSource("mediation.cases", _("Mediation"), (ACCEPT, MEDIATE), mediation_todos),)


def register() -> None:
    from gonghui.platform.todos import register_todo_source

    for source in SOURCES:
        register_todo_source(source)
