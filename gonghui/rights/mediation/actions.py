"""The write path of a mediation case after intake (intake.py): one action per declared
transition (workflows.py), each audited, locked and leaving a ``CaseStep`` on the timeline the
worker follows. The law is in deadlines.py and domain-scenarios.md C2.

受理 ``accept`` (for a court's referral: signing for it, which starts the court's clock) →
调解中 ``record_session`` → 达成协议 ``agree`` (→ 司法确认 ``confirm``) / 未达成 ``fail`` (the
worker is told the arbitration limit, §27) / 撤回 ``withdraw``. ``extend`` records the days
the parties consented to; ``return_referral`` sends the 委托调解反馈函 back to the agency (a
failed 委派 case goes back to the court for filing); ``refer_out`` refers the case to an agency.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from gonghui.orgs.models import Org
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.roles import ROLES
from gonghui.platform.sms.outbox import enqueue_sms
from gonghui.platform.workflow.base import ActionError, action
from gonghui.platform.workflow.transitions import machine_for
from gonghui.rights.mediation import deadlines
from gonghui.rights.mediation.choices import CaseState, Clock, Direction, Outcome, ReferralKind
from gonghui.rights.mediation.intake import a_date, active_agency, money, step, text
from gonghui.rights.mediation.models import MediationCase, Referral, Session

S = CaseState
ACCEPT = "mediation.accept_mediationcase"
MEDIATE = "mediation.mediate_mediationcase"
REFER = "mediation.refer_mediationcase"
MAX_EXTENSION_DAYS = 60

# The SMS each step she cares about sends to every applicant with a phone (the inbox message
# reaches her account on /m/, inbox.py); the union's name, never a staff member's.
SMS_TEXTS = {
    "accept": N_("[Trade union] %(org)s accepted your mediation application %(number)s."),
    "agree": N_(
        "[Trade union] Your mediation %(number)s at %(org)s reached an agreement. Keep the "
        "signed agreement."
    ),
    "fail": N_(
        "[Trade union] Your mediation %(number)s at %(org)s reached no agreement. You may "
        "apply for labour arbitration until %(limit)s."
    ),
    "confirm": N_(
        "[Trade union] The agreement of your mediation %(number)s was judicially confirmed by "
        "%(court)s."
    ),
}


def _machine():
    machine = machine_for(MediationCase)
    if machine is None:
        raise ImproperlyConfigured("mediation.MediationCase has no registered workflow")
    return machine


def _load(ctx, case, perm=None):
    case = ctx.require(case, perm)
    ctx.lock(case)
    return case


def _sms(ctx, case, name):
    template = SMS_TEXTS.get(name)
    if template is None:
        return
    params = {
        "org": case.org.name,
        "number": case.number,
        "limit": case.arbitration_deadline.isoformat() if case.arbitration_deadline else "",
        "court": case.confirmation_court,
    }
    with translation.override("zh-hans"):
        message = gettext(template) % params
    for phone in {a.phone for a in case.applicants.all() if a.phone}:
        enqueue_sms(phone, message)


def _move(ctx, case, name, *fields, note=""):
    """Apply the declared transition ``name`` (a step keeping the state — ``target`` None —
    is checked against its source states and saves only ``fields``)."""
    before = case.state
    transition = _machine().transitions[name]
    if transition.target is None:
        if before not in transition.source:
            raise ActionError(
                _("This cannot be done while the record is in state “%(state)s”."),
                code="invalid_transition",
                params={"state": before},
            )
        case.save(update_fields=list(fields))
    else:
        _machine().apply(ctx, case, name, extra_fields=fields)
    step(ctx, case, name, before, note)
    ctx.wrote(case, details={"number": case.number})
    ctx.org = case.org
    _sms(ctx, case, name)
    return case


def _start_clock(case, clock, start):
    case.clock = clock
    case.clock_start = start
    case.extension_days = 0
    case.due_on = deadlines.due_on(case)


def mediator_choices(case):
    """Staff holding the mediation permission at the case's union, or above it for the whole
    subtree (one query over the active grants)."""
    path = case.org.path
    step = Org.steplen
    above = [path[:i] for i in range(step, len(path), step)]
    roles = [name for name, role in ROLES.items() if MEDIATE in role.permissions]
    grants = (
        RoleGrant.objects.active()
        .filter(role__in=roles)
        .filter(Q(org_id=case.org_id) | Q(org__path__in=above, include_descendants=True))
    )
    users = get_user_model().objects.filter(
        is_active=True, kind="staff", pk__in=grants.values("user_id")
    )
    return list(users.order_by("pk")[:500])


@action("mediation.accept_case", permission=ACCEPT)
def accept(ctx, *, case, mediator=None):
    """受理. For a court's or agency's referral this is the union signing for it (签收): the
    clock of the referral's kind starts that day (特邀调解规定 §27); otherwise the 15 days of
    劳动争议调解仲裁法 §14 start at acceptance."""
    case = _load(ctx, case)
    now = timezone.now()
    today = timezone.localdate(now)
    referral = (
        Referral.objects.select_for_update()
        .filter(case=case, direction=Direction.IN, signed_at__isnull=True)
        .first()
    )
    clock = Clock.STATUTORY
    if referral is not None:
        referral.signed_at = now
        referral.signed_by = ctx.actor
        referral.save(update_fields=["signed_at", "signed_by"])
        clock = deadlines.CLOCK_OF_REFERRAL.get(referral.kind, Clock.STATUTORY)
    if mediator not in (None, ""):
        mediator_id = getattr(mediator, "pk", mediator)
        chosen = next((u for u in mediator_choices(case) if u.pk == int(mediator_id)), None)
        if chosen is None:
            raise ActionError(_("Choose a mediator of this union."), code="invalid_mediator")
        case.mediator = chosen
    elif case.mediator_id is None:
        case.mediator = ctx.actor
    case.accepted_at = now
    _start_clock(case, clock, today)
    fields = ("accepted_at", "mediator", "clock", "clock_start", "extension_days", "due_on")
    return _move(ctx, case, "accept", *fields)


@action("mediation.record_session", permission=MEDIATE)
def record_session(ctx, *, case, held_on, place, note=""):
    case = _load(ctx, case)
    held_on = a_date(held_on, "held_on")
    if held_on > timezone.localdate():
        raise ActionError(_("A session is recorded once it was held."), code="future")
    Session.objects.create(
        case=case,
        held_on=held_on,
        place=text(place, "place", 200),
        note=text(note, "note", 2000, required=False),
        recorded_by=ctx.actor,
    )
    return _move(ctx, case, "record_session", note=f"{held_on:%Y-%m-%d}")


@action("mediation.extend_case", permission=MEDIATE)
def extend(ctx, *, case, days, reason, consent=False):
    """延长: only with the parties' consent (特邀调解规定 §27), recorded with its reason."""
    case = _load(ctx, case)
    if not consent:
        raise ActionError(
            _("The time limit is extended only with the consent of both parties."),
            code="no_consent",
        )
    days = int(days or 0)
    if days < 1 or case.extension_days + days > MAX_EXTENSION_DAYS:
        raise ActionError(
            _("Extend by 1 to %(max)d days in all."),
            code="invalid_days",
            params={"max": MAX_EXTENSION_DAYS},
        )
    case.extension_days += days
    case.extension_reason = text(reason, "reason", 300)
    case.due_on = deadlines.due_on(case)
    note = f"+{days} · {case.extension_reason}"
    return _move(ctx, case, "extend", "extension_days", "extension_reason", "due_on", note=note)


