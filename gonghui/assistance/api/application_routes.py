"""Aid application endpoints (/assistance/applications/): list, detail, create, the review
transitions and attachment uploads.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.assistance import actions, queries
from gonghui.assistance.api._shared import ERRORS, Money, MoneyIn, _Lazy, refusals
from gonghui.assistance.api.file_routes import _visible_files
from gonghui.assistance.choices import (
    AidType,
    ApplicationState,
    AttachmentKind,
    Channel,
    CivilAffairsResult,
    FileLevel,
    ItemState,
    ObjectionDecision,
    Tier,
)
from gonghui.assistance.models import AidItem, Application, Objection
from gonghui.platform.access.scoping import get_scoped_or_404, restrict, user_permissions
from gonghui.platform.api.pagination import LimitOffsetPagination
from gonghui.platform.pii.masking import mask_name

applications = Router(tags=["assistance: applications"])


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


@applications.get(
    "",
    response=list[ApplicationOut],
    summary="Aid applications in your scope",
    operation_id="gonghui_assistance_api_list_applications",
)
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


@applications.get(
    "/{int:application_id}",
    response=ApplicationDetail,
    summary="One application",
    operation_id="gonghui_assistance_api_get_application",
)
def get_application(request, application_id: int):
    return _detail(request, application_id)


@applications.post(
    "",
    response={201: ApplicationDetail, **ERRORS},
    summary="Enter an application (staff)",
    operation_id="gonghui_assistance_api_create_application",
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
    operation_id="gonghui_assistance_api_transition",
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
    operation_id="gonghui_assistance_api_upload_attachment",
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
