"""Mediation cases on the API (/api/v1/mediation/cases/): the cases in the caller's scope
(a union's staff by the org tree, a partner account by its referrals), one case with its
applicants, claims, sessions, referrals, timeline, documents and ``allowed_transitions``;
staff open a case; a court or agency (or the union on its behalf) refers one in; one endpoint
per declared transition (``POST …/{case_id}/{name}``); the documents as Word files.

The applicants' names and phones are masked; the facts, the agreement's terms and the points
in dispute are the mediators' working text and are returned in the detail only."""

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.orgs.models import Employer
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.pagination import CursorPagination, LazyPage
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes
from gonghui.rights.mediation import deadlines, documents, intake, todos
from gonghui.rights.mediation.choices import CaseState, Direction, Outcome, ReferralKind, Source
from gonghui.rights.mediation.models import MediationCase
from gonghui.rights.mediation.workflows import case_states

router = Router(tags=["Mediation cases"])


class CaseOut(Schema):
    id: int
    number: str
    source: Source
    state: CaseState
    org_id: int
    org_name: str
    employer_name: str
    applied_at: datetime
    accepted_at: datetime | None
    due_on: date | None = Field(description="The running time limit's last day (null: none)")
    overdue: bool
    outcome: Outcome | str


class ApplicantOut(Schema):
    name: str = Field(description="Masked")
    phone: str = Field(description="Masked")


class ClaimOut(Schema):
    item: str
    amount: Decimal
    amount_agreed: Decimal | None


class SessionOut(Schema):
    held_on: date
    place: str
    note: str


class ReferralOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    direction: Direction
    kind: ReferralKind
    agency_case_number: str
    referred_on: date
    signed_at: datetime | None
    returned_on: date | None


class CaseStepOut(Schema):
    name: str
    org_name: str
    note: str
    at: datetime


class CaseDetail(CaseOut):
    facts: str
    applicants: list[ApplicantOut]
    claims: list[ClaimOut]
    sessions: list[SessionOut]
    referrals: list[ReferralOut]
    agreement_terms: str
    amount_agreed: Decimal | None
    dispute_points: str
    arbitration_deadline: date | None
    confirmed_on: date | None
    confirmation_court: str
    confirmation_number: str
    steps: list[CaseStepOut]
    documents: list[str] = Field(description="Document kinds to GET at …/documents/{kind}")
    allowed_transitions: list[AllowedTransition]


class CaseFilter(Schema):
    state: CaseState | None = None
    queue: str | None = Field(None, description="accept, sign, mediating, due or overdue")


class ApplicantIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=30)


class ClaimIn(Schema):
    item: str = Field(..., min_length=1, max_length=200)
    amount: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)


class CaseIn(Schema):
    org_id: int = Field(..., description="The mediating union")
    applicants: list[ApplicantIn] = Field(..., min_length=1)
    claims: list[ClaimIn] = []
    employer_id: int | None = None
    employer_name: str = Field("", max_length=200)
    facts: str = Field(..., min_length=1, max_length=4000)


class ReferralIn(Schema):
    agency_id: int
    kind: ReferralKind
    agency_case_number: str = Field("", max_length=60)
    referred_on: date | None = None
    applicants: list[ApplicantIn] = Field(..., min_length=1)
    claims: list[ClaimIn] = []
    employer_name: str = Field(..., min_length=1, max_length=200)
    facts: str = Field(..., min_length=1, max_length=4000)
    note: str = Field("", max_length=300)


def _visible(user):
    return MediationCase.objects.restrict(user, "view").select_related("org")


def _case(c: MediationCase) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "source": c.source,
        "state": c.state,
        "org_id": c.org_id,
        "org_name": c.org.name,
        "employer_name": c.employer_name,
        "applied_at": c.applied_at,
        "accepted_at": c.accepted_at,
        "due_on": c.due_on,
        "overdue": deadlines.is_overdue(c),
        "outcome": c.outcome,
    }


