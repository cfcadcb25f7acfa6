"""QR join channels: list, create, revoke."""

from datetime import datetime

from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.members import actions
from gonghui.members.api.shared import (
    _Lazy,
    _subtree_filter,
)
from gonghui.members.models import JoinChannel
from gonghui.members.tokens import join_token
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.pagination import CursorPagination

join_channels = Router(tags=["join channels"])


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
