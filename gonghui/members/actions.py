"""Joining, membership states and transfers. The only write path for members.

Messages are English msgids translated to Chinese; guards raise ActionError with a code the
API returns and the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from gonghui.members import identity
from gonghui.members.choices import (
    CURRENT_STATES,
    EmploymentForm,
    JoinRequestState,
    MembershipSource,
    MembershipState,
    TransferInitiator,
    TransferState,
)
from gonghui.members.deadlines import JOIN_REVIEW, submitted_on
from gonghui.members.models import JoinChannel, JoinRequest, Membership, Person, Transfer
from gonghui.orgs.choices import OrgKind, OrgStatus
from gonghui.orgs.models import Org
from gonghui.platform.calendar import workdays
from gonghui.platform.feeds import summaries
from gonghui.platform.pii.fields import index_for
from gonghui.platform.pii.masking import mask_id_list, mask_name, mask_phone
from gonghui.platform.validators import normalize_mobile, parse_id_number
from gonghui.platform.workflow.base import ActionError, OutOfScope, StateMachine, Transition, action

# Unions that can hold members directly.
MEMBER_ORG_KINDS = frozenset(
    {
        OrgKind.GRASSROOTS,
        OrgKind.HOLDING_POOL,
        OrgKind.UNION_FEDERATION,
        OrgKind.TOWNSHIP_FEDERATION,
    }
)


# --- validation shared by the portal, the console, the API and the importer ----------------


@dataclass(frozen=True)
class CleanPerson:
    name: str
    id_number: str
    phone: str
    gender: str
    birth_date: date


def clean_person(
    *,
    name: str,
    id_number: str,
    phone: str,
    allow_legacy_15: bool = False,
) -> CleanPerson:
    """Validate the three identifying fields the way every entry point needs them."""
    name = " ".join((name or "").split())
    if not name or len(name) > 50:
        raise ActionError(
            _("Enter the name as on the ID card (at most 50 characters)."), code="invalid_name"
        )
    try:
        info = parse_id_number(id_number or "", allow_legacy_15=allow_legacy_15)
    except ValueError as exc:
        raise ActionError(
            _("The ID number is not valid: check the 18 characters (the last may be X)."),
            code="invalid_id_number",
        ) from exc
    try:
        mobile = normalize_mobile(phone or "")
    except ValueError as exc:
        raise ActionError(
            _("Enter a valid 11-digit mainland mobile number."), code="invalid_mobile"
        ) from exc
    return CleanPerson(
        name=name,
        id_number=info.number,
        phone=mobile,
        gender=info.gender,
        birth_date=info.birth_date,
    )


def pinyin_of(name: str) -> tuple[str, str]:
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower(), "".join(initials).lower()


def member_org_problem(org: Org) -> str | None:
    """Why ``org`` cannot take members (``"org_inactive"``, ``"invalid_member_org"``), or None.

    The one statement of the rule; the importer turns the code into its own cell message."""
    if org.status != OrgStatus.ACTIVE:
        return "org_inactive"
    if org.kind not in MEMBER_ORG_KINDS:
        return "invalid_member_org"
    return None


def _check_member_org(org: Org) -> None:
    problem = member_org_problem(org)
    if problem == "org_inactive":
        raise ActionError(_("This union is not active."), code="org_inactive")
    if problem == "invalid_member_org":
        raise ActionError(
            _(
                "Members belong to a grassroots union, a federation of unions or a holding pool, "
                "not to a %(kind)s."
            ),
            code="invalid_member_org",
            params={"kind": OrgKind(org.kind).label},
        )


def current_membership_of_id(id_number: str) -> Membership | None:
    return (
        Membership.objects.filter(
            person__id_index=index_for("id_number", id_number), state__in=CURRENT_STATES
        )
        .select_related("org")
        .first()
    )


def _upsert_person(
    ctx, data: CleanPerson, org: Org, extra: dict | None = None, *, phone_proved: bool
) -> Person:
    """Find the person by ID (city-wide) or create them; refresh what they told us.

    The phone on file changes only with ``phone_proved`` (members/identity.py): a different
    phone without proof is refused, never written over the one on file."""
    pinyin, initials = pinyin_of(data.name)
    person = Person.objects.filter(id_index=index_for("id_number", data.id_number)).first()
    fields = {
        "name": data.name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "gender": data.gender,
        "birth_date": data.birth_date,
    }
    for key in (
        "ethnicity",
        "education",
        "household_type",
        "skill_level",
        "model_worker_level",
        "residence_region",
    ):
        if extra and extra.get(key):
            fields[key] = extra[key]
    if person is None:
        person = Person(id_number=data.id_number, org=org, phone=data.phone, **fields)
        person.save()
        return person
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.phone != data.phone:
        if not phone_proved:
            raise ActionError(
                _(
                    "This person is on file with another mobile number. Check the ID card in "
                    "person and say so before the number on file is replaced."
                ),
                code="phone_differs",
            )
        identity.set_phone(ctx, person, data.phone)
    for key, value in fields.items():
        setattr(person, key, value)
    person.org = org
    person.save()
    return person


def _link_account(person: Person) -> None:
    from gonghui.accounts.models import User

    if person.user_id or not person.phone:
        return
    user = User.objects.filter(phone_index=index_for("phone", person.phone), kind="member").first()
    if user is not None and not Person.objects.filter(user=user).exists():
        person.user = user
        person.save(update_fields=["user"])


def card_number_for(membership: Membership) -> str:
    # Year of joining + region + the row id: unique, printable, no check digit needed because
    # cards are verified by their signed QR, not by typing the number.
    region = (membership.org.region_code or "500000")[:6]
    return f"{membership.joined_on:%Y}{region}{membership.pk:08d}"


def _create_membership(
    person: Person,
    org: Org,
    *,
    source: str,
    employer=None,
    employer_name: str = "",
    employment_form: str = EmploymentForm.STANDARD,
    is_migrant: bool = False,
    joined_on: date | None = None,
) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person,
                org=org,
                employer=employer,
                employer_name=employer_name or (employer.name if employer else ""),
                employment_form=employment_form,
                is_migrant=is_migrant,
                source=source,
                joined_on=joined_on or timezone.localdate(),
                state=MembershipState.ACTIVE,
            )
    except IntegrityError as exc:
        # The constraint "one current membership per person" caught a race.
        raise ActionError(
            _("This person is already a member of a union."), code="already_member"
        ) from exc
    membership.card_no = card_number_for(membership)
    membership.save(update_fields=["card_no"])
    summaries.memberships_added([membership])
    return membership


_notify = identity.notify


# --- joining --------------------------------------------------------------------------------


def channel_usable(channel: JoinChannel) -> bool:
    now = timezone.now()
    return (
        channel.revoked_at is None
        and (channel.expires_at is None or channel.expires_at > now)
        and channel.org.status == OrgStatus.ACTIVE
    )


@action("members.submit_join_request", permission=None)
def submit_join_request(
    ctx,
    *,
    org: Org,
    name: str,
    id_number: str,
    phone: str,
    employer_name: str,
    employment_form: str,
    channel: JoinChannel | None = None,
    employer=None,
    is_migrant: bool = False,
    residence_region: str = "",
    extra: dict | None = None,
) -> JoinRequest:
    """A worker asks to join ``org`` (from a QR channel, or entered for them by staff).

    Public: the portal calls it for anonymous visitors whose phone was verified by SMS code.
    The employer is not told. The answer is the same whether or not the ID is a member or on
    file with another phone: such a claim waits for the reviewer (and for proof, see
    members/identity.py) and the phone on file is told.
    """
    if channel is not None:
        if not channel_usable(channel):
            raise ActionError(
                _("This join code is no longer valid. Ask the union for a new one."),
                code="channel_closed",
            )
        if org.pk != channel.org_id and not (
            channel.org.kind != OrgKind.HOLDING_POOL and org.kind == OrgKind.HOLDING_POOL
        ):
            raise OutOfScope("the union does not belong to this channel")
    _check_member_org(org)
    data = clean_person(name=name, id_number=id_number, phone=phone)
    if employment_form not in EmploymentForm.values:
        raise ActionError(_("Choose how you work."), code="invalid_employment_form")
    employer_name = " ".join((employer_name or "").split())
    if not employer_name and employer is None:
        raise ActionError(
            _("Enter your employer or the platform you work for."), code="employer_required"
        )
    id_index = index_for("id_number", data.id_number)
    phone_index = index_for("phone", data.phone)
    # What may be said on the spot is only what the proven phone already owns: the person on
    # file with this very phone, or her own open application. Anyone else gets the same answer
    # as a new applicant, and the phone on file is told (members/identity.py).
    on_file = identity.person_on_file(id_index)
    if on_file is not None and on_file.phone_index == phone_index:
        current = on_file.current_membership()
        if current is not None:
            raise ActionError(
                _("You are already a member of %(org)s. To move, ask for a transfer instead."),
                code="already_member",
                params={"org": mask_name(current.org.name)},
            )
    if JoinRequest.objects.filter(
        id_index=id_index, phone_index=phone_index, state=JoinRequestState.PENDING
    ).exists():
        raise ActionError(_("Your application is already being reviewed."), code="pending_exists")
    request = JoinRequest.objects.create(
        org=org,
        channel=channel,
        name=data.name,
        id_number=data.id_number,
        phone=data.phone,
        employer=employer,
        employer_name=employer_name or employer.name,
        employment_form=employment_form,
        is_migrant=is_migrant,
        residence_region=residence_region or "",
        extra=extra or {},
        submitted_at=timezone.now(),
    )
    ctx.wrote(
        request,
        details={
            "org": org.name,
            "name": mask_name(data.name),
            "id": mask_id_list(data.id_number),
            "channel": channel.pk if channel else None,
        },
        recheck=False,
    )
    ctx.org = org
    ctx.on_commit(
        _notify(
            data.phone,
            gettext(
                "[gonghui] We received your application to join %(org)s. "
                "We will tell you the result by SMS."
            )
            % {"org": org.name},
        )
    )
    # Whether or not the ID is a member, or on file with another phone, the applicant gets
    # the same answer; the person on file is told by SMS (members/identity.py).
    identity.tell_person_on_file(ctx=ctx, request=request, person=identity.person_on_file(id_index))
    if channel is not None and channel.auto_approve and identity.may_auto_approve(request):
        _approve(ctx, request, decided_by=None)
    return request


def _approve(ctx, request: JoinRequest, decided_by) -> Membership:
    data = clean_person(name=request.name, id_number=request.id_number, phone=request.phone)
    identity.check_approvable(request, ctx.actor)
    # The applicant proved this phone by SMS; a different phone on file is replaced only
    # because check_approvable found the identity proved.
    person = _upsert_person(
        ctx,
        data,
        request.org,
        {"residence_region": request.residence_region, **request.extra},
        phone_proved=True,
    )
    membership = _create_membership(
        person,
        request.org,
        source=MembershipSource.QR if request.channel_id else MembershipSource.MANUAL,
        employer=request.employer,
        employer_name=request.employer_name,
        employment_form=request.employment_form,
        is_migrant=request.is_migrant,
    )
    _link_account(person)
    request.state = JoinRequestState.APPROVED
    request.decided_at = timezone.now()
    request.decided_by = decided_by
    request.membership = membership
    request.save(update_fields=["state", "decided_at", "decided_by", "membership"])
    ctx.details.update({"approved": True, "membership": membership.pk})
    ctx.on_commit(
        _notify(
            request.phone,
            gettext(
                "[gonghui] Welcome! You are now a member of %(org)s. "
                "Log in with this phone number to see your membership card."
            )
            % {"org": request.org.name},
        )
    )
    return membership


@action("members.approve_join_request", permission="members.approve_joinrequest")
def approve_join_request(ctx, *, request: JoinRequest) -> Membership:
    """Admit the applicant: the person is found or created city-wide and becomes a member."""
    request = ctx.require(request)
    ctx.lock(request)
    if request.state != JoinRequestState.PENDING:
        raise ActionError(_("This application has already been decided."), code="decided")
    membership = _approve(ctx, request, decided_by=ctx.actor)
    ctx.wrote(request, details={"name": mask_name(request.name)})
    ctx.wrote(membership, recheck="members.view_membership")
    ctx.org = request.org
    return membership


@action("members.reject_join_request", permission="members.approve_joinrequest")
def reject_join_request(ctx, *, request: JoinRequest, reason: str) -> JoinRequest:
    """Refuse the application with a reason the applicant is told."""
    request = ctx.require(request)
    ctx.lock(request)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("A reason is required."), code="reason_required")
    if request.state != JoinRequestState.PENDING:
        raise ActionError(_("This application has already been decided."), code="decided")
    request.state = JoinRequestState.REJECTED
    request.reason = reason[:300]
    request.decided_at = timezone.now()
    request.decided_by = ctx.actor
    request.save(update_fields=["state", "reason", "decided_at", "decided_by"])
    ctx.wrote(request, details={"reason": reason[:300], "name": mask_name(request.name)})
    ctx.org = request.org
    ctx.on_commit(
        _notify(
            request.phone,
            gettext("[gonghui] Your application to join %(org)s was not approved: %(reason)s")
            % {"org": request.org.name, "reason": reason[:100]},
        )
    )
    return request


@dataclass
class BatchResult:
    approved: int
    failed: list[tuple[int, str]]


def batch_approve_join_requests(*, actor, requests) -> BatchResult:
    """Approve several applications; each is its own action, so one failure stops nothing."""
    approved, failed = 0, []
    for request in requests:
        try:
            approve_join_request(actor=actor, request=request)
            approved += 1
        except ActionError as exc:
            failed.append((request.pk, " ".join(exc.messages)))
        except (OutOfScope, PermissionDenied):
            failed.append((request.pk, gettext("You may not decide this application.")))
    return BatchResult(approved=approved, failed=failed)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``, on the holiday calendar
    (法定节假日 off, 调休 weekends worked); raises CalendarYearMissing for a year not entered."""
    return workdays.working_days_between(start, end)


