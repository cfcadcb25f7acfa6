"""Member, join-request, join-channel and transfer endpoints (the public join form is in
``members.api_public``).

Every read goes through ``restrict``; every write calls an action. ID numbers and phones
leave the server masked only: there is no plain value in any response body.
"""

from datetime import date, datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.members import actions, identity
from gonghui.members.choices import (
    EmploymentForm,
    JoinRequestState,
    MembershipState,
    TransferState,
)
from gonghui.members.models import JoinChannel, JoinRequest, Membership, Transfer
from gonghui.members.search import overdue_join_requests, search_memberships
from gonghui.members.tokens import join_token
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict, subtree_ids
from gonghui.platform.api.pagination import CursorPagination
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.pii.masking import mask_id_detail, mask_id_list, mask_name, mask_phone

members = Router(tags=["members"])
join_requests = Router(tags=["join requests"])
join_channels = Router(tags=["join channels"])
transfers = Router(tags=["transfers"])


class _Lazy:
    """Lets the paginator slice the queryset first, then builds rows for one page only.
    With ``values``, the page is read as ``qs.values(*values)`` (the count stays on ``qs``)."""

    def __init__(self, qs, build, values=(), prepare=None):
        self.qs, self.build, self.values = qs, build, tuple(values)
        self.prepare = prepare  # called with the page's rows before they are built

    def rows(self, qs):
        return qs.values(*self.values) if self.values else qs

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        page = list(self.rows(self.qs)[item])
        if self.prepare is not None:
            self.prepare(page)
        return [self.build(row) for row in page]


# --- members ---------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    card_no: str | None
    name: str = Field(description="Masked (张*)")
    id_number: str = Field(description="Masked (1****************X)")
    phone: str = Field(description="Masked (138****5678)")
    org_id: int
    org_name: str
    employer_name: str
    employment_form: EmploymentForm
    is_migrant: bool
    state: MembershipState
    joined_on: date
    lapse_flagged: bool


class MembershipHistoryOut(Schema):
    id: int
    org_name: str
    state: MembershipState
    joined_on: date
    ended_on: date | None
    end_reason: str


class MemberDetail(MemberOut):
    name: str = Field(description="Full name")
    id_number: str = Field(description="Masked (110105********002X)")
    person_id: int
    gender: str
    # No birth date (issue #11): with the masked number it would rebuild the full one, and
    # even the year leaves only ~33 candidates (see gonghui/platform/tests/test_masked_rebuild).
    source: str
    ended_on: date | None
    end_reason: str
    last_dues_on: date | None
    last_activity_on: date | None
    history: list[MembershipHistoryOut]


class MemberFilter(Schema):
    q: str | None = Field(
        None, max_length=50, description="Name, pinyin, initials, full ID, mobile or card number"
    )
    state: MembershipState | None = None
    employment_form: EmploymentForm | None = None
    org: int | None = Field(None, description="Only this org and everything below it")
    joined_from: date | None = None
    joined_to: date | None = None


class MemberIn(Schema):
    org_id: int
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field(..., min_length=15, max_length=18)
    phone: str = Field(..., min_length=11, max_length=20)
    employment_form: EmploymentForm = EmploymentForm.STANDARD
    employer_name: str = Field("", max_length=200)
    is_migrant: bool = False
    joined_on: date | None = None
    identity_checked: bool = Field(
        False,
        description="Staff checked the ID card in person. Needed only when the person is on file "
        "with another mobile number, which is then replaced (the old number is told by SMS).",
    )


class StateIn(Schema):
    transition: str = Field(
        ..., max_length=20, description="retain, withdraw, lapse, reinstate or expel"
    )
    reason: str = Field("", max_length=200)


def _member(m: Membership) -> dict:
    person = m.person
    return {
        "id": m.pk,
        "card_no": m.card_no,
        "name": mask_name(person.name),
        "id_number": mask_id_list(person.id_number),
        "phone": mask_phone(person.phone) if person.phone else "",
        "org_id": m.org_id,
        "org_name": m.org.name,
        "employer_name": m.employer_name,
        "employment_form": m.employment_form,
        "is_migrant": m.is_migrant,
        "state": m.state,
        "joined_on": m.joined_on,
        "lapse_flagged": m.lapse_flagged_at is not None,
    }


