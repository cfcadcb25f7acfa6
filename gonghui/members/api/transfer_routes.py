"""Transfers in and out of the caller's scope, and one endpoint per declared step
(``approve_sending``, ``approve_receiving``, ``reject``, ``cancel``)."""

from datetime import datetime

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from gonghui.members import workflows
from gonghui.members.api.shared import _allowed, _Lazy
from gonghui.members.choices import (
    TransferState,
)
from gonghui.members.models import Transfer
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.errors import replaced
from gonghui.platform.api.pagination import CursorPagination
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes

transfers = Router(tags=["transfers"])


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


class TransferDetail(TransferOut):
    allowed_transitions: list[AllowedTransition]


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


def _load_transfer(request, transfer_id: int) -> Transfer:
    return get_scoped_or_404(_visible_transfers(request.user), request.user, "view", pk=transfer_id)


def _transfer_detail(t: Transfer, user) -> dict:
    return {**_transfer(t), "allowed_transitions": _allowed(t, user)}


@transfers.get("/{int:transfer_id}", response=TransferDetail, summary="One transfer")
def get_transfer(request, transfer_id: int):
    return _transfer_detail(_load_transfer(request, transfer_id), request.user)


# approve_sending (the sending union), approve_receiving (the receiving union), reject (either
# side), cancel: each offered to its own side only; the other side is refused.
add_transition_routes(
    transfers,
    workflows.transfer_states,
    id_param="transfer_id",
    load=_load_transfer,
    respond=lambda request, t: _transfer_detail(t, request.user),
    response={200: TransferDetail},
)


@transfers.post(
    "/{int:transfer_id}/approve",
    summary="Replaced by approve_sending and approve_receiving (410)",
    deprecated=True,
)
def approve_transfer(request, transfer_id: int):
    """Gone: the sending union's step is ``POST /transfers/{id}/approve_sending``, the
    receiving union's ``POST /transfers/{id}/approve_receiving``."""
    _load_transfer(request, transfer_id)  # outside the scope: still 404
    return replaced(request, ["approve_sending", "approve_receiving"])