def review_due(request: JoinRequest) -> date:
    """The last day to decide the application (JOIN_REVIEW: 15 working days by default)."""
    return JOIN_REVIEW.due(submitted_on(request))


def is_overdue(request: JoinRequest, today: date | None = None) -> bool:
    """Still pending after its review's due day."""
    return request.state == JoinRequestState.PENDING and JOIN_REVIEW.is_overdue(
        submitted_on(request), today
    )


# --- members entered by staff ---------------------------------------------------------------


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

membership_states = StateMachine(
    "state",
    [
        Transition(
            "retain",
            frozenset({MembershipState.ACTIVE}),
            MembershipState.RETAINED,
            _("Retain (retired)"),
        ),
        Transition(
            "withdraw",
            frozenset({MembershipState.ACTIVE, MembershipState.RETAINED}),
            MembershipState.WITHDRAWN,
            _("Withdraw"),
        ),
        Transition(
            "lapse",
            frozenset({MembershipState.ACTIVE}),
            MembershipState.LAPSED,
            _("Mark as lapsed"),
        ),
        Transition(
            "reinstate",
            frozenset({MembershipState.LAPSED, MembershipState.RETAINED}),
            MembershipState.ACTIVE,
            _("Reinstate"),
        ),
        Transition(
            "expel",
            frozenset({MembershipState.ACTIVE, MembershipState.RETAINED, MembershipState.LAPSED}),
            MembershipState.EXPELLED,
            _("Expel"),
        ),
    ],
)
ENDING = {"withdraw", "lapse", "expel"}