def _member_detail(m: Membership, user, history=None) -> dict:
    data = _member(m)
    person = m.person
    if history is None:
        history = restrict(
            person.memberships.select_related("org").order_by("-joined_on", "-id"), user, "view"
        )
    data.update(
        {
            "name": person.name,
            "id_number": mask_id_detail(person.id_number),
            "person_id": person.pk,
            "gender": person.gender,
            "source": m.source,
            "ended_on": m.ended_on,
            "end_reason": m.end_reason,
            "last_dues_on": m.last_dues_on,
            "last_activity_on": m.last_activity_on,
            "history": [
                {
                    "id": h.pk,
                    "org_name": h.org.name,
                    "state": h.state,
                    "joined_on": h.joined_on,
                    "ended_on": h.ended_on,
                    "end_reason": h.end_reason,
                }
                for h in history
            ],
        }
    )
    return data


# The list reads plain values, not model instances: building three models of ~60 columns
# per row cost more than the page query itself (bench B2).
_LIST_COLUMNS = (
    "id",
    "card_no",
    "person__name",
    "person__id_number",
    "person__phone",
    "org_id",
    "org__name",
    "employer_name",
    "employment_form",
    "is_migrant",
    "state",
    "joined_on",
    "lapse_flagged_at",
)


def _member_row(row: dict) -> dict:
    """``_member`` for a row of ``values(*_LIST_COLUMNS)``."""
    phone = row["person__phone"]
    return {
        "id": row["id"],
        "card_no": row["card_no"],
        "name": mask_name(row["person__name"]),
        "id_number": mask_id_list(row["person__id_number"]),
        "phone": mask_phone(phone) if phone else "",
        "org_id": row["org_id"],
        "org_name": row["org__name"],
        "employer_name": row["employer_name"],
        "employment_form": row["employment_form"],
        "is_migrant": row["is_migrant"],
        "state": row["state"],
        "joined_on": row["joined_on"],
        "lapse_flagged": row["lapse_flagged_at"] is not None,
    }


def _visible_members(user):
    return Membership.objects.restrict(user, "view").select_related("person", "org")


def _subtree_filter(qs, user, org_id: int, *fields: str):
    org = get_scoped_or_404(Org, user, "view", pk=org_id)
    ids = subtree_ids(user, org.path)
    q = Q()
    for field in fields or ("org",):
        q |= Q(**{f"{field}_id__in": ids})
    return qs.filter(q)


@members.get("", response=list[MemberOut], summary="Members in your scope")
@paginate(CursorPagination, ordering=("-joined_on", "-id"))
def list_members(request, filters: Query[MemberFilter]):
    """Newest members first (by join date, then id), 50 a page (`limit` up to 200).

    Pages by cursor: the first page is requested without `cursor`; each page gives the
    `next` and `previous` cursors to pass back as `cursor` (null at either end). A page costs
    the same at any depth. `count` is given on the first page only: exact up to 10,000 rows,
    else 10,000 with `count_capped: true`. An invalid cursor is answered 422; `offset` is not
    supported (only `offset=0`, the first page)."""
    qs = _visible_members(request.user).order_by("-joined_on", "-id")
    if filters.q:
        qs = search_memberships(qs, filters.q)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.employment_form:
        qs = qs.filter(employment_form=filters.employment_form)
    if filters.org is not None:
        qs = _subtree_filter(qs, request.user, filters.org)
    if filters.joined_from:
        qs = qs.filter(joined_on__gte=filters.joined_from)
    if filters.joined_to:
        qs = qs.filter(joined_on__lte=filters.joined_to)
    return _Lazy(qs, _member_row, values=_LIST_COLUMNS)


# What the detail reads (a third of the columns: the compiled query and the decrypting of
# fields nobody shows cost more than the lookup itself).
_DETAIL_FIELDS = (
    *("person_id", "org_id", "employer_name", "employment_form", "is_migrant", "state"),
    *("source", "joined_on", "card_no", "last_dues_on", "last_activity_on", "ended_on"),
    *("end_reason", "lapse_flagged_at", "org__name"),
    *(f"person__{name}" for name in ("name", "id_number", "phone", "gender")),
)


@members.get("/{int:membership_id}", response=MemberDetail, summary="One member")
def get_member(request, membership_id: int):
    # One scoped query: the memberships of the person behind ``membership_id`` that the user
    # may view (the history), the requested one among them. Missing and out of scope: 404.
    history = list(
        _visible_members(request.user)
        .filter(person__memberships__pk=membership_id)
        .order_by("-joined_on", "-id")
        .only(*_DETAIL_FIELDS)
    )
    m = next((h for h in history if h.pk == membership_id), None)
    if m is None:
        raise Http404
    return _member_detail(m, request.user, history)