def _conclude(case, outcome):
    case.outcome = outcome
    case.concluded_at = timezone.now()
    case.due_on = None
    return ("outcome", "concluded_at", "due_on")


@action("mediation.agree_case", permission=MEDIATE)
def agree(ctx, *, case, terms, amount_agreed=None):
    """达成协议: the terms the parties signed (§14: a signed and sealed agreement binds)."""
    case = _load(ctx, case)
    case.agreement_terms = text(terms, "terms", 4000)
    case.amount_agreed = money(amount_agreed, required=False)
    fields = _conclude(case, Outcome.AGREED)
    return _move(ctx, case, "agree", "agreement_terms", "amount_agreed", *fields)


@action("mediation.fail_case", permission=MEDIATE)
def fail(ctx, *, case, dispute_points, infringement_known_on):
    """未达成: the points still in dispute (争议焦点, for the feedback letter) and the day the
    worker knew of the infringement, from which her one-year arbitration limit runs (§27)."""
    case = _load(ctx, case)
    known = a_date(infringement_known_on, "infringement_known_on")
    if known > timezone.localdate():
        raise ActionError(_("This date cannot be in the future."), code="future")
    case.dispute_points = text(dispute_points, "dispute_points", 4000)
    case.infringement_known_on = known
    case.arbitration_deadline = deadlines.arbitration_limit(known)
    fields = _conclude(case, Outcome.FAILED)
    return _move(
        ctx,
        case,
        "fail",
        "dispute_points",
        "infringement_known_on",
        "arbitration_deadline",
        *fields,
    )


