"""Legal aid on the console start page (registered in ``LegalAidConfig.ready``): applications
past a clock in the user's area, applications waiting for the decision, granted applications
waiting for a lawyer, and — for a law firm's partner account — cases assigned to its firm that
the lawyer has not taken up. Each is one aggregate query through ``restrict``."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import restrict
from gonghui.platform.todos import OVERDUE, WAITING, Todo, TodoSource, count_and_oldest
from gonghui.rights.legalaid import deadlines
from gonghui.rights.legalaid.choices import UNDECIDED, AidState
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.partners import agency_id_of

S = AidState
GROUP = _("Legal aid")
DECIDE = "legalaid.decide_aidapplication"
ASSIGN = "legalaid.assign_aidapplication"
HANDLE = "legalaid.handle_aidapplication"
# The queue's filter values (admin.py QueueFilter).
Q_DECIDE, Q_ASSIGN, Q_OVERDUE, Q_LAWYER = "decide", "assign", "overdue", "lawyer"
Q_HANDLING = "handling"


def waiting_for_decision(user, qs=None):
    qs = restrict(qs if qs is not None else AidApplication, user, DECIDE)
    return qs.filter(state__in=UNDECIDED)


def waiting_for_lawyer(user, qs=None):
    return restrict(qs if qs is not None else AidApplication, user, ASSIGN).filter(state=S.GRANTED)


def waiting_for_take_up(user, qs=None):
    """Assigned cases the user's firm (or, for staff, the handling union) has not taken up."""
    return restrict(qs if qs is not None else AidApplication, user, HANDLE).filter(state=S.ASSIGNED)


def overdue_applications(user, qs=None, today: date | None = None):
    return deadlines.overdue(restrict(qs if qs is not None else AidApplication, user), today)


def _todo(qs, since, label, key, today, level=WAITING, working=False):
    row = count_and_oldest(qs, since)
    if not row["n"]:
        return []
    start = timezone.localdate(row["oldest"])
    return [
        Todo(
            label=label,
            count=row["n"],
            url=f"{reverse('console:legalaid_aidapplication_changelist')}?queue={key}",
            level=level,
            group=GROUP,
            oldest_days=(today - start).days,
            working=working,
        )
    ]


def union_todos(user, today: date) -> list[Todo]:
    return [
        *_todo(
            overdue_applications(user, today=today),
            "complete_at",
            _("Legal-aid applications past a deadline in your area"),
            Q_OVERDUE,
            today,
            OVERDUE,
        ),
        *_todo(
            waiting_for_decision(user),
            "complete_at",
            _("Legal-aid applications waiting for your decision"),
            Q_DECIDE,
            today,
        ),
        *_todo(
            waiting_for_lawyer(user),
            "decided_at",
            _("Legal aid granted, waiting for a lawyer"),
            Q_ASSIGN,
            today,
        ),
    ]


def being_handled(user, qs=None):
    """Cases the lawyer (of the user's firm) is handling: progress and the outcome to record."""
    return restrict(qs if qs is not None else AidApplication, user, HANDLE).filter(state=S.HANDLING)


def lawyer_todos(user, today: date) -> list[Todo]:
    """The firm's lawyer works from these lines (a partner account has no menu entry for legal
    aid: its role holds no legal-aid permission, partner_scope.py)."""
    if agency_id_of(user) is None:
        return []
    return [
        *_todo(
            waiting_for_take_up(user),
            "assigned_at",
            _("Legal-aid cases assigned to your firm, to be taken up"),
            Q_LAWYER,
            today,
        ),
        *_todo(
            being_handled(user),
            "taken_up_at",
            _("Legal-aid cases your firm is handling"),
            Q_HANDLING,
            today,
        ),
    ]


SOURCES = (
    TodoSource("legalaid.union", _("Legal aid"), (DECIDE, ASSIGN), union_todos),
    # A partner account holds no legal-aid permission (partner_scope.py): it checks itself.
    TodoSource("legalaid.lawyer", _("Legal aid"), (), lawyer_todos),
)


def register() -> None:
    from gonghui.platform.todos import register_todo_source

    for source in SOURCES:
        register_todo_source(source)