@members.post("", response={201: MemberDetail}, summary="Register a member entered by staff")
def register_member(request, payload: MemberIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    membership = actions.register_member(
        actor=request.user,
        org=org,
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        employment_form=payload.employment_form,
        employer_name=payload.employer_name,
        is_migrant=payload.is_migrant,
        joined_on=payload.joined_on,
        identity_checked=payload.identity_checked,
    )
    m = _visible_members(request.user).get(pk=membership.pk)
    return Status(201, _member_detail(m, request.user))


@members.post("/{int:membership_id}/state", response=MemberDetail, summary="Change the state")
def change_state(request, membership_id: int, payload: StateIn):
    m = get_scoped_or_404(_visible_members(request.user), request.user, "view", pk=membership_id)
    actions.change_membership_state(
        actor=request.user, membership=m, transition=payload.transition, reason=payload.reason
    )
    m = _visible_members(request.user).get(pk=m.pk)
    return _member_detail(m, request.user)


# --- join requests ---------------------------------------------------------------------------


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


class IdentityCheckIn(Schema):
    note: str = Field(
        ..., min_length=1, max_length=200, description="What was checked, where, by whom"
    )


class JoinRequestFilter(Schema):
    state: JoinRequestState | None = JoinRequestState.PENDING
    org: int | None = Field(None, description="Only this org and everything below it")
    overdue: bool | None = None


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class ApproveOut(Schema):
    request: JoinRequestOut
    membership_id: int
    card_no: str | None


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
    r = get_scoped_or_404(_visible_requests(user), user, "view", pk=request_id)
    _with_checks(user)([r])
    return r


@join_requests.get("/{int:request_id}", response=JoinRequestOut, summary="One application")
def get_join_request(request, request_id: int):
    return _join_request(_one_request(request.user, request_id))


@join_requests.post(
    "/{int:request_id}/identity-check",
    response=JoinRequestOut,
    summary="Record an in-person ID check",
)
def record_identity_check(request, request_id: int, payload: IdentityCheckIn):
    """For an application whose phone is not the one on file: staff saw the ID card in person.
    Approval then replaces the number on file (and tells the old number by SMS)."""
    r = get_scoped_or_404(_visible_requests(request.user), request.user, "view", pk=request_id)
    identity.record_identity_check(actor=request.user, request=r, note=payload.note)
    return _join_request(_one_request(request.user, r.pk))


@join_requests.post("/{int:request_id}/approve", response=ApproveOut, summary="Approve")
def approve_join_request(request, request_id: int):
    r = get_scoped_or_404(_visible_requests(request.user), request.user, "view", pk=request_id)
    membership = actions.approve_join_request(actor=request.user, request=r)
    r = _one_request(request.user, r.pk)
    return {
        "request": _join_request(r),
        "membership_id": membership.pk,
        "card_no": membership.card_no,
    }


@join_requests.post("/{int:request_id}/reject", response=JoinRequestOut, summary="Reject")
def reject_join_request(request, request_id: int, payload: ReasonIn):
    r = get_scoped_or_404(_visible_requests(request.user), request.user, "view", pk=request_id)
    actions.reject_join_request(actor=request.user, request=r, reason=payload.reason)
    return _join_request(_one_request(request.user, r.pk))


# --- join channels ---------------------------------------------------------------------------


class JoinChannelOut(Schema):
    id: int
    org_id: int
    org_name: str
    label: str
    auto_approve: bool
    expires_at: datetime | None
    revoked_at: datetime | None
    usable: bool
    join_token: str | None = Field(description="Signed token for the QR; null once unusable")
    created_at: datetime


class JoinChannelIn(Schema):
    org_id: int
    label: str = Field(..., min_length=1, max_length=100)
    auto_approve: bool = False
    expires_at: datetime | None = None


def _channel(c: JoinChannel) -> dict:
    usable = actions.channel_usable(c)
    return {
        "id": c.pk,
        "org_id": c.org_id,
        "org_name": c.org.name,
        "label": c.label,
        "auto_approve": c.auto_approve,
        "expires_at": c.expires_at,
        "revoked_at": c.revoked_at,
        "usable": usable,
        "join_token": join_token(c) if usable else None,
        "created_at": c.created_at,
    }


def _visible_channels(user):
    return JoinChannel.objects.restrict(user, "view").select_related("org")


@join_channels.get("", response=list[JoinChannelOut], summary="QR join channels")
@paginate(CursorPagination, ordering=("-created_at", "-id"))
def list_join_channels(request, org: int | None = None):
    """Newest first. Pages by cursor like the member list."""
    qs = _visible_channels(request.user).order_by("-created_at", "-id")
    if org is not None:
        qs = _subtree_filter(qs, request.user, org)
    return _Lazy(qs, _channel)


@join_channels.post("", response={201: JoinChannelOut}, summary="Create a QR join channel")
def create_join_channel(request, payload: JoinChannelIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    channel = actions.create_join_channel(
        actor=request.user,
        org=org,
        label=payload.label,
        auto_approve=payload.auto_approve,
        expires_at=payload.expires_at,
    )
    return Status(201, _channel(_visible_channels(request.user).get(pk=channel.pk)))


@join_channels.post("/{int:channel_id}/revoke", response=JoinChannelOut, summary="Revoke")
def revoke_join_channel(request, channel_id: int):
    c = get_scoped_or_404(_visible_channels(request.user), request.user, "view", pk=channel_id)
    actions.revoke_join_channel(actor=request.user, channel=c)
    return _channel(_visible_channels(request.user).get(pk=c.pk))


# --- transfers -------------------------------------------------------------------------------


class TransferOut(Schema):
    id: int
    membership_id: int
    member_name: str = Field(description="Masked")
    from_org_id: int
    from_org_name: str
    to_org_id: int
    to_org_name: str
    employer_name: str
    initiated_by: str
    state: TransferState
    reason: str
    requested_at: datetime
    decided_at: datetime | None
    new_membership_id: int | None


def _transfer(t: Transfer) -> dict:
    return {
        "id": t.pk,
        "membership_id": t.membership_id,
        "member_name": mask_name(t.membership.person.name),
        "from_org_id": t.from_org_id,
        "from_org_name": t.from_org.name,
        "to_org_id": t.to_org_id,
        "to_org_name": t.to_org.name,
        "employer_name": t.employer_name,
        "initiated_by": t.initiated_by,
        "state": t.state,
        "reason": t.reason,
        "requested_at": t.requested_at,
        "decided_at": t.decided_at,
        "new_membership_id": t.new_membership_id,
    }


def _visible_transfers(user):
    return Transfer.objects.restrict(user, "view").select_related(
        "membership__person", "from_org", "to_org"
    )


@transfers.get("", response=list[TransferOut], summary="Transfers in and out of your scope")
@paginate(CursorPagination, ordering=("-requested_at", "-id"))
def list_transfers(request, state: TransferState | None = None):
    """Newest request first. Pages by cursor like the member list."""
    qs = _visible_transfers(request.user).order_by("-requested_at", "-id")
    if state:
        qs = qs.filter(state=state)
    return _Lazy(qs, _transfer)


@transfers.get("/{int:transfer_id}", response=TransferOut, summary="One transfer")
def get_transfer(request, transfer_id: int):
    t = get_scoped_or_404(_visible_transfers(request.user), request.user, "view", pk=transfer_id)
    return _transfer(t)


@transfers.post("/{int:transfer_id}/approve", response=TransferOut, summary="Approve a step")
def approve_transfer(request, transfer_id: int):
    """The sending union's step when it is waiting for the sender, else the receiving
    union's, which completes the transfer. The other side gets 404."""
    t = get_scoped_or_404(_visible_transfers(request.user), request.user, "view", pk=transfer_id)
    if t.state == TransferState.PENDING_SENDER:
        actions.approve_transfer_sending(actor=request.user, transfer=t)
    else:
        actions.approve_transfer(actor=request.user, transfer=t)
    return _transfer(_visible_transfers(request.user).get(pk=t.pk))


@transfers.post("/{int:transfer_id}/reject", response=TransferOut, summary="Reject")
def reject_transfer(request, transfer_id: int, payload: ReasonIn):
    t = get_scoped_or_404(_visible_transfers(request.user), request.user, "view", pk=transfer_id)
    actions.reject_transfer(actor=request.user, transfer=t, reason=payload.reason)
    return _transfer(_visible_transfers(request.user).get(pk=t.pk))
