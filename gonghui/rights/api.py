"""12351 tickets on the API (/api/v1/rights/tickets/): the tickets in the caller's scope, one
ticket with its timeline and ``allowed_transitions``, intake of a call, and one endpoint per
declared transition (``POST …/{ticket_id}/{name}``). The caller's name and phone are masked;
what happened and what she asks are the handling union's working text and are returned in
the detail only."""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.orgs.models import Employer
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.pagination import CursorPagination, LazyPage
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes
from gonghui.rights import actions, attachments, deadlines
from gonghui.rights.choices import Channel, Complexity, Rating, TicketState
from gonghui.rights.models import Ticket
from gonghui.rights.workflows import ticket_states

router = Router(tags=["12351 tickets"])


class TicketOut(Schema):
    id: int
    number: str
    channel: Channel
    category: str
    complexity: Complexity
    is_petition: bool
    state: TicketState
    org_id: int
    org_name: str
    caller_name: str = Field(description="Masked")
    caller_phone: str = Field(description="Masked")
    employer_name: str
    received_at: datetime
    due_on: date | None = Field(description="The running clock's due day (null: none running)")
    overdue: bool


class TicketStepOut(Schema):
    name: str
    org_name: str
    note: str
    at: datetime


class TicketAttachmentOut(Schema):
    id: UUID
    original_name: str
    content_type: str
    size: int
    uploaded_at: datetime


class TicketDetail(TicketOut):
    facts: str
    request: str
    reply: str
    extension: str
    rating: Rating | str
    arrears_recovered: Decimal
    arrears_workers: int
    steps: list[TicketStepOut]
    attachments: list[TicketAttachmentOut]
    allowed_transitions: list[AllowedTransition]


class TicketFilter(Schema):
    state: TicketState | None = None
    overdue: bool | None = None


class IntakeIn(Schema):
    category: str = Field(..., min_length=1, max_length=40, description="A category code")
    complexity: Complexity = Complexity.GENERAL
    is_petition: bool = False
    caller_name: str = Field(..., min_length=1, max_length=50)
    caller_phone: str = Field(..., min_length=5, max_length=20)
    employer_id: int | None = None
    employer_name: str = Field("", max_length=200)
    employer_address: str = Field("", max_length=200)
    facts: str = Field(..., min_length=1, max_length=2000)
    request: str = Field(..., min_length=1, max_length=1000)


def _visible(user):
    return Ticket.objects.restrict(user, "view").select_related(
        "org", "category", "category__parent"
    )


def _ticket(t: Ticket) -> dict:
    found = deadlines.clock(t)
    return {
        "id": t.pk,
        "number": t.number,
        "channel": t.channel,
        "category": str(t.category),
        "complexity": t.complexity,
        "is_petition": t.is_petition,
        "state": t.state,
        "org_id": t.org_id,
        "org_name": t.org.name,
        "caller_name": mask_name(t.caller_name),
        "caller_phone": mask_phone(t.caller_phone),
        "employer_name": t.employer_name,
        "received_at": t.received_at,
        "due_on": found.due() if found else None,
        "overdue": bool(found and found.status() == "overdue"),
    }


def _attachment(a) -> dict:
    return {
        "id": a.public_id,
        "original_name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "uploaded_at": a.uploaded_at,
    }


def _detail(t: Ticket, user) -> dict:
    return {
        **_ticket(t),
        "facts": t.facts,
        "request": t.request,
        "reply": t.reply,
        "extension": t.extension,
        "rating": t.rating,
        "arrears_recovered": t.arrears_recovered,
        "arrears_workers": t.arrears_workers,
        "steps": [
            {"name": s.name, "org_name": s.org_name, "note": s.note, "at": s.at}
            for s in t.steps.order_by("at", "id")
        ],
        "attachments": [_attachment(a) for a in t.attachments.order_by("id")],
        "allowed_transitions": ticket_states.describe(t, user, "api"),
    }


def _load(request, ticket_id: int) -> Ticket:
    return get_scoped_or_404(_visible(request.user), request.user, "view", pk=ticket_id)


@router.get("", response=list[TicketOut], summary="12351 tickets in your scope")
@paginate(CursorPagination, ordering=("-received_at", "-id"))
def list_tickets(request, filters: Query[TicketFilter]):
    qs = _visible(request.user).order_by("-received_at", "-id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.overdue is not None:
        late = deadlines.overdue(qs)
        qs = late if filters.overdue else qs.exclude(pk__in=late.values("pk"))
    return LazyPage(qs, _ticket)


@router.get("/{int:ticket_id}", response=TicketDetail, summary="One ticket")
def get_ticket(request, ticket_id: int):
    return _detail(_load(request, ticket_id), request.user)


@router.post("", response={201: TicketDetail}, summary="Record a ticket (intake)")
def create_ticket(request, payload: IntakeIn):
    employer = None
    if payload.employer_id is not None:
        employer = get_scoped_or_404(Employer, request.user, "view", pk=payload.employer_id)
    ticket = actions.take_call(
        actor=request.user,
        category=payload.category,
        complexity=payload.complexity,
        is_petition=payload.is_petition,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        employer=employer,
        employer_name=payload.employer_name,
        employer_address=payload.employer_address,
        facts=payload.facts,
        request=payload.request,
        channel=Channel.API,
    )
    return Status(201, _detail(_load(request, ticket.pk), request.user))


@router.post(
    "/{int:ticket_id}/attachments",
    response={201: TicketAttachmentOut},
    summary="Add a document (PDF, JPEG or PNG, at most 10 MB)",
    description="Checked by its content; a bad file answers 400 and nothing is written.",
)
def add_attachment(request, ticket_id: int, file: File[UploadedFile]):
    ticket = _load(request, ticket_id)
    att = attachments.add_attachment(actor=request.user, ticket=ticket, upload=file)
    return Status(201, _attachment(att))


add_transition_routes(
    router,
    ticket_states,
    id_param="ticket_id",
    load=_load,
    respond=lambda request, t: _detail(t, request.user),
    response={200: TicketDetail},
)