def _detail(c: MediationCase, user) -> dict:
    # A partner reads only its own agency's referrals (the partner scope on Referral).
    referrals = c.referrals.restrict(user, "view").select_related("agency")
    return {
        **_case(c),
        "facts": c.facts,
        "applicants": [
            {"name": mask_name(a.name), "phone": mask_phone(a.phone) if a.phone else ""}
            for a in c.applicants.all()
        ],
        "claims": [
            {"item": k.item, "amount": k.amount, "amount_agreed": k.amount_agreed}
            for k in c.claims.all()
        ],
        "sessions": [
            {"held_on": s.held_on, "place": s.place, "note": s.note} for s in c.sessions.all()
        ],
        "referrals": [
            {
                "id": r.pk,
                "agency_id": r.agency_id,
                "agency_name": r.agency.name,
                "direction": r.direction,
                "kind": r.kind,
                "agency_case_number": r.agency_case_number,
                "referred_on": r.referred_on,
                "signed_at": r.signed_at,
                "returned_on": r.returned_on,
            }
            for r in referrals
        ],
        "agreement_terms": c.agreement_terms,
        "amount_agreed": c.amount_agreed,
        "dispute_points": c.dispute_points,
        "arbitration_deadline": c.arbitration_deadline,
        "confirmed_on": c.confirmed_on,
        "confirmation_court": c.confirmation_court,
        "confirmation_number": c.confirmation_number,
        "steps": [
            {"name": s.name, "org_name": s.org_name, "note": s.note, "at": s.at}
            for s in c.steps.order_by("at", "id")
        ],
        "documents": documents.available(c),
        "allowed_transitions": case_states.describe(c, user, "api"),
    }


def _load(request, case_id: int) -> MediationCase:
    return get_scoped_or_404(_visible(request.user), request.user, "view", pk=case_id)


def _rows(items) -> list[dict]:
    return [item.dict() for item in items]


@router.get("", response=list[CaseOut], summary="Mediation cases in your scope")
@paginate(CursorPagination, ordering=("-applied_at", "-id"))
def list_cases(request, filters: Query[CaseFilter]):
    qs = _visible(request.user).order_by("-applied_at", "-id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.queue in todos.QUEUES:
        qs = qs.filter(pk__in=todos.QUEUES[filters.queue](request.user).values("pk"))
    return LazyPage(qs, _case)


@router.get("/{int:case_id}", response=CaseDetail, summary="One mediation case")
def get_case(request, case_id: int):
    return _detail(_load(request, case_id), request.user)


@router.post("", response={201: CaseDetail}, summary="Open a mediation case")
def create_case(request, payload: CaseIn):
    employer = None
    if payload.employer_id is not None:
        employer = get_scoped_or_404(Employer, request.user, "view", pk=payload.employer_id)
    case = intake.open_case(
        actor=request.user,
        org=payload.org_id,
        applicants=_rows(payload.applicants),
        claims=_rows(payload.claims),
        employer=employer,
        employer_name=payload.employer_name,
        facts=payload.facts,
    )
    return Status(201, _detail(_load(request, case.pk), request.user))


@router.post(
    "/referrals",
    response={201: CaseDetail},
    summary="Refer a dispute to the union (a court or agency, or the union on its behalf)",
)
def refer_in(request, payload: ReferralIn):
    case = intake.refer_in(
        actor=request.user,
        agency=payload.agency_id,
        kind=payload.kind,
        agency_case_number=payload.agency_case_number,
        referred_on=payload.referred_on,
        applicants=_rows(payload.applicants),
        claims=_rows(payload.claims),
        employer_name=payload.employer_name,
        facts=payload.facts,
        note=payload.note,
    )
    return Status(201, _detail(_load(request, case.pk), request.user))


@router.get(
    "/{int:case_id}/documents/{kind}",
    summary="A document of the case as a Word file (application, agreement, feedback)",
)
def get_document(request, case_id: int, kind: str):
    name, content = documents.download(request.user, case_id, kind)
    response = HttpResponse(content, content_type=documents.DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


add_transition_routes(
    router,
    case_states,
    id_param="case_id",
    load=_load,
    respond=lambda request, c: _detail(c, request.user),
    response={200: CaseDetail},
)
