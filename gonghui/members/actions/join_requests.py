"""Joining: an application (from a QR scan, or entered by staff), its approval or refusal,
and the review's working-day clock. Whether an application that claims an existing person
may be approved is members/identity.py's finding; the states are members/workflows.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.members import identity
from gonghui.members.actions.people import (
    _check_member_org,
    _create_membership,
    _link_account,
    _notify,
    _upsert_person,
    clean_person,
    move,
)
from gonghui.members.choices import EmploymentForm, JoinRequestState, MembershipSource
from gonghui.members.deadlines import JOIN_REVIEW, submitted_on
from gonghui.members.models import JoinChannel, JoinRequest, Membership
from gonghui.orgs.choices import OrgKind, OrgStatus
from gonghui.orgs.models import Org
from gonghui.platform.calendar import workdays
from gonghui.platform.pii.fields import index_for
from gonghui.platform.pii.masking import mask_id_list, mask_name
from gonghui.platform.workflow.base import ActionError, OutOfScope, action


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
    request.decided_at = timezone.now()
    request.decided_by = decided_by
    request.membership = membership
    move(ctx, request, "approve", extra_fields=["decided_at", "decided_by", "membership"])
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
    request.reason = reason[:300]
    request.decided_at = timezone.now()
    request.decided_by = ctx.actor
    move(ctx, request, "reject", extra_fields=["reason", "decided_at", "decided_by"])
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
