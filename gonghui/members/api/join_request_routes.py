"""The join review queue: applications with their review clock and identity checks, one
endpoint per declared transition (同意入会 ``approve``, 不予批准 ``reject``, ``check_identity``)
and the older ``identity-check`` path of the in-person check."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.members import actions, identity, workflows
from gonghui.members.api.shared import _allowed, _Lazy, _subtree_filter
from gonghui.members.choices import (
    EmploymentForm,
    JoinRequestState,
)
from gonghui.members.models import JoinRequest
from gonghui.members.search import overdue_join_requests
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.pagination import CursorPagination
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.pii.masking import mask_id_list, mask_name, mask_phone
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes

join_requests = Router(tags=["join requests"])


class JoinCheckOut(Schema):
    code: str = Field(
        description="already_member, phone_differs, proved, phone_of_another or other_claim"
    )
    message: str
    blocks_approval: bool


class JoinRequestOut(Schema):
    id: int
    name: str = Field(description="Masked")
    id_number: str = Field(description="Masked")
    phone: str = Field(description="Masked")
    org_id: int
    org_name: str
    channel_id: int | None
    employer_name: str
    employment_form: EmploymentForm
    is_migrant: bool
    state: JoinRequestState
    submitted_at: datetime
    decided_at: datetime | None
    reason: str
    working_days_waiting: int | None = Field(
        description="null while the holiday calendar lacks a year it needs (see deadline_note)"
    )
    overdue: bool | None = Field(description="null, like working_days_waiting, without the year")
    deadline_note: str = Field(
        description="Why the review deadline cannot be computed now (a year of the holiday "
        "calendar not entered), else empty"
    )
    membership_id: int | None
    identity_proof: str = Field(description="'', phone_on_file or in_person")
    checks: list[JoinCheckOut] = Field(
        description="What the reviewer must know first; a check that blocks approval says what "
        "to do (the person confirms from the phone on file, or staff record an in-person check)"
    )


class JoinRequestFilter(Schema):
    state: JoinRequestState | None = JoinRequestState.PENDING
    org: int | None = Field(None, description="Only this org and everything below it")
    overdue: bool | None = None


class JoinRequestDetail(JoinRequestOut):
    card_no: str | None = Field(description="The card of the membership it created, once approved")
    allowed_transitions: list[AllowedTransition]


def _with_checks(user):
    """Attach the reviewer's findings to a page of applications (a few queries a page)."""

    def prepare(rows):
        found = identity.join_findings(rows, user)
        for r in rows:
            r.findings = found.get(r.pk, [])

    return prepare


def _review_clock(r: JoinRequest, end) -> dict:
    """The review's working-day clock, or why it cannot be read (a calendar year missing):
    the application itself is still shown."""
    try:
        return {
            "working_days_waiting": actions.working_days_between(
                timezone.localdate(r.submitted_at), end
            ),
            "overdue": actions.is_overdue(r),
            "deadline_note": "",
        }
    except CalendarYearMissing as exc:
        return {"working_days_waiting": None, "overdue": None, "deadline_note": str(exc.message)}


def _join_request(r: JoinRequest) -> dict:
    end = timezone.localdate(r.decided_at) if r.decided_at else timezone.localdate()
    return {
        "id": r.pk,
        "name": mask_name(r.name),
        "id_number": mask_id_list(r.id_number),
        "phone": mask_phone(r.phone),
        "org_id": r.org_id,
        "org_name": r.org.name,
        "channel_id": r.channel_id,
        "employer_name": r.employer_name,
        "employment_form": r.employment_form,
        "is_migrant": r.is_migrant,
        "state": r.state,
        "submitted_at": r.submitted_at,
        "decided_at": r.decided_at,
        "reason": r.reason,
        **_review_clock(r, end),
        "membership_id": r.membership_id,
        "identity_proof": r.identity_proof,
        "checks": [
            {"code": f.code, "message": f.message, "blocks_approval": f.blocks_approval}
            for f in getattr(r, "findings", [])
        ],
    }


def _visible_requests(user):
    return JoinRequest.objects.restrict(user, "view").select_related("org")


@join_requests.get("", response=list[JoinRequestOut], summary="Join applications (pending)")
@paginate(CursorPagination, ordering=("submitted_at", "id"))
def list_join_requests(request, filters: Query[JoinRequestFilter]):
    """Oldest application first. Pages by cursor like the member list: `next`/`previous`
    cursors, `count` on the first page only (capped at 10,000, see `count_capped`)."""
    qs = _visible_requests(request.user).order_by("submitted_at", "id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.org is not None:
        qs = _subtree_filter(qs, request.user, filters.org)
    if filters.overdue is not None:
        overdue = overdue_join_requests(qs)
        qs = overdue if filters.overdue else qs.exclude(pk__in=overdue.values("pk"))
    return _Lazy(qs, _join_request, prepare=_with_checks(request.user))


def _one_request(user, request_id: int) -> JoinRequest:
    r = get_scoped_or_404(
        _visible_requests(user).select_related("membership"), user, "view", pk=request_id
    )
    _with_checks(user)([r])
    return r


def _join_request_detail(r: JoinRequest, user) -> dict:
    return {
        **_join_request(r),
        "card_no": r.membership.card_no if r.membership_id else None,
        # The approve check reads the findings _one_request attached (no second computation).
        "allowed_transitions": _allowed(r, user),
    }


@join_requests.get("/{int:request_id}", response=JoinRequestDetail, summary="One application")
def get_join_request(request, request_id: int):
    return _join_request_detail(_one_request(request.user, request_id), request.user)


add_transition_routes(
    join_requests,
    workflows.join_request_states,
    id_param="request_id",
    load=lambda request, pk: _one_request(request.user, pk),
    respond=lambda request, r: _join_request_detail(r, request.user),
    response={200: JoinRequestDetail},
)


@join_requests.post(
    "/{int:request_id}/identity-check",
    response=JoinRequestDetail,
    summary="Identity checked in person (also POST …/{id}/check_identity)",
)
def record_identity_check(request, request_id: int, payload: workflows.IdentityCheckIn):
    """For an application whose phone is not the one on file: staff saw the ID card in person.
    Approval then replaces the number on file (and tells the old number by SMS). The same
    declared transition as ``POST /join-requests/{id}/check_identity``."""
    r = _one_request(request.user, request_id)
    workflows.join_request_states.run(r, request.user, "check_identity", payload.dict(), "api")
    return _join_request_detail(_one_request(request.user, r.pk), request.user)