@action("members.change_membership_state", permission="members.change_membership")
def change_membership_state(
    ctx, *, membership: Membership, transition: str, reason: str = ""
) -> Membership:
    """Retain, withdraw, lapse, reinstate or expel. Ending a membership needs a reason."""
    membership = ctx.require(membership)
    ctx.lock(membership)
    if transition not in membership_states.transitions:
        raise ActionError(_("Unknown change."), code="invalid_transition")
    before = summaries.snapshot(membership)
    reason = (reason or "").strip()
    if transition in ENDING | {"expel"} and not reason:
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
            membership_states.apply(ctx, membership, transition, extra_fields=extra)
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
    from django.db.models import Q

    months = months or getattr(settings, "GONGHUI_LAPSE_MONTHS", 6)
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=round(months * 30.44))
    stale = Q(last_dues_on__lt=cutoff) | Q(last_dues_on__isnull=True, joined_on__lt=cutoff)
    quiet = Q(last_activity_on__lt=cutoff) | Q(last_activity_on__isnull=True)
    qs = Membership.objects.filter(
        stale & quiet, state=MembershipState.ACTIVE, lapse_flagged_at__isnull=True
    )
    return qs.update(lapse_flagged_at=timezone.now())


# --- transfers -------------------------------------------------------------------------------


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
    membership.state = MembershipState.TRANSFERRING
    membership.state_changed_at = timezone.now()
    membership.save(update_fields=["state", "state_changed_at"])
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
    transfer.state = TransferState.PENDING_RECEIVER
    transfer.sender_decided_at = timezone.now()
    transfer.sender_decided_by = ctx.actor
    transfer.save(update_fields=["state", "sender_decided_at", "sender_decided_by"])
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
    old.state = MembershipState.TRANSFERRED
    old.ended_on = today
    old.end_reason = gettext("Transferred to %(org)s") % {"org": transfer.to_org.name}
    old.state_changed_at = timezone.now()
    old.save(update_fields=["state", "ended_on", "end_reason", "state_changed_at"])
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
    transfer.state = TransferState.APPROVED
    transfer.decided_at = timezone.now()
    transfer.decided_by = ctx.actor
    transfer.new_membership = new
    transfer.save(update_fields=["state", "decided_at", "decided_by", "new_membership"])
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
    _end_transfer(transfer, TransferState.REJECTED, ctx.actor, reason)
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
    _end_transfer(transfer, TransferState.CANCELLED, ctx.actor, "")
    ctx.wrote(transfer, recheck=False)
    ctx.org = transfer.to_org
    return transfer


