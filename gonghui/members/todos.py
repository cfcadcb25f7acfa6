"""The members app's to-dos on the console start page (registered in ``MembersConfig.ready``):
join applications overdue and due soon on the review clock (``deadlines.JOIN_REVIEW``), and
transfers waiting for the user's side to decide.

Each source is one aggregate query through ``restrict``: counts and the oldest start, using
the indexes on the state and the submission time.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.members.choices import JoinRequestState, TransferState
from gonghui.members.deadlines import JOIN_REVIEW
from gonghui.members.models import JoinRequest, Transfer
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.deadlines import start_of_day
from gonghui.platform.todos import DUE_SOON, OVERDUE, WAITING, Todo, TodoSource, count_and_oldest

GROUP = _("Members")
APPROVE_JOIN = "members.approve_joinrequest"
APPROVE_TRANSFER = "members.approve_transfer"
# The join queue's filter (members/admin/join_requests.py, JoinAgeFilter) that lists them.
AGE_OVERDUE, AGE_DUE_SOON = "overdue", "due_soon"
WAITING_ON_ME = "me"  # the transfer list's filter (members/admin/transfers.py)


def due_soon_join_requests(qs, today: date | None = None):
    """Pending applications in ``qs`` that are due soon but not yet overdue."""
    overdue_before = start_of_day(JOIN_REVIEW.overdue_if_started_before(today))
    warn_before = start_of_day(JOIN_REVIEW.warning_if_started_before(today))
    return qs.filter(
        state=JoinRequestState.PENDING,
        submitted_at__gte=overdue_before,
        submitted_at__lt=warn_before,
    )


def join_todos(user, today: date) -> list[Todo]:
    overdue_before = start_of_day(JOIN_REVIEW.overdue_if_started_before(today))
    warn_before = start_of_day(JOIN_REVIEW.warning_if_started_before(today))
    pending = restrict(JoinRequest, user, APPROVE_JOIN).filter(
        state=JoinRequestState.PENDING, submitted_at__lt=warn_before
    )
    row = count_and_oldest(
        pending,
        "submitted_at",
        overdue=Q(submitted_at__lt=overdue_before),
        soon=Q(submitted_at__gte=overdue_before),
    )
    queue = reverse("console:members_joinrequest_changelist")
    todos = []
    if row["overdue"]:
        start = timezone.localdate(row["overdue_oldest"])
        todos.append(
            Todo(
                label=_("Join applications past their review deadline"),
                count=row["overdue"],
                url=f"{queue}?age={AGE_OVERDUE}",
                level=OVERDUE,
                group=GROUP,
                oldest_days=JOIN_REVIEW.elapsed(start, today),
            )
        )
    if row["soon"]:
        start = timezone.localdate(row["soon_oldest"])
        todos.append(
            Todo(
                label=_("Join applications due for a decision soon"),
                count=row["soon"],
                url=f"{queue}?age={AGE_DUE_SOON}",
                level=DUE_SOON,
                group=GROUP,
                oldest_days=JOIN_REVIEW.elapsed(start, today),
                due=JOIN_REVIEW.due(start),
            )
        )
    return todos


def transfers_waiting_on(user, qs=None):
    """Open transfers in ``qs`` that wait for a decision of ``user``'s side: the sending union
    (同意转出) or the receiving union (同意转入), where the user may decide transfers."""
    qs = restrict(qs if qs is not None else Transfer, user, APPROVE_TRANSFER)
    mine = restrict(Org, user, APPROVE_TRANSFER).values("pk")
    return qs.filter(
        Q(state=TransferState.PENDING_SENDER, from_org__in=mine)
        | Q(state=TransferState.PENDING_RECEIVER, to_org__in=mine)
    )


def transfer_todos(user, today: date) -> list[Todo]:
    since = Coalesce("sender_decided_at", "requested_at")
    row = count_and_oldest(transfers_waiting_on(user), since)
    if not row["n"]:
        return []
    start = timezone.localdate(row["oldest"])
    return [
        Todo(
            label=_("Transfers waiting for your union's decision"),
            count=row["n"],
            url=f"{reverse('console:members_transfer_changelist')}?waiting={WAITING_ON_ME}",
            level=WAITING,
            group=GROUP,
            oldest_days=workdays.working_days_between(start, today),
        )
    ]


SOURCES = (
    TodoSource("members.join_review", _("Join applications"), (APPROVE_JOIN,), join_todos),
    TodoSource("members.transfers", _("Transfers"), (APPROVE_TRANSFER,), transfer_todos),
)


def register() -> None:
    from gonghui.platform.todos import register_todo_source

    for source in SOURCES:
        register_todo_source(source)
