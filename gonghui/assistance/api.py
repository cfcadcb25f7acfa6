"""Hardship assistance endpoints: files, applications and their review steps, objections,
budgets, the finance queue, payment batches and payment results, campaigns and visits.

Every read goes through ``restrict`` (or :mod:`gonghui.assistance.queries`); every write
calls an action. Bank accounts leave the server masked; health, disability, household,
situation and home-visit findings only with ``assistance.view_sensitive`` on the file.
Amounts are decimal strings ("1234.50"), never floats. Recording a payment result needs an
``Idempotency-Key`` header (UUID): a repeated call answers the first call's response.
"""

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from ninja import Field, File, Form, Header, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import PlainSerializer, WithJsonSchema

from gonghui.assistance import actions, queries
from gonghui.assistance.choices import (
    AidType,
    ApplicationState,
    AttachmentKind,
    BatchState,
    CampaignKind,
    Cause,
    Channel,
    CivilAffairsResult,
    FileLevel,
    FileState,
    Housing,
    ItemState,
    ObjectionDecision,
    PaymentState,
    Relation,
    Tier,
)
from gonghui.assistance.models import (
    AidItem,
    Application,
    Campaign,
    HardshipFile,
    Objection,
    Payment,
    PaymentBatch,
)
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict, user_permissions
from gonghui.platform.api.errors import error_response
from gonghui.platform.api.pagination import LimitOffsetPagination
from gonghui.platform.idempotency.services import HEADER as IDEMPOTENCY_HEADER
from gonghui.platform.idempotency.services import idempotent
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail, mask_name, mask_phone
from gonghui.platform.workflow.base import ActionError

router = Router()
files = Router(tags=["assistance: files"])
applications = Router(tags=["assistance: applications"])
objections = Router(tags=["assistance: applications"])
budgets = Router(tags=["assistance: money"])
items = Router(tags=["assistance: money"])
batches = Router(tags=["assistance: money"])
campaigns = Router(tags=["assistance: campaigns and visits"])
visits = Router(tags=["assistance: campaigns and visits"])

# Money leaves as a decimal string; it is accepted only as a string with at most 2 decimals.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{Decimal(v).quantize(actions.CENT)}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "1234.50"}),
]
MoneyIn = Annotated[
    str,
    Field(pattern=r"^\s*\d{1,9}(\.\d{1,2})?\s*$", examples=["1234.50"]),
]

# Refusals that are about the state of the record rather than the request: 409.
CONFLICT_CODES = frozenset(
    {
        "already_paid",
        "already_paying",
        "invalid_transition",
        "not_payable",
        "not_pending",
        "decided",
        "not_in_publicity",
        "not_editable",
        "application_in_progress",
        "applicant_has_open_file",
        "household_has_open_file",
        "file_closed",
        "open_objections",
        "publicity_running",
    }
)


