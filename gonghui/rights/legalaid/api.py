"""Legal aid on the API (/api/v1/legal-aid/applications/): the applications in the caller's
scope (a law firm's partner account: those assigned to its firm), one application with its
timeline and ``allowed_transitions``, an application taken by staff, and one endpoint per
declared transition (``POST …/{aid_application_id}/{name}``). The applicant's name, phone and ID
number are masked; the facts and claims are the handling union's working text and are
returned in the detail only."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.orgs.models import Employer
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.pagination import CursorPagination, LazyPage
from gonghui.platform.pii.masking import mask_id_detail, mask_name, mask_phone
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes
from gonghui.rights.legalaid import actions, deadlines
from gonghui.rights.legalaid.choices import AidChannel, AidState, CaseType, Hardship, Outcome
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.workflows import aid_states
from gonghui.rights.models import Ticket

router = Router(tags=["Legal aid"])


class AidApplicationOut(Schema):
    id: int
    number: str
    channel: AidChannel
    case_type: CaseType
    state: AidState
    org_id: int
    org_name: str
    applicant_name: str = Field(description="Masked")
    applicant_phone: str = Field(description="Masked")
    employer_name: str
    applied_at: datetime
    lawyer_firm: str = Field(description="The assigned lawyer's firm (empty: none yet)")
    due_on: date | None = Field(description="The running clock's due day (null: none running)")
    overdue: bool


class AidStepOut(Schema):
    name: str
    org_name: str
    note: str
    at: datetime


class AidApplicationDetail(AidApplicationOut):
    applicant_id_number: str = Field(description="Masked")
    facts: str
    claims: str
    ticket_id: int | None
    correction_request: str
    hardship: Hardship | str
    hardship_file_number: str
    decided_at: datetime | None
    refusal_reason: str
    lawyer_name: str
    assigned_at: datetime | None
    outcome: Outcome | str
    amount_recovered: Decimal
    closed_at: datetime | None
    steps: list[AidStepOut]
    allowed_transitions: list[AllowedTransition]


class AidApplicationFilter(Schema):
    state: AidState | None = None
    overdue: bool | None = None


class AidApplicationIn(Schema):
    applicant_name: str = Field(..., min_length=1, max_length=50)
    applicant_phone: str = Field(..., min_length=5, max_length=20)
    applicant_id_number: str = Field("", max_length=18)
    case_type: CaseType
    employer_id: int | None = None
    employer_name: str = Field("", max_length=200)
    facts: str = Field(..., min_length=1, max_length=2000)
    claims: str = Field(..., min_length=1, max_length=1000)


def _visible(user):
    return AidApplication.objects.restrict(user, "view").select_related("org", "lawyer_agency")


def _row(a: AidApplication) -> dict:
    found = deadlines.clock(a)
    return {
        "id": a.pk,
        "number": a.number,
        "channel": a.channel,
        "case_type": a.case_type,
        "state": a.state,
        "org_id": a.org_id,
        "org_name": a.org.name,
        "applicant_name": mask_name(a.applicant_name),
        "applicant_phone": mask_phone(a.applicant_phone),
        "employer_name": a.employer_name,
        "applied_at": a.applied_at,
        "lawyer_firm": a.lawyer_label,
        "due_on": found.due() if found else None,
        "overdue": bool(found and found.status() == "overdue"),
    }


def _detail(a: AidApplication, user) -> dict:
    return {
        **_row(a),
        "applicant_id_number": mask_id_detail(a.applicant_id_number)
        if a.applicant_id_number
        else "",
        "facts": a.facts,
        "claims": a.claims,
        "ticket_id": a.ticket_id,
        "correction_request": a.correction_request,
        "hardship": a.hardship,
        "hardship_file_number": a.hardship_file_number,
        "decided_at": a.decided_at,
        "refusal_reason": a.refusal_reason,
        "lawyer_name": a.lawyer_name,
        "assigned_at": a.assigned_at,
        "outcome": a.outcome,
        "amount_recovered": a.amount_recovered,
        "closed_at": a.closed_at,
        "steps": [
            {"name": s.name, "org_name": s.org_name, "note": s.note, "at": s.at}
            for s in a.steps.order_by("at", "id")
        ],
        "allowed_transitions": aid_states.describe(a, user, "api"),
    }


def _load(request, aid_application_id: int) -> AidApplication:
    return get_scoped_or_404(_visible(request.user), request.user, "view", pk=aid_application_id)


@router.get("", response=list[AidApplicationOut], summary="Legal-aid applications in your scope")
@paginate(CursorPagination, ordering=("-applied_at", "-id"))
def list_applications(request, filters: Query[AidApplicationFilter]):
    qs = _visible(request.user).order_by("-applied_at", "-id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.overdue is not None:
        late = deadlines.overdue(qs)
        qs = late if filters.overdue else qs.exclude(pk__in=late.values("pk"))
    return LazyPage(qs, _row)


@router.get("/{int:aid_application_id}", response=AidApplicationDetail, summary="One application")
def get_application(request, aid_application_id: int):
    return _detail(_load(request, aid_application_id), request.user)


@router.post("", response={201: AidApplicationDetail}, summary="Take an application (staff)")
def create_application(request, payload: AidApplicationIn):
    employer = None
    if payload.employer_id is not None:
        employer = get_scoped_or_404(Employer, request.user, "view", pk=payload.employer_id)
    app = actions.take_application(
        actor=request.user,
        applicant_name=payload.applicant_name,
        applicant_phone=payload.applicant_phone,
        applicant_id_number=payload.applicant_id_number,
        case_type=payload.case_type,
        employer=employer,
        employer_name=payload.employer_name,
        facts=payload.facts,
        claims=payload.claims,
        channel=AidChannel.API,
    )
    return Status(201, _detail(_load(request, app.pk), request.user))


class FromTicketIn(Schema):
    case_type: CaseType = CaseType.OTHER


@router.post(
    "/from-ticket/{int:ticket_id}",
    response={201: AidApplicationDetail},
    summary="Turn a 12351 legal-aid ticket into an application",
)
def create_from_ticket(request, ticket_id: int, payload: FromTicketIn):
    ticket = get_scoped_or_404(Ticket, request.user, "view", pk=ticket_id)
    app = actions.apply_from_ticket(actor=request.user, ticket=ticket, case_type=payload.case_type)
    return Status(201, _detail(_load(request, app.pk), request.user))


add_transition_routes(
    router,
    aid_states,
    id_param="aid_application_id",
    load=_load,
    respond=lambda request, a: _detail(a, request.user),
    response={200: AidApplicationDetail},
)
