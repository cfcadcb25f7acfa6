"""Correction requests (PIPL Art. 46): a worker asks, from 我的数据, for her personal
information to be corrected; the union of her membership corrects it or refuses with a reason.

* :func:`request_correction` is her action (the portal); :func:`mark_corrected` and
  :func:`refuse_correction` are the union's, declared once as the transitions of
  :data:`correction_states` (the console buttons are built from them) and each leaves her a
  message (platform/inbox, registered in :func:`register`).
* The union answers within :data:`CORRECTION` (15 working days on the platform calendar: PIPL
  Art. 50 asks for a prompt answer, and 15 working days is the platform's other review clock). Open
  requests are on the start page of whoever may handle them (:func:`correction_todos`),
  overdue first.

The staff who handle them are those who may change her union's member records
(``consent.change_correctionrequest`` in ``MEMBER_WRITE``), reading through ``restrict``.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_
from ninja import Field, Schema

from gonghui.platform.access.scoping import restrict
from gonghui.platform.calendar.deadlines import (
    DeadlineKind,
    DeadlineRule,
    OnOverdue,
    OpenItem,
    start_of_day,
)
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.consent.models import CorrectionRequest, CorrectionState
from gonghui.platform.inbox.models import Message
from gonghui.platform.todos import DUE_SOON, OVERDUE, WAITING, Todo, TodoSource, count_and_oldest
from gonghui.platform.workflow.base import ActionError, action
from gonghui.platform.workflow.transitions import StateMachine, Transition

HANDLE = "consent.change_correctionrequest"
C = CorrectionState
RECEIVED = N_(
    "We received your correction request about “%(record)s”. Your union answers by %(due)s."
)
RECEIVED_NO_DATE = N_(
    "We received your correction request about “%(record)s”. Your union answers within 15 "
    "working days."
)


def open_corrections(started_before: date):
    """Requests still waiting, submitted before ``started_before`` (the nightly run's input)."""
    waiting = CorrectionRequest.objects.filter(
        state=C.SUBMITTED, submitted_at__lt=start_of_day(started_before)
    ).select_related("org")
    for request in waiting.iterator(chunk_size=500):
        yield OpenItem(request, timezone.localdate(request.submitted_at), request.org)


CORRECTION = DeadlineRule(
    name="consent.correction",
    label=_("Correction request"),
    length=15,
    kind=DeadlineKind.WORKING_DAYS,
    legal_basis=_(
        "PIPL Art. 46 and 50: a person's request to correct her personal information is "
        "answered promptly, a refusal with its reason; the platform allows 15 working days."
    ),
    warn_before=3,
    on_overdue=OnOverdue.ESCALATE,
    open_items=open_corrections,
)


def due_on(request: CorrectionRequest) -> date | None:
    """The day her union answers by; None while the calendar lacks that year (said, not
    guessed: the start page reports the missing year to the staff)."""
    try:
        return CORRECTION.due(timezone.localdate(request.submitted_at))
    except CalendarYearMissing:
        return None


def my_data_url() -> str:
    try:
        return reverse("portal:my_data") + "#corrections"
    except NoReverseMatch:  # a deployment without the portal
        return ""


# --- actions --------------------------------------------------------------------------------


@action("consent.request_correction", permission=None)
def request_correction(
    ctx, *, org, record: str, requested: str, explanation: str = ""
) -> CorrectionRequest:
    """The worker asks the union ``org`` (of her membership: the caller finds it) to correct
    ``record``. She is told by message when her union will have answered."""
    if not getattr(ctx.actor, "is_authenticated", False):
        raise ActionError(_("Log in to ask for a correction."), code="login_required")
    record, requested = record.strip(), requested.strip()
    if not record or not requested:
        raise ActionError(
            _("Say what is wrong and what it should be."), code="correction_incomplete"
        )
    request = CorrectionRequest.objects.create(
        user=ctx.actor,
        org=org,
        record=record[:100],
        requested=requested[:1000],
        explanation=explanation.strip()[:2000],
    )
    due = due_on(request)
    Message.objects.create(
        user=ctx.actor,
        phone_index=getattr(ctx.actor, "phone_index", "") or "",
        topic=CorrectionRequest._meta.label_lower,
        object_id=request.pk,
        event="submit",
        text=RECEIVED if due else RECEIVED_NO_DATE,
        params={"record": request.record, "due": due.isoformat() if due else ""},
        link=my_data_url(),
        read_at=None,
    )
    ctx.wrote(request, details={"record": request.record}, recheck=False)
    ctx.org = org
    return request


def _decide(ctx, request: CorrectionRequest, name: str, outcome: str) -> CorrectionRequest:
    request = ctx.require(request)
    ctx.lock(request)
    request.decided_at = timezone.now()
    request.decided_by = ctx.actor
    request.outcome = outcome.strip()[:300]
    correction_states.apply(
        ctx, request, name, extra_fields=["decided_at", "decided_by", "outcome", "updated_at"]
    )
    ctx.wrote(request, details={"record": request.record})
    ctx.org = request.org
    return request


@action("consent.mark_corrected", permission=HANDLE)
def mark_corrected(ctx, *, request: CorrectionRequest, note: str) -> CorrectionRequest:
    """The union corrected the record (in the record's own page) and says what it changed."""
    return _decide(ctx, request, "correct", note)


@action("consent.refuse_correction", permission=HANDLE)
def refuse_correction(ctx, *, request: CorrectionRequest, reason: str) -> CorrectionRequest:
    """The union does not correct the record, and tells her why (PIPL Art. 50)."""
    return _decide(ctx, request, "refuse", reason)


# --- the declared transitions ---------------------------------------------------------------


class CorrectedIn(Schema):
    note: str = Field(
        ...,
        min_length=1,
        max_length=300,
        title="What was corrected",
        description="She reads it in her message.",
    )


class RefusedIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=300,
        title="Reason",
        description="She reads it in her message.",
    )


