"""Transfers (转会): moving a membership to another union. The member, the sending union or
the receiving union asks; the receiving union accepts (the sending union first where
``GONGHUI_TRANSFER_SENDER_APPROVAL`` asks for it); either side refuses; the member or a union
withdraws the request. Who is offered which step is declared in members/workflows.py."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.members.actions.people import (
    MEMBER_ORG_KINDS,
    _check_member_org,
    _create_membership,
    _notify,
    move,
)
from gonghui.members.choices import (
    MembershipSource,
    MembershipState,
    TransferInitiator,
    TransferState,
)
from gonghui.members.models import Membership, Person, Transfer
from gonghui.orgs.models import Org
from gonghui.orgs.queries import union_directory
from gonghui.platform.feeds import summaries
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.platform.workflow.transitions import machine_for


def find_receiving_org(text: str) -> Org | None:
    """The receiving union by its number or exact name. It is usually outside the sender's
    scope, so it is looked up city-wide; only active unions that hold members qualify."""
    text = (text or "").strip()
    if not text:
        return None
    qs = union_directory(MEMBER_ORG_KINDS)
    if text.isdigit():
        return qs.filter(pk=int(text)).first()
    matches = list(qs.filter(name=text)[:2])
    return matches[0] if len(matches) == 1 else None


def _sender_must_approve() -> bool:
    return getattr(settings, "GONGHUI_TRANSFER_SENDER_APPROVAL", False)


@action("members.request_transfer", permission=None)
def request_transfer(
    ctx,
    *,
    membership: Membership,
    to_org: Org,
    initiated_by: str,
    employer_name: str = "",
    reason: str = "",
) -> Transfer:
    """Ask to move a membership to ``to_org``: by the member (portal), the sending union or
    the receiving union. The receiving side approves; the sending side too where the setting
    ``GONGHUI_TRANSFER_SENDER_APPROVAL`` asks for it."""
    actor = ctx.actor
    if initiated_by == TransferInitiator.MEMBER:
        person = Person.objects.filter(user_id=getattr(actor, "pk", None)).first()
        if person is None or membership.person_id != person.pk:
            raise OutOfScope("not the member's own membership")
    elif initiated_by == TransferInitiator.SENDER:
        membership = ctx.require(membership, "members.add_transfer")
    elif initiated_by == TransferInitiator.RECEIVER:
        to_org = ctx.require(to_org, "members.add_transfer")
    else:
        raise ActionError(_("Unknown requester."), code="invalid_initiator")
    ctx.lock(membership)
    if membership.state != MembershipState.ACTIVE and membership.state != MembershipState.RETAINED:
        raise ActionError(_("Only a current membership can be transferred."), code="not_current")
    _check_member_org(to_org)
    if to_org.pk == membership.org_id:
        raise ActionError(_("The member already belongs to this union."), code="same_org")
    sender_first = _sender_must_approve() and initiated_by != TransferInitiator.SENDER
    transfer = Transfer.objects.create(
        membership=membership,
        from_org=membership.org,
        to_org=to_org,
        employer_name=employer_name,
        initiated_by=initiated_by,
        requested_by=actor if getattr(actor, "pk", None) else None,
        state=TransferState.PENDING_SENDER if sender_first else TransferState.PENDING_RECEIVER,
        reason=(reason or "")[:300],
        requested_at=timezone.now(),
    )
    membership.state_changed_at = timezone.now()
    move(ctx, membership, "transfer", extra_fields=["state_changed_at"])
    ctx.wrote(
        transfer,
        details={"from": membership.org.name, "to": to_org.name, "by": initiated_by},
        recheck=False,
    )
    ctx.org = to_org
    return transfer


@action("members.approve_transfer_sending", permission="members.approve_transfer")
def approve_transfer_sending(ctx, *, transfer: Transfer) -> Transfer:
    """The sending union lets the member go."""
    transfer = ctx.require(transfer)
    ctx.lock(transfer)
    if (
        not Org.objects.restrict(ctx.actor, "members.approve_transfer")
        .filter(pk=transfer.from_org_id)
        .exists()
    ):
        raise OutOfScope("only the sending side approves this step")
    if transfer.state != TransferState.PENDING_SENDER:
        raise ActionError(
            _("This transfer is not waiting for the sending union."), code="invalid_transition"
        )
    transfer.sender_decided_at = timezone.now()
    transfer.sender_decided_by = ctx.actor
    move(ctx, transfer, "approve_sending", extra_fields=["sender_decided_at", "sender_decided_by"])
    ctx.wrote(transfer)
    ctx.org = transfer.from_org
    return transfer


@action("members.approve_transfer", permission="members.approve_transfer")
def approve_transfer(ctx, *, transfer: Transfer) -> Membership:
    """The receiving union accepts: the old membership ends as "transferred", a new one
    starts here with a new card; the person's record moves with it."""
    transfer = ctx.require(transfer)
    ctx.lock(transfer)
    if (
        not Org.objects.restrict(ctx.actor, "members.approve_transfer")
        .filter(pk=transfer.to_org_id)
        .exists()
    ):
        raise OutOfScope("only the receiving side completes a transfer")
    if transfer.state != TransferState.PENDING_RECEIVER:
        raise ActionError(
            _("This transfer is not waiting for the receiving union."), code="invalid_transition"
        )
    old = Membership.objects.select_for_update().get(pk=transfer.membership_id)
    _check_member_org(transfer.to_org)
    before = summaries.snapshot(old)
    today = timezone.localdate()
    old.ended_on = today
    old.end_reason = gettext("Transferred to %(org)s") % {"org": transfer.to_org.name}
    old.state_changed_at = timezone.now()
    move(ctx, old, "complete_transfer", extra_fields=["ended_on", "end_reason", "state_changed_at"])
    summaries.memberships_changed([before], [summaries.snapshot(old)])
    new = _create_membership(
        old.person,
        transfer.to_org,
        source=MembershipSource.TRANSFER,
        employer_name=transfer.employer_name or old.employer_name,
        employment_form=old.employment_form,
        is_migrant=old.is_migrant,
        joined_on=today,
    )
    person = old.person
    person.org = transfer.to_org
    person.save(update_fields=["org", "updated_at"])
    transfer.decided_at = timezone.now()
    transfer.decided_by = ctx.actor
    transfer.new_membership = new
    move(
        ctx,
        transfer,
        "approve_receiving",
        extra_fields=["decided_at", "decided_by", "new_membership"],
    )
    ctx.wrote(transfer, details={"from": transfer.from_org.name, "to": transfer.to_org.name})
    ctx.wrote(new, recheck="members.view_membership")
    ctx.wrote(old, recheck=False)
    ctx.org = transfer.to_org
    if person.phone:
        ctx.on_commit(
            _notify(
                person.phone,
                gettext("[gonghui] Your membership has moved to %(org)s.")
                % {"org": transfer.to_org.name},
            )
        )
    return new


