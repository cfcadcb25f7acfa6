"""Aid application endpoints (/assistance/applications/): list, detail, create, the review
transitions and attachment uploads.

Each transition of the case is its own endpoint, ``POST /applications/{id}/{name}``, with its
own body (:mod:`gonghui.assistance.workflows_cases`): a wrong body is 422 naming the field, a
transition whose check has reasons is 409 with each reason in ``details``, an application
outside the caller's scope is 404. Every detail says ``allowed_transitions`` (name, label,
enabled, reasons) for the caller. The former catch-all ``POST …/transitions`` answers 410.
"""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.assistance import actions, queries
from gonghui.assistance.api._shared import (
    ERRORS,
    Money,
    MoneyIn,
    _Lazy,
)
from gonghui.assistance.api.file_routes import _visible_files
from gonghui.assistance.choices import (
    AidType,
    ApplicationState,
    AttachmentKind,
    Channel,
    ItemState,
    ObjectionDecision,
)
from gonghui.assistance.models import AidItem, Application, Objection
from gonghui.assistance.workflows_cases import application_states, objection_states
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.api.errors import replaced
from gonghui.platform.api.pagination import LimitOffsetPagination
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes

applications = Router(tags=["assistance: applications"])


class ItemOut(Schema):
    id: int
    application_id: int
    aid_type: AidType
    beneficiary_id: int | None
    school: str
    amount_requested: Money | None
    amount_verified: Money | None = Field(
        description="核定金额, set at verification: approval grants at most this"
    )
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
    allowed_transitions: list[AllowedTransition] = Field(
        description="uphold / dismiss: POST /objections/{id}/{name}"
    )


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
    verify_cut_reason: str = Field(description="Why less than requested was verified")
    total_verified: Money = Field(
        description="The verified total (the request where unverified): it decides the "
        "approval level"
    )
    approval_depth: int | None
    decision_reason: str
    closed_at: datetime | None
    allowed_transitions: list[AllowedTransition] = Field(
        description="The transitions you may take now (POST …/{id}/{name}), and why a "
        "disabled one cannot run"
    )
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
        "amount_verified": i.amount_verified,
        "amount_approved": i.amount_approved,
        "state": i.state,
        "budget_id": i.budget_id,
        "note": i.note,
        "paid_at": i.paid_at,
    }


def _objection(o: Objection, user) -> dict:
    return {
        "id": o.pk,
        "application_id": o.application_id,
        "received_on": o.received_on,
        "content": o.content,
        "raised_by": mask_name(o.raised_by or ""),
        "decision": o.decision,
        "decision_note": o.decision_note,
        "decided_at": o.decided_at,
        "allowed_transitions": objection_states.describe(o, user, "api"),
    }


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
            "verify_cut_reason": a.verify_cut_reason,
            "total_verified": Decimal(a.total_verified).quantize(actions.CENT),
            "approval_depth": a.approval_depth,
            "decision_reason": a.decision_reason,
            "closed_at": a.closed_at,
            "allowed_transitions": application_states.describe(a, user, "api"),
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
            "objections": [_objection(o, user) for o in a.objections.all()],
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


# POST /applications/{id}/submit, /first_review, /home_visit, /verify, /end_publicity,
# /approve, /escalate, /return, /reject, /withdraw: each with its own body.
TRANSITION_PATHS = add_transition_routes(
    applications,
    application_states,
    id_param="application_id",
    load=_get_application,
    respond=lambda request, a: _application_detail(a, request.user),
    response={200: ApplicationDetail},
)


@applications.post(
    "/{int:application_id}/transitions",
    summary="Replaced by one endpoint per transition (410)",
    operation_id="gonghui_assistance_api_transition",
    deprecated=True,
)
def transition(request, application_id: int):
    """Gone: each transition is ``POST /applications/{id}/{name}`` with its own body (see
    ``allowed_transitions`` in the detail)."""
    _get_application(request, application_id)  # outside the scope: still 404
    return replaced(request, [p.rsplit("/", 1)[1] for p in TRANSITION_PATHS])


@applications.post(
    "/{int:application_id}/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="Upload a supporting document (PDF, JPEG or PNG, at most 10 MB)",
    operation_id="gonghui_assistance_api_upload_attachment",
)
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