correction_states = StateMachine(
    "state",
    [
        Transition(
            "correct",
            frozenset({C.SUBMITTED}),
            C.CORRECTED,
            label=_("Corrected"),
            permission=HANDLE,
            input=CorrectedIn,
            execute=lambda obj, *, actor, note: mark_corrected(actor=actor, request=obj, note=note),
            faces=frozenset({"console"}),
            done=_("The worker is told that her information was corrected."),
            intro=_("Correct the record first, then say here what was changed."),
        ),
        Transition(
            "refuse",
            frozenset({C.SUBMITTED}),
            C.REFUSED,
            label=_("Do not correct"),
            permission=HANDLE,
            input=RefusedIn,
            execute=lambda obj, *, actor, reason: refuse_correction(
                actor=actor, request=obj, reason=reason
            ),
            faces=frozenset({"console"}),
            style="danger",
            done=_("The worker is told why her information is not corrected."),
        ),
    ],
)


# --- the start page -------------------------------------------------------------------------

GROUP = _("Personal information")


def correction_todos(user, today: date) -> list[Todo]:
    overdue_before = start_of_day(CORRECTION.overdue_if_started_before(today))
    warn_before = start_of_day(CORRECTION.warning_if_started_before(today))
    waiting = restrict(CorrectionRequest, user, HANDLE).filter(state=C.SUBMITTED)
    row = count_and_oldest(
        waiting,
        "submitted_at",
        overdue=Q(submitted_at__lt=overdue_before),
        soon=Q(submitted_at__gte=overdue_before, submitted_at__lt=warn_before),
        fresh=Q(submitted_at__gte=warn_before),
    )
    queue = reverse("console:consent_correctionrequest_changelist") + "?state__exact=submitted"
    todos = []
    for key, level, label in (
        ("overdue", OVERDUE, _("Correction requests past their deadline")),
        ("soon", DUE_SOON, _("Correction requests due soon")),
        ("fresh", WAITING, _("Correction requests waiting")),
    ):
        if not row[key]:
            continue
        start = timezone.localdate(row[f"{key}_oldest"])
        todos.append(
            Todo(
                label=label,
                count=row[key],
                url=queue,
                level=level,
                group=GROUP,
                oldest_days=CORRECTION.elapsed(start, today),
                due=CORRECTION.due(start) if level != OVERDUE else None,
            )
        )
    return todos


def register() -> None:
    """From ``ConsentConfig.ready()``: the workflow, the deadline, the to-dos, the messages."""
    from gonghui.platform.calendar.deadlines import register as register_deadline
    from gonghui.platform.inbox.registry import Recipient, notify_on
    from gonghui.platform.todos import register_todo_source
    from gonghui.platform.workflow.transitions import register as register_machine

    register_machine(CorrectionRequest, correction_states)
    register_deadline(CORRECTION)
    register_todo_source(
        TodoSource("consent.corrections", _("Correction requests"), (HANDLE,), correction_todos)
    )
    notify_on(
        CorrectionRequest,
        recipient=lambda r: Recipient(user=r.user),
        texts={
            "correct": N_("Your correction request about “%(record)s” was done: %(outcome)s"),
            "refuse": N_("Your correction request about “%(record)s” was not granted: %(outcome)s"),
        },
        params=lambda r: {"record": r.record, "outcome": r.outcome},
        link=lambda r: my_data_url(),
    )