def refusals(view):
    """Answer an action's refusal with its code: 409 for a state conflict, else 400."""

    @functools.wraps(view)
    def run(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ActionError as exc:
            code = getattr(exc, "code", None) or "invalid"
            status = 409 if code in CONFLICT_CODES else 400
            return error_response(request, status, code, " ".join(exc.messages))

    return run


class _Lazy:
    """Lets the paginator slice the queryset first, then builds rows for one page only."""

    def __init__(self, qs, build):
        self.qs, self.build = qs, build

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        return [self.build(row) for row in self.qs[item]]


ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


# --- hardship files --------------------------------------------------------------------------


class FileOut(Schema):
    id: int
    number: str
    org_id: int
    org_name: str
    applicant_name: str = Field(description="Masked (王*)")
    state: FileState
    tier: str
    level: str
    main_cause: Cause | Literal[""] = Field(
        description="Empty while a member's portal draft has not named it yet"
    )
    household_size: int
    filed_at: datetime | None
    next_review_due: date | None


class HouseholdOut(Schema):
    id: int
    name: str
    relation: Relation
    id_number: str = Field(description="Masked (500112********123X)")
    birth_date: date | None = Field(
        description="Only for a member without an ID number: next to the masked number it "
        "would rebuild the full one (issue #11), so it is null whenever there is one"
    )
    monthly_income: str
    health: str
    school_or_employer: str


class FileDetail(FileOut):
    applicant_name: str = Field(description="Full name")
    applicant_id: int
    applicant_id_number: str = Field(description="Masked (500112********123X)")
    applicant_phone: str = Field(description="Masked (137****0001)")
    secondary_causes: list[str]
    other_cause: str
    employer_position: str
    personal_monthly_income: Money | None
    housing: str
    housing_area: Decimal | None
    household_monthly_income: Money | None
    household_annual_income: Money | None
    single_parent: bool
    zero_employment: bool
    bank_name: str
    bank_account: str = Field(description="Masked (622202*********3445)")
    closed_at: datetime | None
    close_reason: str
    created_at: datetime
    sensitive_hidden: bool = Field(
        description="True when health, disability and household are withheld (null)"
    )
    health: str | None
    disability: str | None
    household: list[HouseholdOut] | None


class FileFilter(Schema):
    state: FileState | None = None
    tier: Tier | None = None


class HouseholdIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    relation: Relation
    id_number: str = Field("", max_length=18)
    birth_date: date | None = None
    monthly_income: MoneyIn | None = None
    health: str = Field("", max_length=200)
    school_or_employer: str = Field("", max_length=200)


class FileIn(Schema):
    org_id: int
    applicant_id: int = Field(description="The person (members) the file is for")
    main_cause: Cause
    secondary_causes: list[Cause] = Field(default_factory=list, max_length=3)
    other_cause: str = Field("", max_length=200)
    tier: Tier | Literal[""] = ""
    level: FileLevel | Literal[""] = ""
    employer_position: str = Field("", max_length=200)
    personal_monthly_income: MoneyIn | None = None
    housing: Housing | Literal[""] = ""
    housing_area: Decimal | None = Field(None, ge=0, le=10000)
    household_size: int = Field(1, ge=1, le=30)
    household_monthly_income: MoneyIn | None = None
    household_annual_income: MoneyIn | None = None
    single_parent: bool = False
    zero_employment: bool = False
    health: str = Field("", max_length=200)
    disability: str = Field("", max_length=200)
    bank_name: str = Field("", max_length=100)
    bank_account: str = Field("", max_length=40)
    household: list[HouseholdIn] | None = None


def _visible_files(user):
    return queries.visible_files(user).select_related("org", "applicant")


def _file(f: HardshipFile) -> dict:
    return {
        "id": f.pk,
        "number": f.number,
        "org_id": f.org_id,
        "org_name": f.org.name,
        "applicant_name": mask_name(f.applicant.name),
        "state": f.state,
        "tier": f.tier,
        "level": f.level,
        "main_cause": f.main_cause,
        "household_size": f.household_size,
        "filed_at": f.filed_at,
        "next_review_due": f.next_review_due,
    }


def _file_detail(f: HardshipFile, user) -> dict:
    data = _file(f)
    person = f.applicant
    sensitive = queries.can_see_sensitive(user, f)
    data.update(
        {
            "applicant_name": person.name,
            "applicant_id": person.pk,
            "applicant_id_number": mask_id_detail(person.id_number),
            "applicant_phone": mask_phone(person.phone) if person.phone else "",
            "secondary_causes": list(f.secondary_causes or []),
            "other_cause": f.other_cause,
            "employer_position": f.employer_position,
            "personal_monthly_income": f.personal_monthly_income,
            "housing": f.housing,
            "housing_area": f.housing_area,
            "household_monthly_income": f.household_monthly_income,
            "household_annual_income": f.household_annual_income,
            "single_parent": f.single_parent,
            "zero_employment": f.zero_employment,
            "bank_name": f.bank_name,
            "bank_account": mask_bank_card(f.bank_account) or "",
            "closed_at": f.closed_at,
            "close_reason": f.close_reason,
            "created_at": f.created_at,
            "sensitive_hidden": not sensitive,
            "health": f.health if sensitive else None,
            "disability": f.disability if sensitive else None,
            "household": [
                {
                    "id": m.pk,
                    "name": m.name,
                    "relation": m.relation,
                    "id_number": mask_id_detail(m.id_number) or "",
                    "birth_date": None if m.id_number else m.birth_date,
                    "monthly_income": m.monthly_income,
                    "health": m.health,
                    "school_or_employer": m.school_or_employer,
                }
                for m in f.household.all()
                if m.name  # rows blanked out when the household shrank
            ]
            if sensitive
            else None,
        }
    )
    return data


@files.get("", response=list[FileOut], summary="Hardship files in your scope")
@paginate(LimitOffsetPagination)
def list_files(request, filters: Query[FileFilter]):
    qs = _visible_files(request.user).order_by("-id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    return _Lazy(qs, _file)


@files.get("/{int:file_id}", response=FileDetail, summary="One hardship file")
def get_file(request, file_id: int):
    f = get_scoped_or_404(_visible_files(request.user), request.user, "view", pk=file_id)
    return _file_detail(f, request.user)


@files.post("", response={201: FileDetail, **ERRORS}, summary="Create a hardship file")
@refusals
def create_file(request, payload: FileIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    person = get_scoped_or_404(Person, request.user, "members.view_person", pk=payload.applicant_id)
    data = payload.dict(exclude={"org_id", "applicant_id", "household"})
    data["secondary_causes"] = [str(c) for c in data["secondary_causes"]]
    household = None
    if payload.household is not None:
        household = [m.dict() for m in payload.household]
    f = actions.save_file(
        actor=request.user, org=org, applicant=person, data=data, household=household
    )
    f = _visible_files(request.user).get(pk=f.pk)
    return Status(201, _file_detail(f, request.user))


# --- applications ----------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    application_id: int
    aid_type: AidType
    beneficiary_id: int | None
    school: str
    amount_requested: Money | None
    amount_approved: Money | None
    state: ItemState
    budget_id: int | None
    note: str
    paid_at: datetime | None


class StepOut(Schema):
    name: str
    from_state: str
    to_state: str
    actor_name: str
    org_name: str
    opinion: str = Field(description="Empty for the home-visit step when findings are hidden")
    at: datetime


class ObjectionOut(Schema):
    id: int
    application_id: int
    received_on: date
    content: str
    raised_by: str
    decision: ObjectionDecision
    decision_note: str
    decided_at: datetime | None


class AttachmentOut(Schema):
    id: UUID
    kind: AttachmentKind
    original_name: str
    content_type: str
    size: int
    uploaded_at: datetime


class ApplicationOut(Schema):
    id: int
    number: str
    file_id: int
    org_id: int
    org_name: str
    applicant_name: str = Field(description="Masked (王*)")
    state: ApplicationState
    channel: Channel
    year: int
    total_requested: Money
    total_approved: Money
    submitted_at: datetime | None
    created_at: datetime


class ApplicationDetail(ApplicationOut):
    applicant_name: str = Field(description="Full name")
    sensitive_hidden: bool
    situation: str | None = Field(description="null when sensitive details are hidden")
    visit_date: date | None
    visitors: str
    visit_findings: str | None = Field(description="null when sensitive details are hidden")
    civil_affairs_result: str
    civil_affairs_checked_on: date | None
    civil_affairs_note: str
    publicity_start: date | None
    publicity_end: date | None
    approval_depth: int | None
    decision_reason: str
    closed_at: datetime | None
    allowed_actions: list[str] = Field(description="Transitions the caller may make now")
    items: list[ItemOut]
    steps: list[StepOut]
    objections: list[ObjectionOut]
    attachments: list[AttachmentOut]


class ApplicationFilter(Schema):
    state: ApplicationState | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    file: int | None = None


class ItemIn(Schema):
    aid_type: AidType
    amount_requested: MoneyIn | None = Field(None, description="Not for employment help")
    beneficiary_id: int | None = Field(None, description="The child, for school aid")
    school: str = Field("", max_length=100)
    note: str = Field("", max_length=300)


class ApplicationIn(Schema):
    file_id: int
    situation: str = Field("", max_length=4000)
    items: list[ItemIn] = Field(..., min_length=1, max_length=10)


class TransitionIn(Schema):
    action: Literal[
        "submit",
        "first_review",
        "record_home_visit",
        "verify",
        "end_publicity",
        "approve",
        "return",
        "reject",
        "withdraw",
    ]
    opinion: str = Field("", max_length=500)
    reason: str = Field("", max_length=500, description="return, reject, withdraw")
    visit_date: date | None = Field(None, description="record_home_visit")
    visitors: str = Field("", max_length=200, description="record_home_visit")
    findings: str = Field("", max_length=4000, description="record_home_visit")
    civil_affairs_result: CivilAffairsResult | None = Field(None, description="verify")
    checked_on: date | None = Field(None, description="verify")
    tier: Tier | Literal[""] = Field("", description="verify")
    level: FileLevel | Literal[""] = Field("", description="verify")
    note: str = Field("", max_length=300, description="verify")
    amounts: dict[int, MoneyIn] | None = Field(
        None, description='approve: item id → amount granted ("0" = not granted)'
    )


def _visible_applications(user):
    return (
        restrict(Application, user, "view")
        .select_related("org", "applicant", "file")
        .prefetch_related("items")
    )


def _application(a: Application) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "file_id": a.file_id,
        "org_id": a.org_id,
        "org_name": a.org.name,
        "applicant_name": mask_name(a.applicant.name),
        "state": a.state,
        "channel": a.channel,
        "year": a.year,
        "total_requested": Decimal(a.total_requested).quantize(actions.CENT),
        "total_approved": Decimal(a.total_approved).quantize(actions.CENT),
        "submitted_at": a.submitted_at,
        "created_at": a.created_at,
    }


def _item(i: AidItem) -> dict:
    return {
        "id": i.pk,
        "application_id": i.application_id,
        "aid_type": i.aid_type,
        "beneficiary_id": i.beneficiary_id,
        "school": i.school,
        "amount_requested": i.amount_requested,
        "amount_approved": i.amount_approved,
        "state": i.state,
        "budget_id": i.budget_id,
        "note": i.note,
        "paid_at": i.paid_at,
    }


def _objection(o: Objection) -> dict:
    return {
        "id": o.pk,
        "application_id": o.application_id,
        "received_on": o.received_on,
        "content": o.content,
        "raised_by": o.raised_by,
        "decision": o.decision,
        "decision_note": o.decision_note,
        "decided_at": o.decided_at,
    }


# Each transition: the permission it needs in scope, or None for the state's step permission.
_TRANSITIONS = {
    "submit": ("assistance.change_application", None),
    "withdraw": ("assistance.change_application", "withdraw"),
    "first_review": ("assistance.first_review_application", "first_review"),
    "record_home_visit": ("assistance.visit_application", "home_visit"),
    "verify": ("assistance.verify_application", "verify"),
    "end_publicity": ("assistance.publicise_application", "end_publicity"),
    "approve": ("assistance.approve_application", "approve"),
    "return": (None, "return"),
    "reject": (None, "reject"),
}


def _allowed_actions(a: Application, user) -> list[str]:
    """The transitions the state machine allows now and ``user`` holds in scope for."""
    perms = user_permissions(user)
    allowed = []
    for name, (perm, machine_name) in _TRANSITIONS.items():
        if machine_name is None:
            if a.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED):
                continue
        elif not actions.application_states.can(a, machine_name):
            continue
        perm = perm or actions.STEP_PERMISSION.get(a.state)
        if perm is None or perm not in perms:
            continue
        if restrict(Application, user, perm).filter(pk=a.pk).exists():
            allowed.append(name)
    return allowed


def _application_detail(a: Application, user) -> dict:
    data = _application(a)
    sensitive = queries.can_see_sensitive(user, a.file)
    data.update(
        {
            "applicant_name": a.applicant.name,
            "sensitive_hidden": not sensitive,
            "situation": a.situation if sensitive else None,
            "visit_date": a.visit_date,
            "visitors": a.visitors,
            "visit_findings": a.visit_findings if sensitive else None,
            "civil_affairs_result": a.civil_affairs_result,
            "civil_affairs_checked_on": a.civil_affairs_checked_on,
            "civil_affairs_note": a.civil_affairs_note,
            "publicity_start": a.publicity_start,
            "publicity_end": a.publicity_end,
            "approval_depth": a.approval_depth,
            "decision_reason": a.decision_reason,
            "closed_at": a.closed_at,
            "allowed_actions": _allowed_actions(a, user),
            "items": [_item(i) for i in a.items.all()],
            "steps": [
                {
                    "name": s.name,
                    "from_state": s.from_state,
                    "to_state": s.to_state,
                    "actor_name": s.actor_name,
                    "org_name": s.org_name,
                    "opinion": s.opinion if sensitive or s.name != "home_visit" else "",
                    "at": s.at,
                }
                for s in a.steps.all()
            ],
            "objections": [_objection(o) for o in a.objections.all()],
            "attachments": [
                {
                    "id": att.public_id,
                    "kind": att.kind,
                    "original_name": att.original_name,
                    "content_type": att.content_type,
                    "size": att.size,
                    "uploaded_at": att.uploaded_at,
                }
                for att in a.attachments.all()
            ],
        }
    )
    return data


def _get_application(request, application_id: int) -> Application:
    return get_scoped_or_404(
        _visible_applications(request.user), request.user, "view", pk=application_id
    )


def _detail(request, application_id: int) -> dict:
    return _application_detail(_get_application(request, application_id), request.user)


@applications.get("", response=list[ApplicationOut], summary="Aid applications in your scope")
@paginate(LimitOffsetPagination)
def list_applications(request, filters: Query[ApplicationFilter]):
    qs = _visible_applications(request.user).order_by("-id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.file is not None:
        qs = qs.filter(file_id=filters.file)
    return _Lazy(qs, _application)


@applications.get("/{int:application_id}", response=ApplicationDetail, summary="One application")
def get_application(request, application_id: int):
    return _detail(request, application_id)


@applications.post(
    "", response={201: ApplicationDetail, **ERRORS}, summary="Enter an application (staff)"
)
@refusals
def create_application(request, payload: ApplicationIn):
    f = get_scoped_or_404(_visible_files(request.user), request.user, "view", pk=payload.file_id)
    application = actions.save_application(
        actor=request.user,
        file=f,
        situation=payload.situation,
        items=[
            {
                "aid_type": i.aid_type,
                "amount_requested": i.amount_requested,
                "beneficiary": i.beneficiary_id,
                "school": i.school,
                "note": i.note,
            }
            for i in payload.items
        ],
    )
    return Status(201, _detail(request, application.pk))


@applications.post(
    "/{int:application_id}/transitions",
    response={200: ApplicationDetail, **ERRORS},
    summary="Move the application on (or back)",
)
@refusals
def transition(request, application_id: int, payload: TransitionIn):
    """``record_home_visit`` needs the signed income-check authorisation uploaded first
    (``POST …/attachments`` with ``kind=income_authorisation``). ``end_publicity`` is
    refused while publicity runs or an objection is open."""
    a = _get_application(request, application_id)
    user = request.user
    name = payload.action
    if name == "submit":
        actions.submit_application(actor=user, application=a)
    elif name == "withdraw":
        actions.withdraw_application(actor=user, application=a, reason=payload.reason)
    elif name == "first_review":
        actions.first_review(actor=user, application=a, opinion=payload.opinion)
    elif name == "record_home_visit":
        actions.record_home_visit(
            actor=user,
            application=a,
            visit_date=payload.visit_date,
            visitors=payload.visitors,
            findings=payload.findings,
        )
    elif name == "verify":
        actions.verify(
            actor=user,
            application=a,
            civil_affairs_result=payload.civil_affairs_result or "",
            checked_on=payload.checked_on,
            tier=payload.tier,
            level=payload.level,
            note=payload.note,
            opinion=payload.opinion,
        )
    elif name == "end_publicity":
        actions.end_publicity(actor=user, application=a)
    elif name == "approve":
        actions.approve(
            actor=user, application=a, amounts=dict(payload.amounts or {}), opinion=payload.opinion
        )
    elif name == "return":
        actions.return_application(actor=user, application=a, reason=payload.reason)
    elif name == "reject":
        actions.reject_application(actor=user, application=a, reason=payload.reason)
    return _detail(request, a.pk)


@applications.post(
    "/{int:application_id}/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="Upload a supporting document (PDF, JPEG or PNG, at most 10 MB)",
)
@refusals
def upload_attachment(
    request,
    application_id: int,
    kind: Form[AttachmentKind],
    file: File[UploadedFile],
):
    a = _get_application(request, application_id)
    att = actions.upload_attachment(
        actor=request.user, file=a.file, application=a, kind=kind, upload=file
    )
    return Status(
        201,
        {
            "id": att.public_id,
            "kind": att.kind,
            "original_name": att.original_name,
            "content_type": att.content_type,
            "size": att.size,
            "uploaded_at": att.uploaded_at,
        },
    )


class ObjectionIn(Schema):
    content: str = Field(..., min_length=1, max_length=4000)
    raised_by: str = Field("", max_length=100)
    received_on: date | None = None


class DecisionIn(Schema):
    upheld: bool
    note: str = Field(..., min_length=1, max_length=300)


@applications.post(
    "/{int:application_id}/objections",
    response={201: ObjectionOut, **ERRORS},
    summary="Record an objection received during publicity",
)
@refusals
def record_objection(request, application_id: int, payload: ObjectionIn):
    a = _get_application(request, application_id)
    o = actions.record_objection(
        actor=request.user,
        application=a,
        content=payload.content,
        raised_by=payload.raised_by,
        received_on=payload.received_on,
    )
    return Status(201, _objection(o))


@objections.post(
    "/{int:objection_id}/decision",
    response={200: ObjectionOut, **ERRORS},
    summary="Decide an objection (upheld sends the case back to verification)",
)
@refusals
def decide_objection(request, objection_id: int, payload: DecisionIn):
    o = get_scoped_or_404(
        Objection.objects.select_related("application"),
        request.user,
        "assistance.view_application",
        pk=objection_id,
    )
    o = actions.decide_objection(
        actor=request.user, objection=o, upheld=payload.upheld, note=payload.note
    )
    return _objection(o)


# --- budgets ---------------------------------------------------------------------------------


class BudgetOut(Schema):
    id: int
    org_id: int
    org_name: str
    year: int
    aid_type: AidType
    amount: Money
    reserved: Money = Field(description="Approved, unpaid")
    paid: Money
    remaining: Money
    note: str


class BudgetIn(Schema):
    org_id: int
    year: int = Field(..., ge=2000, le=2100)
    aid_type: AidType
    amount: MoneyIn
    note: str = Field("", max_length=200)


def _budget(b) -> dict:
    return {
        "id": b.pk,
        "org_id": b.org_id,
        "org_name": b.org.name,
        "year": b.year,
        "aid_type": b.aid_type,
        "amount": b.amount,
        "reserved": b.reserved,
        "paid": b.paid,
        "remaining": b.remaining,
        "note": b.note,
    }


@budgets.get("", response=list[BudgetOut], summary="Budgets in your scope")
@paginate(LimitOffsetPagination)
def list_budgets(request, year: int | None = None, aid_type: AidType | None = None):
    qs = queries.budgets(request.user).order_by("-year", "org__path", "aid_type")
    if year is not None:
        qs = qs.filter(year=year)
    if aid_type:
        qs = qs.filter(aid_type=aid_type)
    return _Lazy(qs, _budget)


@budgets.post("", response={200: BudgetOut, **ERRORS}, summary="Set a budget (create or change)")
@refusals
def set_budget(request, payload: BudgetIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    b = actions.set_budget(
        actor=request.user,
        org=org,
        year=payload.year,
        aid_type=payload.aid_type,
        amount=payload.amount,
        note=payload.note,
    )
    return _budget(queries.budgets(request.user).get(pk=b.pk))


# --- aid items, payment batches and payments ---------------------------------------------------


class QueueItemOut(ItemOut):
    application_number: str
    applicant_name: str = Field(description="Masked")
    org_id: int
    org_name: str


class PaymentOut(Schema):
    id: int
    item_id: int
    batch_id: int | None
    amount: Money
    state: PaymentState
    bank_reference: str
    failure_reason: str
    settled_at: datetime | None


class BatchPaymentOut(PaymentOut):
    application_number: str
    payee: str = Field(description="Masked")
    bank_name: str
    bank_account: str = Field(description="Masked (622202*********3445)")


class BatchOut(Schema):
    id: int
    number: str
    org_id: int
    org_name: str
    state: BatchState
    created_at: datetime
    exported_at: datetime | None
    total: Money


class BatchDetail(BatchOut):
    payments: list[BatchPaymentOut]


class BatchIn(Schema):
    org_id: int = Field(description="The paying union")
    item_ids: list[int] = Field(..., min_length=1, max_length=1000)


class PaymentIn(Schema):
    bank_reference: str = Field(..., min_length=1, max_length=64)


class FailureIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


def _queue_item(i: AidItem) -> dict:
    data = _item(i)
    a = i.application
    data.update(
        {
            "application_number": a.number,
            "applicant_name": mask_name(a.applicant.name),
            "org_id": a.org_id,
            "org_name": a.org.name,
        }
    )
    return data


def _payment(p: Payment) -> dict:
    return {
        "id": p.pk,
        "item_id": p.item_id,
        "batch_id": p.batch_id,
        "amount": p.amount,
        "state": p.state,
        "bank_reference": p.bank_reference,
        "failure_reason": p.failure_reason,
        "settled_at": p.settled_at,
    }


def _batch(b: PaymentBatch, payments=None) -> dict:
    payments = list(payments if payments is not None else b.payments.all())
    return {
        "id": b.pk,
        "number": b.number,
        "org_id": b.org_id,
        "org_name": b.org.name,
        "state": b.state,
        "created_at": b.created_at,
        "exported_at": b.exported_at,
        "total": sum((p.amount for p in payments if p.state != "failed"), Decimal("0.00")),
    }


def _batch_detail(b: PaymentBatch, user) -> dict:
    payments = list(
        restrict(b.payments.all(), user, "view")
        .select_related("item__application__applicant", "item__application__file")
        .order_by("pk")
    )
    data = _batch(b, payments)
    rows = []
    for p in payments:
        a = p.item.application
        row = _payment(p)
        row.update(
            {
                "application_number": a.number,
                "payee": mask_name(a.applicant.name),
                "bank_name": a.file.bank_name,
                "bank_account": mask_bank_card(a.file.bank_account) or "",
            }
        )
        rows.append(row)
    data["payments"] = rows
    return data


@items.get("", response=list[QueueItemOut], summary="Aid items (approved = the finance queue)")
@paginate(LimitOffsetPagination)
def list_items(request, state: ItemState | None = None, application: int | None = None):
    if state == ItemState.APPROVED:
        qs = queries.queue(request.user, "unpaid")
    else:
        qs = restrict(AidItem, request.user, "view").select_related(
            "application__applicant", "application__org"
        )
        if state:
            qs = qs.filter(state=state)
    if application is not None:
        qs = qs.filter(application_id=application)
    return _Lazy(qs.order_by("pk"), _queue_item)


def _payable_item(request, item_id: int) -> AidItem:
    return get_scoped_or_404(AidItem, request.user, "view", pk=item_id)


IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias=IDEMPOTENCY_HEADER,
        description="A UUID, new for each payment result; a repeat answers the first response",
    ),
]


@items.post(
    "/{int:item_id}/payment",
    response={200: PaymentOut, 400: dict, 403: dict, 404: dict, 409: dict, 422: dict},
    summary="Record that the bank paid an item (Idempotency-Key required)",
)
@refusals
def record_payment(request, item_id: int, payload: PaymentIn, idempotency_key: IdempotencyKey):
    def produce():
        item = _payable_item(request, item_id)
        payment = actions.record_payment(
            actor=request.user, item=item, bank_reference=payload.bank_reference
        )
        return 200, PaymentOut.model_validate(_payment(payment)).model_dump(mode="json")

    return idempotent(request, idempotency_key, produce)


@items.post(
    "/{int:item_id}/payment-failure",
    response={200: PaymentOut, 400: dict, 403: dict, 404: dict, 409: dict, 422: dict},
    summary="Record that the bank returned a payment (Idempotency-Key required)",
)
@refusals
def record_payment_failure(
    request, item_id: int, payload: FailureIn, idempotency_key: IdempotencyKey
):
    def produce():
        item = _payable_item(request, item_id)
        payment = actions.record_payment_failure(
            actor=request.user, item=item, reason=payload.reason
        )
        return 200, PaymentOut.model_validate(_payment(payment)).model_dump(mode="json")

    return idempotent(request, idempotency_key, produce)


def _visible_batches(user):
    return restrict(PaymentBatch, user, "view").select_related("org")


@batches.get("", response=list[BatchOut], summary="Payment batches in your scope")
@paginate(LimitOffsetPagination)
def list_batches(request, state: BatchState | None = None):
    qs = _visible_batches(request.user).prefetch_related("payments").order_by("-id")
    if state:
        qs = qs.filter(state=state)
    return _Lazy(qs, _batch)


@batches.get("/{int:batch_id}", response=BatchDetail, summary="One payment batch")
def get_batch(request, batch_id: int):
    b = get_scoped_or_404(_visible_batches(request.user), request.user, "view", pk=batch_id)
    return _batch_detail(b, request.user)


@batches.post("", response={201: BatchDetail, **ERRORS}, summary="Put approved items in a batch")
@refusals
def create_batch(request, payload: BatchIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    b = actions.create_batch(
        actor=request.user, org=org, items=list(dict.fromkeys(payload.item_ids))
    )
    b = _visible_batches(request.user).get(pk=b.pk)
    return Status(201, _batch_detail(b, request.user))


# --- campaigns and condolence visits -----------------------------------------------------------


class CampaignOut(Schema):
    id: int
    org_id: int
    org_name: str
    name: str
    kind: CampaignKind
    starts_on: date
    ends_on: date
    budget: Money
    description: str


class VisitOut(Schema):
    id: int
    campaign_id: int | None
    org_id: int
    org_name: str
    recipient: str = Field(description="Masked when a person")
    head_count: int
    cash: Money
    goods_value: Money
    visited_on: date
    leaders: str
    note: str


class TotalsOut(Schema):
    visits: int
    head_count: int
    cash: Money
    goods_value: Money
    amount: Money


class VisitFilter(Schema):
    campaign: int | None = None
    org: int | None = Field(None, description="Only this org and everything below it")
    start: date | None = None
    end: date | None = None


def _campaign(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "org_id": c.org_id,
        "org_name": c.org.name,
        "name": c.name,
        "kind": c.kind,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "budget": c.budget,
        "description": c.description,
    }


def _visit(v) -> dict:
    return {
        "id": v.pk,
        "campaign_id": v.campaign_id,
        "org_id": v.org_id,
        "org_name": v.org.name,
        "recipient": mask_name(v.recipient) if v.person_id else v.recipient,
        "head_count": v.head_count,
        "cash": v.cash,
        "goods_value": v.goods_value,
        "visited_on": v.visited_on,
        "leaders": v.leaders,
        "note": v.note,
    }


def _visit_filters(request, filters: VisitFilter) -> dict:
    out: dict = {"start": filters.start, "end": filters.end}
    if filters.campaign is not None:
        out["campaign"] = _campaign_or_404(request, filters.campaign)
    if filters.org is not None:
        out["org"] = get_scoped_or_404(Org, request.user, "view", pk=filters.org)
    return out


def _campaign_or_404(request, campaign_id: int) -> Campaign:
    from django.http import Http404

    try:
        return queries.campaigns_for(request.user).get(pk=campaign_id)
    except Campaign.DoesNotExist as exc:
        raise Http404 from exc


@campaigns.get("", response=list[CampaignOut], summary="Campaigns you can record visits under")
@paginate(LimitOffsetPagination)
def list_campaigns(request, kind: CampaignKind | None = None):
    qs = queries.campaigns_for(request.user).order_by("-starts_on", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    return _Lazy(qs, _campaign)


@visits.get("", response=list[VisitOut], summary="Condolence visits in your scope")
@paginate(LimitOffsetPagination)
def list_visits(request, filters: Query[VisitFilter]):
    qs = queries.visits_in(request.user, **_visit_filters(request, filters))
    return _Lazy(qs.select_related("org").order_by("-visited_on", "-id"), _visit)


@visits.get(
    "/totals",
    response={200: TotalsOut, 403: dict},
    summary="Amount and head count (人次) of visits",
)
def visit_totals(request, filters: Query[VisitFilter]):
    """403 without ``assistance.view_visit`` anywhere (zeros would suggest a scope)."""
    if "assistance.view_visit" not in user_permissions(request.user):
        raise PermissionDenied
    t = queries.visit_totals(request.user, **_visit_filters(request, filters))
    return {
        "visits": t.visits,
        "head_count": t.head_count,
        "cash": t.cash,
        "goods_value": t.goods_value,
        "amount": t.amount,
    }


router.add_router("/files/", files)
router.add_router("/applications/", applications)
router.add_router("/objections/", objections)
router.add_router("/budgets/", budgets)
router.add_router("/items/", items)
router.add_router("/payment-batches/", batches)
router.add_router("/campaigns/", campaigns)
router.add_router("/visits/", visits)
