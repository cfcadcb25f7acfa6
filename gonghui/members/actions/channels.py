"""QR join channels: the posters a union puts up, and revoking one that should stop working."""

from __future__ import annotations

import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.members.actions.people import _check_member_org
from gonghui.members.models import JoinChannel
from gonghui.orgs.models import Org
from gonghui.platform.workflow.base import ActionError, action


@action("members.create_join_channel", permission="members.add_joinchannel")
def create_join_channel(
    ctx, *, org: Org, label: str, auto_approve: bool = False, expires_at=None
) -> JoinChannel:
    """A new QR poster for ``org``. Its token is random; the QR carries it signed."""
    org = ctx.require(org, "members.add_joinchannel")
    _check_member_org(org)
    label = (label or "").strip()
    if not label:
        raise ActionError(_("The label is required."), code="required")
    if expires_at is not None and expires_at <= timezone.now():
        raise ActionError(_("The expiry must be in the future."), code="expired")
    channel = JoinChannel.objects.create(
        org=org,
        label=label[:100],
        auto_approve=auto_approve,
        expires_at=expires_at,
        created_by=ctx.actor,
        token=secrets.token_urlsafe(18),
    )
    ctx.wrote(channel, details={"org": org.name, "label": label, "auto": auto_approve})
    return channel


@action("members.revoke_join_channel", permission="members.change_joinchannel")
def revoke_join_channel(ctx, *, channel: JoinChannel) -> JoinChannel:
    """Stop a poster from working (e.g. it was posted where it should not be)."""
    channel = ctx.require(channel)
    ctx.lock(channel)
    if channel.revoked_at is None:
        channel.revoked_at = timezone.now()
        channel.save(update_fields=["revoked_at"])
    ctx.wrote(channel)
    return channel
