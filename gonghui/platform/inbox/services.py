"""The worker's messages: reading them (scoped to her) and marking them read (an action)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from gonghui.platform.inbox.models import Message
from gonghui.platform.workflow.base import action


def messages_for(user):
    """Her messages, newest first: those to her account, and those to her phone's hash sent
    before she had an account."""
    if not getattr(user, "is_authenticated", False):
        return Message.objects.none()
    mine = Q(user=user)
    if getattr(user, "phone_index", ""):
        mine |= Q(user__isnull=True, phone_index=user.phone_index)
    return Message.objects.filter(mine).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return messages_for(user).filter(read_at__isnull=True).count()


@action("inbox.mark_read", permission=None, audit=False)
def mark_read(ctx, *, message_ids=None) -> int:
    """Mark her messages read: the given ones, or all. Messages to her phone's hash become
    her account's as they are read."""
    qs = messages_for(ctx.actor).filter(read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=list(message_ids))
    return Message.objects.filter(pk__in=list(qs.values_list("pk", flat=True))).update(
        read_at=timezone.now(), user=ctx.actor
    )