@action("mediation.withdraw_case", permission=MEDIATE)
def withdraw(ctx, *, case, reason):
    case = _load(ctx, case)
    case.withdrawal_reason = text(reason, "reason", 300)
    fields = _conclude(case, Outcome.WITHDRAWN)
    return _move(ctx, case, "withdraw", "withdrawal_reason", *fields, note=case.withdrawal_reason)


@action("mediation.confirm_case", permission=MEDIATE)
def confirm(ctx, *, case, confirmed_on, court, case_number):
    """司法确认 of the agreement by a court (特邀调解规定 §19, §21), recorded once."""
    case = _load(ctx, case)
    if case.confirmed_on is not None:
        raise ActionError(_("The judicial confirmation is already recorded."), code="done")
    on = a_date(confirmed_on, "confirmed_on")
    if on > timezone.localdate() or on < timezone.localdate(case.concluded_at or case.applied_at):
        raise ActionError(_("Enter the date the court confirmed it."), code="invalid_date")
    case.confirmed_on = on
    case.confirmation_court = text(court, "court", 200)
    case.confirmation_number = text(case_number, "case_number", 60)
    fields = ("confirmed_on", "confirmation_court", "confirmation_number")
    return _move(ctx, case, "confirm", *fields, note=case.confirmation_number)


def open_inbound(case):
    return case.referrals.filter(direction=Direction.IN, returned_on__isnull=True).first()


def feedback_text(case) -> str:
    """The letter's body from the record: the outcome, or the points in dispute."""
    with translation.override("zh-hans"):
        if case.outcome == Outcome.AGREED:
            body = gettext("The parties reached an agreement: %(terms)s") % {
                "terms": case.agreement_terms
            }
        else:
            body = gettext("No agreement was reached. Points in dispute: %(points)s") % {
                "points": case.dispute_points
            }
    return body


@action("mediation.return_referral", permission=MEDIATE)
def return_referral(ctx, *, case, feedback=""):
    """The 委托调解反馈函 goes back to the agency that referred the case: the outcome, or the
    争议焦点 when it failed; a failed 委派 case goes back to the court for filing."""
    case = _load(ctx, case)
    referral = (
        Referral.objects.select_for_update()
        .filter(case=case, direction=Direction.IN, returned_on__isnull=True)
        .first()
    )
    if referral is None:
        raise ActionError(_("No referral of an agency is waiting for feedback."), code="none")
    referral.feedback = text(feedback, "feedback", 4000, required=False) or feedback_text(case)
    referral.returned_on = timezone.localdate()
    referral.save(update_fields=["feedback", "returned_on"])
    ctx.wrote(referral)
    return _move(ctx, case, "return_referral", note=referral.agency.name)


@action("mediation.refer_out", permission=REFER)
def refer_out(ctx, *, case, agency, kind=ReferralKind.OTHER, note=""):
    """The union refers the case to an agency (the arbitration commission after a failure, a
    law firm, a court). An agency that does not exist or is not in use is refused."""
    case = _load(ctx, case)
    agency = active_agency(agency, ctx.actor)
    if kind not in ReferralKind.values:
        raise ActionError(_("Choose the kind of referral."), code="invalid_kind")
    referral = Referral.objects.create(
        case=case,
        agency=agency,
        direction=Direction.OUT,
        kind=kind,
        referred_on=timezone.localdate(),
        note=text(note, "note", 300, required=False),
        recorded_by=ctx.actor,
    )
    ctx.wrote(referral)
    return _move(ctx, case, "refer_out", note=agency.name)