def _end_transfer(transfer: Transfer, state: str, actor, reason: str) -> None:
    transfer.state = state
    transfer.reason = reason[:300] or transfer.reason
    transfer.decided_at = timezone.now()
    transfer.decided_by = actor if getattr(actor, "pk", None) else None
    transfer.save(update_fields=["state", "reason", "decided_at", "decided_by"])
    # Transferring and active are both current: the cockpit summaries do not change.
    Membership.objects.filter(pk=transfer.membership_id, state=MembershipState.TRANSFERRING).update(
        state=MembershipState.ACTIVE, state_changed_at=timezone.now()
    )


def describe_phone(phone: str) -> str:
    return mask_phone(phone)


# --- join channels (QR posters) --------------------------------------------------------------


@action("members.create_join_channel", permission="members.add_joinchannel")
def create_join_channel(
    ctx, *, org: Org, label: str, auto_approve: bool = False, expires_at=None
) -> JoinChannel:
    """A new QR poster for ``org``. Its token is random; the QR carries it signed."""
    import secrets

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


@action("members.link_account", permission=None)
def link_member_account(ctx) -> Person | None:
    """Let a member account claim the person record with its verified phone number.

    A record created from a join request or a roster import is claimed by whoever proved
    the phone by SMS code. With the same phone on several unclaimed records, the one that is
    a current member wins; if that is still ambiguous nothing is linked."""
    user = ctx.actor
    if not getattr(user, "phone_index", None):
        return None
    candidates = list(
        Person.objects.select_for_update().filter(phone_index=user.phone_index, user__isnull=True)
    )
    if len(candidates) > 1:
        candidates = [
            p for p in candidates if p.memberships.filter(state__in=CURRENT_STATES).exists()
        ]
    if len(candidates) != 1:
        return None
    person = candidates[0]
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    ctx.wrote(person, recheck=False)
    return person
