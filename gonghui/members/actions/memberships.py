"""Memberships entered by staff and the changes of a membership's state (retain, withdraw,
lapse, reinstate, expel). The states and who may change them are declared in
members/workflows.py; a transfer's changes are members/actions/transfers.py's."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.members import identity
from gonghui.members.actions.people import (
    _check_member_org,
    _create_membership,
    _link_account,
    _upsert_person,
    clean_person,
    current_membership_of_id,
    move,
)
from gonghui.members.choices import EmploymentForm, MembershipSource, MembershipState
from gonghui.members.models import Membership
from gonghui.orgs.models import Org
from gonghui.platform.feeds import summaries
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.base import ActionError, action


@action("members.register_member", permission="members.add_membership")
def register_member(
    ctx,
    *,
    org: Org,
    name: str,
    id_number: str,
    phone: str,
    employment_form: str = EmploymentForm.STANDARD,
    employer=None,
    employer_name: str = "",
    is_migrant: bool = False,
    joined_on: date | None = None,
    extra: dict | None = None,
    identity_checked: bool = False,
) -> Membership:
    """Staff enter a member directly (paper application already approved).

    A person on file with another phone keeps it unless ``identity_checked`` says staff saw
    the ID card in person; then the number is replaced and the old one is told."""
    org = ctx.require(org, "members.add_membership")
    _check_member_org(org)
    data = clean_person(name=name, id_number=id_number, phone=phone)
    current = current_membership_of_id(data.id_number)
    if current is not None:
        raise ActionError(
            identity.already_member_message(ctx.actor, current), code="already_member"
        )
    person = _upsert_person(ctx, data, org, extra, phone_proved=identity_checked)
    if identity_checked:
        ctx.details["identity_checked"] = True
    membership = _create_membership(
        person,
        org,
        source=MembershipSource.MANUAL,
        employer=employer,
        employer_name=employer_name,
        employment_form=employment_form,
        is_migrant=is_migrant,
        joined_on=joined_on,
    )
    _link_account(person)
    ctx.wrote(membership, details={"name": mask_name(data.name), "org": org.name})
    ctx.org = org
    return membership


# --- membership states ------------------------------------------------------------------------

# The changes a person makes with change_membership_state (the transfer's are the transfer
# actions'), and those that end the membership, which need a reason.
STATE_CHANGES = frozenset({"retain", "withdraw", "lapse", "reinstate", "expel"})
ENDING = {"withdraw", "lapse", "expel"}


@action("members.change_membership_state", permission="members.change_membership")
def change_membership_state(
    ctx, *, membership: Membership, transition: str, reason: str = ""
) -> Membership:
    """Retain, withdraw, lapse, reinstate or expel. Ending a membership needs a reason."""
    membership = ctx.require(membership)
    ctx.lock(membership)
    if transition not in STATE_CHANGES:
        raise ActionError(_("Unknown change."), code="invalid_transition")
    before = summaries.snapshot(membership)
    reason = (reason or "").strip()
    if transition in ENDING and not reason:
        raise ActionError(_("A reason is required."), code="reason_required")
    extra = ["state_changed_at"]
    membership.state_changed_at = timezone.now()
    if transition in ENDING:
        membership.ended_on = timezone.localdate()
        membership.end_reason = reason[:200]
        extra += ["ended_on", "end_reason"]
    elif transition == "reinstate":
        if current_membership_of_id(membership.person.id_number) not in (None, membership):
            raise ActionError(
                _("This person is already a member of another union."), code="already_member"
            )
        membership.ended_on = None
        membership.lapse_flagged_at = None
        extra += ["ended_on", "lapse_flagged_at"]
    try:
        with transaction.atomic():
            move(ctx, membership, transition, extra_fields=extra)
    except IntegrityError as exc:
        raise ActionError(
            _("This person is already a member of another union."), code="already_member"
        ) from exc
    summaries.memberships_changed([before], [summaries.snapshot(membership)])
    ctx.wrote(membership, details={"reason": reason[:200]})
    ctx.org = membership.org
    return membership


def flag_lapsing_memberships(*, months: int | None = None, today: date | None = None) -> int:
    """Mark active memberships without dues or activity for ``months`` (6 by default) so that
    they head the review list. Flags only: a person decides the lapse. Returns the count."""
    months = months or getattr(settings, "GONGHUI_LAPSE_MONTHS", 6)
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=round(months * 30.44))
    stale = Q(last_dues_on__lt=cutoff) | Q(last_dues_on__isnull=True, joined_on__lt=cutoff)
    quiet = Q(last_activity_on__lt=cutoff) | Q(last_activity_on__isnull=True)
    qs = Membership.objects.filter(
        stale & quiet, state=MembershipState.ACTIVE, lapse_flagged_at__isnull=True
    )
    return qs.update(lapse_flagged_at=timezone.now())
