"""Flagging a membership for review from the member list (a bulk action) and clearing the
flag. A flag is a note to colleagues, not a state: the membership stays what it is; the
reason shows on the member's page and the list filters by it. Both writes are audited with
the reason."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.members.models import Membership
from gonghui.platform.workflow.base import ActionError, action

REASON_MAX = 200


@action("members.flag_for_review", permission="members.change_membership")
def flag_for_review(ctx, *, membership: Membership, reason: str) -> Membership:
    """Flag ``membership`` for review with ``reason``; flagging it again replaces the reason."""
    membership = ctx.require(membership)
    ctx.lock(membership)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ActionError(_("A reason is required."), code="reason_required")
    if len(reason) > REASON_MAX:
        raise ActionError(
            _("The reason is too long (%(max)d characters at most).") % {"max": REASON_MAX},
            code="reason_too_long",
        )
    before = membership.review_reason
    membership.review_reason = reason
    membership.review_flagged_at = timezone.now()
    membership.review_flagged_by = ctx.actor
    membership.save(update_fields=["review_reason", "review_flagged_at", "review_flagged_by"])
    details = {"reason": reason}
    if before:
        details["replaced"] = before
    ctx.wrote(membership, details=details)
    ctx.org = membership.org
    return membership


@action("members.clear_review_flag", permission="members.change_membership")
def clear_review_flag(ctx, *, membership: Membership) -> Membership:
    """Take the review flag off ``membership`` (the audit event keeps the reason it had)."""
    membership = ctx.require(membership)
    ctx.lock(membership)
    if membership.review_flagged_at is None:
        raise ActionError(_("This member is not flagged for review."), code="not_flagged")
    reason = membership.review_reason
    membership.review_reason = ""
    membership.review_flagged_at = None
    membership.review_flagged_by = None
    membership.save(update_fields=["review_reason", "review_flagged_at", "review_flagged_by"])
    ctx.wrote(membership, details={"reason": reason})
    ctx.org = membership.org
    return membership
