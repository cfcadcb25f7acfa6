"""The assistance app's to-dos and landing page (registered in ``AssistanceConfig.ready``).

One line per work queue the user may act on (``queries.QUEUES`` and the unpaid items), with
how many cases wait and since when the oldest waits at its step; cases whose publicity has run
its working days (``deadlines.PUBLICITY``) and wait to be ended; payments the bank refused.

How long a case has waited at its step is counted from when it entered its present state
(the latest :class:`~gonghui.assistance.models.Step` into that state, read through the step
table's application index); the queue page shows the same figure per row and sorts by it.
Staff whose roles are about assistance only start on their queues (:func:`queue_landing`).
"""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.db.models import DateTimeField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import queries
from gonghui.assistance.choices import ItemState, PaymentState
from gonghui.assistance.deadlines import PUBLICITY
from gonghui.assistance.models import Payment, Step
from gonghui.platform.access.scoping import restrict, user_permissions
from gonghui.platform.calendar import workdays
from gonghui.platform.todos import OVERDUE, WAITING, Todo, TodoSource, count_and_oldest

GROUP = _("Hardship assistance")
PAY = "assistance.pay_aiditem"

# (queue, label on the start page); the queue page (console_views.QUEUE_TITLES) shows them.
QUEUE_LABELS = {
    "first_review": _("Aid applications awaiting first review"),
    "home_visit": _("Aid applications awaiting a home visit"),
    "verification": _("Aid applications awaiting verification"),
    "publicity": _("Aid applications in publicity"),
    "approval": _("Aid applications awaiting approval"),
    "returned": _("Aid applications returned for correction"),
    "unpaid": _("Approved aid not yet paid"),
}


def in_step_since():
    """When the case entered its present state: the latest step into it (its submission,
    for a case that has no step yet)."""
    latest = (
        Step.objects.filter(application=OuterRef("pk"), to_state=OuterRef("state"))
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    return Coalesce(
        Subquery(latest, output_field=DateTimeField()),
        "submitted_at",
        "created_at",
        output_field=DateTimeField(),
    )


def queue_url(name: str) -> str:
    return f"{reverse('console-assistance-queues')}#queue-{name}"


def waiting_days(moment, today: date) -> int | None:
    if moment is None:
        return None
    return workdays.working_days_between(timezone.localdate(moment), today)


def queue_todos(user, today: date) -> list[Todo]:
    held = user_permissions(user)
    todos = []
    for name, (perm, _filters) in queries.QUEUES.items():
        if perm not in held:
            continue
        qs = queries.queue(user, name).annotate(since=in_step_since())
        extra = {}
        if name == "publicity":
            # Publicity over (the day after its last working day): 结束公示 is due.
            extra["over"] = Q(publicity_end__lt=today)
        row = count_and_oldest(qs, "since", **extra)
        waiting = row["n"] - row.get("over", 0)
        if row.get("over"):
            oldest_end = (
                queries.queue(user, name)
                .filter(publicity_end__lt=today)
                .order_by()
                .aggregate(m=Min("publicity_end"))["m"]
            )
            todos.append(
                Todo(
                    label=_("Publicity over: end it and pass the case to approval"),
                    count=row["over"],
                    url=queue_url(name),
                    level=OVERDUE,
                    group=GROUP,
                    oldest_days=PUBLICITY.elapsed(oldest_end, today),
                )
            )
        if waiting:
            todos.append(
                Todo(
                    label=QUEUE_LABELS[name],
                    count=waiting,
                    url=queue_url(name),
                    level=WAITING,
                    group=GROUP,
                    oldest_days=waiting_days(row["oldest"], today),
                )
            )
    return todos


REFUSED = "refused"  # the unpaid-items list's filter the start page links to


def refused_payments(user):
    """Payments the bank refused whose item waits to be paid again."""
    return restrict(Payment, user, PAY).filter(
        state=PaymentState.FAILED, item__state=ItemState.APPROVED
    )


class RefusedFilter(admin.SimpleListFilter):
    """Aid items whose last payment the bank refused (``?payment=refused``)."""

    title = _("payment")
    parameter_name = "payment"

    def lookups(self, request, model_admin):
        return [(REFUSED, _("Refused by the bank"))]

    def queryset(self, request, queryset):
        if self.value() == REFUSED:
            return queryset.filter(pk__in=refused_payments(request.user).values("item_id"))
        return queryset


def payment_todos(user, today: date) -> list[Todo]:
    unpaid = queries.queue(user, "unpaid")
    row = count_and_oldest(unpaid, "application__approved_at")
    todos = []
    # Refused by the bank and not yet sent again (the item is back among the unpaid).
    failed_row = count_and_oldest(refused_payments(user), "settled_at")
    if failed_row["n"]:
        todos.append(
            Todo(
                label=_("Payments the bank refused: check the account and pay again"),
                count=failed_row["n"],
                url=f"{reverse('console:assistance_aiditem_changelist')}?payment={REFUSED}",
                level=OVERDUE,
                group=GROUP,
                oldest_days=waiting_days(failed_row["oldest"], today),
            )
        )
    if row["n"]:
        todos.append(
            Todo(
                label=QUEUE_LABELS["unpaid"],
                count=row["n"],
                url=queue_url("unpaid"),
                level=WAITING,
                group=GROUP,
                oldest_days=waiting_days(row["oldest"], today),
            )
        )
    return todos


# Roles that administer unions or members start on the start page; the others that hold a
# queue permission (officers, the centre, approvers, finance) start on their queues.
GENERAL_WORK = ("orgs.change_org", "members.approve_joinrequest")


def queue_landing(user) -> str | None:
    held = user_permissions(user)
    if held.intersection(GENERAL_WORK):
        return None
    queue_perms = {perm for perm, _filters in queries.QUEUES.values()} | {PAY}
    if held.intersection(queue_perms):
        return reverse("console-assistance-queues")
    return None


SOURCES = (
    TodoSource(
        "assistance.queues",
        _("Aid applications"),
        tuple(sorted({perm for perm, _filters in queries.QUEUES.values()})),
        queue_todos,
    ),
    TodoSource("assistance.payments", _("Aid payments"), (PAY,), payment_todos),
)


def register() -> None:
    from gonghui.platform.todos import register_landing, register_todo_source

    for source in SOURCES:
        register_todo_source(source)
    register_landing(queue_landing)
