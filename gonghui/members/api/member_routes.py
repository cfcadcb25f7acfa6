"""Members: the scoped list and detail, registering a member entered by staff, and one
endpoint per declared change of a membership (members/workflows.py)."""

from datetime import date

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.members import actions, workflows
from gonghui.members.api.shared import (
    _allowed,
    _Lazy,
    _subtree_filter,
)
from gonghui.members.choices import (
    EmploymentForm,
    MembershipState,
)
from gonghui.members.models import Membership
from gonghui.members.search import search_memberships
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.api.errors import replaced
from gonghui.platform.api.pagination import CursorPagination
from gonghui.platform.pii.masking import mask_id_detail, mask_id_list, mask_name, mask_phone
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes

members = Router(tags=["members"])


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
    allowed_transitions: list[AllowedTransition]


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
            "allowed_transitions": _allowed(m, user),
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


def _load_member(request, membership_id: int) -> Membership:
    return get_scoped_or_404(_visible_members(request.user), request.user, "view", pk=membership_id)


add_transition_routes(
    members,
    workflows.membership_states,
    id_param="membership_id",
    load=_load_member,
    respond=lambda request, m: _member_detail(m, request.user),
    response={200: MemberDetail},
)


@members.post(
    "/{int:membership_id}/state",
    summary="Replaced by one endpoint per change (410)",
    deprecated=True,
)
def change_state(request, membership_id: int):
    """Gone: each change is its own endpoint, ``POST /members/{id}/{name}`` (retain, withdraw,
    lapse, reinstate, expel, transfer), with its own body."""
    _load_member(request, membership_id)  # outside the scope: still 404
    names = [
        name for name, t in workflows.membership_states.transitions.items() if "api" in t.faces
    ]
    return replaced(request, names)
