"""The 12351 tickets on the console start page (registered in ``RightsConfig.ready``): tickets
waiting for the user's union to sign for them, tickets past a deadline in the user's area,
extension requests waiting for a union above, and tickets waiting for the hotline (to dispatch,
to visit back). Each is one aggregate query through ``restrict``."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import grant_scopes, restrict
from gonghui.platform.calendar import workdays
from gonghui.platform.todos import OVERDUE, WAITING, Todo, TodoSource, count_and_oldest
from gonghui.rights import deadlines
from gonghui.rights.choices import Extension, TicketState
from gonghui.rights.models import Ticket

S = TicketState
GROUP = _("12351 tickets")
HANDLE = "rights.handle_ticket"
APPROVE = "rights.approve_ticket"
DISPATCH = "rights.dispatch_ticket"
VISIT = "rights.visit_ticket"
# The queue's filter values (admin.py QueueFilter).
Q_SIGN, Q_OVERDUE, Q_EXTENSION, Q_DISPATCH, Q_VISIT = (
    "sign",
    "overdue",
    "extension",
    "dispatch",
    "visit",
)


def _own_orgs(user, perm) -> list[int]:
    return [s.org_id for s in grant_scopes(user) if perm in s.permissions]


def waiting_to_sign(user, qs=None):
    qs = restrict(qs if qs is not None else Ticket, user, HANDLE)
    return qs.filter(state=S.DISPATCHED, org_id__in=_own_orgs(user, HANDLE))


def extensions_waiting(user, qs=None):
    qs = restrict(qs if qs is not None else Ticket, user, APPROVE)
    below = Q(pk__in=[])
    for s in grant_scopes(user):
        if APPROVE in s.permissions and s.include_descendants:
            below |= Q(org__path__startswith=s.path) & ~Q(org__path=s.path)
    return qs.filter(below, state=S.HANDLING, extension=Extension.PENDING)


def waiting_to_dispatch(user, qs=None):
    qs = restrict(qs if qs is not None else Ticket, user, DISPATCH)
    return qs.filter(state__in=(S.RECEIVED, S.CLASSIFIED), org_id__in=_own_orgs(user, DISPATCH))


def waiting_for_visit(user, qs=None):
    return restrict(qs if qs is not None else Ticket, user, VISIT).filter(
        state__in=(S.RESOLVED, S.VISITED)
    )


def overdue_tickets(user, qs=None, today: date | None = None):
    return deadlines.overdue(restrict(qs if qs is not None else Ticket, user, "view"), today)


def _todo(qs, since, label, key, today, level=WAITING):
    row = count_and_oldest(qs, since)
    if not row["n"]:
        return []
    start = timezone.localdate(row["oldest"])
    return [
        Todo(
            label=label,
            count=row["n"],
            url=f"{reverse('console:rights_ticket_changelist')}?queue={key}",
            level=level,
            group=GROUP,
            oldest_days=workdays.working_days_between(start, today),
        )
    ]


def handling_todos(user, today: date) -> list[Todo]:
    return [
        *_todo(
            overdue_tickets(user, today=today),
            "received_at",
            _("Tickets past a deadline in your area"),
            Q_OVERDUE,
            today,
            OVERDUE,
        ),
        *_todo(
            waiting_to_sign(user),
            "dispatched_at",
            _("Tickets waiting for your union to sign for them"),
            Q_SIGN,
            today,
        ),
    ]


def approval_todos(user, today: date) -> list[Todo]:
    return _todo(
        extensions_waiting(user),
        "received_at",
        _("Extension requests waiting for your decision"),
        Q_EXTENSION,
        today,
    )


def hotline_todos(user, today: date) -> list[Todo]:
    return [
        *_todo(
            waiting_to_dispatch(user),
            "received_at",
            _("Tickets waiting to be classified and dispatched"),
            Q_DISPATCH,
            today,
        ),
        *_todo(
            waiting_for_visit(user),
            "resolved_at",
            _("Resolved tickets waiting for the visit back"),
            Q_VISIT,
            today,
        ),
    ]


SOURCES = (
    TodoSource("rights.handling", _("12351 tickets"), (HANDLE,), handling_todos),
    TodoSource("rights.extensions", _("Ticket extensions"), (APPROVE,), approval_todos),
    TodoSource("rights.hotline", _("12351 hotline"), (DISPATCH, VISIT), hotline_todos),
)


def register() -> None:
    from gonghui.platform.todos import register_todo_source

    for source in SOURCES:
        register_todo_source(source)