@action("members.reject_transfer", permission="members.approve_transfer")
def reject_transfer(ctx, *, transfer: Transfer, reason: str) -> Transfer:
    """Either side refuses; the membership stays where it was."""
    transfer = ctx.require(transfer)
    ctx.lock(transfer)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("A reason is required."), code="reason_required")
    if transfer.state not in (TransferState.PENDING_SENDER, TransferState.PENDING_RECEIVER):
        raise ActionError(_("This transfer has already been decided."), code="decided")
    _end_transfer(ctx, transfer, "reject", reason)
    ctx.wrote(transfer, details={"reason": reason[:300]})
    ctx.org = transfer.to_org
    return transfer


@action("members.cancel_transfer", permission=None)
def cancel_transfer(ctx, *, transfer: Transfer) -> Transfer:
    """The member (or the union that asked) withdraws the request."""
    person = Person.objects.filter(user_id=getattr(ctx.actor, "pk", None)).first()
    own = person is not None and transfer.membership.person_id == person.pk
    if not own:
        transfer = ctx.require(transfer, "members.change_transfer")
    ctx.lock(transfer)
    if transfer.state not in (TransferState.PENDING_SENDER, TransferState.PENDING_RECEIVER):
        raise ActionError(_("This transfer has already been decided."), code="decided")
    _end_transfer(ctx, transfer, "cancel", "")
    ctx.wrote(transfer, recheck=False)
    ctx.org = transfer.to_org
    return transfer


def _end_transfer(ctx, transfer: Transfer, name: str, reason: str) -> None:
    """Refuse or cancel (``name``) an open transfer: the membership stays where it was."""
    actor = ctx.actor
    transfer.reason = reason[:300] or transfer.reason
    transfer.decided_at = timezone.now()
    transfer.decided_by = actor if getattr(actor, "pk", None) else None
    move(ctx, transfer, name, extra_fields=["reason", "decided_at", "decided_by"])
    # The membership's declared "stay", as one guarded UPDATE (it may be another's row).
    # Transferring and active are both current: the cockpit summaries do not change.
    stay = machine_for(Membership).transitions["stay"]
    Membership.objects.filter(pk=transfer.membership_id, state__in=stay.source).update(
        state=stay.target, state_changed_at=timezone.now()
    )


def describe_phone(phone: str) -> str:
    return mask_phone(phone)
