"""The review steps of an application: first review, home visit, verification (with the
verified amounts), publicity with its objections, return for correction and rejection.
Approval is in :mod:`gonghui.assistance.actions.approval`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import (
    Declared,
    S,
    _notify_applicant,
    _reason,
    _step,
    _wrong_state,
    parse_amount,
)
from gonghui.assistance.actions.applications import (
    _close_unfiled,
    _require_step,
    _transition,
    application_states,
)
from gonghui.assistance.actions.files import _store_attachment
from gonghui.assistance.choices import (
    NON_MONEY_AID,
    AttachmentKind,
    CivilAffairsResult,
    FileLevel,
    ObjectionDecision,
    Tier,
)
from gonghui.assistance.deadlines import PUBLICITY
from gonghui.assistance.models import AidItem, Application, Objection
from gonghui.platform.access.scoping import highest_covering_depth
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.validators import normalize_mobile
from gonghui.platform.workflow.base import ActionError, action

# The declared decisions of an objection (workflows_cases.py): upheld or dismissed, once.
objection_states = Declared(Objection)


@action("assistance.first_review", permission="assistance.first_review_application")
def first_review(ctx, *, application: Application, opinion: str = "") -> Application:
    """初审 by the grassroots union: the case goes on to the home visit."""
    application = ctx.require(application)
    ctx.lock(application)
    application.first_reviewed_by = ctx.actor
    application.first_reviewed_at = timezone.now()
    return _transition(
        ctx, application, "first_review", opinion, ["first_reviewed_by", "first_reviewed_at"]
    )


@action("assistance.record_home_visit", permission="assistance.visit_application")
def record_home_visit(
    ctx,
    *,
    application: Application,
    visit_date: date,
    visitors: str,
    findings: str,
    authorisation=None,
) -> Application:
    """入户调查: who visited when, what they found, and the signed income-check authorisation."""
    application = ctx.require(application)
    ctx.lock(application)
    if not application_states.can(application, "home_visit"):
        _wrong_state(application)
    if visit_date is None or visit_date > timezone.localdate():
        raise ActionError(_("Give the date of the visit (not in the future)."), code="visit_date")
    visitors = (visitors or "").strip()
    findings = (findings or "").strip()
    if not visitors or len(findings) < 2:
        raise ActionError(_("Name the visitors and record what they found."), code="visit_report")
    if authorisation is not None:
        _store_attachment(
            ctx,
            file=application.file,
            application=application,
            kind=AttachmentKind.INCOME_AUTHORISATION,
            upload=authorisation,
        )
    if not application.file.attachments.filter(kind=AttachmentKind.INCOME_AUTHORISATION).exists():
        raise ActionError(
            _("Upload the signed income-check authorisation."), code="authorisation_missing"
        )
    application.visit_date = visit_date
    application.visitors = visitors[:200]
    application.visit_findings = findings[:4000]
    return _transition(
        ctx, application, "home_visit", findings[:500], ["visit_date", "visitors", "visit_findings"]
    )


@action("assistance.verify", permission="assistance.verify_application")
def verify(
    ctx,
    *,
    application: Application,
    civil_affairs_result: str,
    checked_on: date | None,
    tier: str = "",
    level: str = "",
    note: str = "",
    opinion: str = "",
    today: date | None = None,
    amounts: dict | None = None,
    cut_reason: str = "",
) -> Application:
    """核实 by a county-level (or higher) assistance centre, with the civil-affairs income check
    entered by hand; the case then goes into publicity from ``today`` (the day of
    verification) for the PUBLICITY rule's working days on the holiday calendar.

    ``amounts`` (item id → yuan) are the verified amounts (核定金额) of the money items:
    the request where not given, never more, less only with ``cut_reason``. Their total
    decides who may approve the case (ADR 0013)."""
    application = ctx.require(application)
    if not may_verify(ctx.actor, application):
        raise PermissionDenied(VERIFY_LEVEL)
    ctx.lock(application)
    if civil_affairs_result not in CivilAffairsResult.values:
        raise ActionError(
            _("Record the result of the civil-affairs income check."), code="civil_affairs_result"
        )
    if civil_affairs_result == CivilAffairsResult.INELIGIBLE:
        raise ActionError(
            _("The income check found the household ineligible: reject the application."),
            code="ineligible",
        )
    if civil_affairs_result == CivilAffairsResult.ELIGIBLE and checked_on is None:
        raise ActionError(_("Give the date of the income check."), code="checked_on")
    file = application.file
    ctx.lock(file)
    tier = tier or file.tier
    if tier not in Tier.values:
        raise ActionError(_("Classify the household's hardship tier."), code="tier")
    level = level or file.level or FileLevel.CITY
    if level not in FileLevel.values:
        raise ActionError(
            _("“%(value)s” is not a valid choice."), code="invalid_choice", params={"value": level}
        )
    verified, cut_reason = _verified_amounts(application, amounts, cut_reason)
    file.tier, file.level = tier, level
    file.save(update_fields=["tier", "level", "updated_at"])
    for item, amount in verified:
        item.amount_verified = amount
        item.save(update_fields=["amount_verified"])
    today = today or timezone.localdate()
    application.verified_by = ctx.actor
    application.verified_at = timezone.now()
    application.civil_affairs_result = civil_affairs_result
    application.civil_affairs_checked_on = checked_on
    application.civil_affairs_note = (note or "").strip()[:300]
    application.verify_cut_reason = cut_reason
    application.publicity_start = today
    try:
        # Working days of the holiday calendar (春节, 国庆 and 调休 weekends included).
        application.publicity_end = PUBLICITY.due(today)
    except CalendarYearMissing as exc:
        raise ActionError(exc.message, code="calendar_year_missing") from exc
    _transition(
        ctx,
        application,
        "verify",
        opinion,
        [
            "verified_by",
            "verified_at",
            "civil_affairs_result",
            "civil_affairs_checked_on",
            "civil_affairs_note",
            "verify_cut_reason",
            "publicity_start",
            "publicity_end",
        ],
    )
    ctx.details["verified"] = {str(item.pk): str(amount) for item, amount in verified}
    return application


VERIFY_LEVEL = _("Verification is made by a district-level or higher assistance centre.")


def may_verify(user, application: Application) -> bool:
    """``user`` verifies at the depth the settings ask for (2 = district) or above."""
    depth = highest_covering_depth(user, "assistance.verify_application", application.org)
    return depth is not None and depth <= settings.GONGHUI_ASSISTANCE_VERIFY_DEPTH


def _amount_for(amounts: dict | None, item: AidItem):
    amounts = amounts or {}
    return amounts.get(item.pk, amounts.get(str(item.pk)))


def _check_item_ids(application_items, amounts: dict | None) -> None:
    known = {str(item.pk) for item in application_items}
    for key in amounts or {}:
        if str(key) not in known:
            raise ActionError(
                _("Item %(id)s is not part of this application."),
                code="invalid_item",
                params={"id": key},
            )


def _verified_amounts(application: Application, amounts: dict | None, cut_reason: str):
    """Each money item with its verified amount, and the reason for any cut (required then)."""
    items = list(application.items.select_for_update().order_by("pk"))
    _check_item_ids(items, amounts)
    verified = []
    cut = False
    for item in items:
        if item.aid_type in NON_MONEY_AID or item.amount_requested is None:
            continue
        raw = _amount_for(amounts, item)
        amount = item.amount_requested if raw in (None, "") else parse_amount(raw, allow_zero=True)
        if amount > item.amount_requested:
            raise ActionError(
                _("%(aid)s: more than the %(requested)s yuan requested."),
                code="over_requested",
                params={"aid": item.get_aid_type_display(), "requested": item.amount_requested},
            )
        cut = cut or amount < item.amount_requested
        verified.append((item, amount))
    cut_reason = (cut_reason or "").strip()[:300]
    if cut and len(cut_reason) < 2:
        raise ActionError(_("Say why less than requested is verified."), code="cut_reason_required")
    return verified, (cut_reason if cut else "")


PUBLICISE = "assistance.publicise_application"


@action("assistance.record_objection", permission=None)
def record_objection(
    ctx,
    *,
    application: Application,
    content: str,
    raised_by: str = "",
    received_on: date | None = None,
    contact_phone: str = "",
    public: bool = False,
) -> Objection:
    """An objection received during publicity (公示异议).

    Staff record one they received: they need ``assistance.publicise_application`` over the
    case (403 without it, 404 outside their scope). ``public=True`` is the public notice page
    (``/gs/<union>/``, no actor): anyone may object while the publicity runs, on the day they
    write; the objection waits for the centre's decision like any other."""
    if public:
        if ctx.actor is not None:
            raise TypeError("a public objection has no actor")
    else:
        if not ctx.has(PUBLICISE):
            raise PermissionDenied(_("You do not have permission to do this."))
        application = ctx.require(application, PUBLICISE)
    ctx.lock(application)
    if application.state != S.PUBLICITY:
        raise ActionError(
            _("Objections are recorded while the case is in publicity."), code="not_in_publicity"
        )
    today = timezone.localdate()
    if public and (application.publicity_end is None or today > application.publicity_end):
        raise ActionError(_("The publicity of this case has ended."), code="publicity_over")
    content = (content or "").strip()
    if len(content) < 2:
        raise ActionError(_("Record what the objection says."), code="objection_content")
    phone = (contact_phone or "").strip()
    if phone:
        try:
            phone = normalize_mobile(phone)
        except ValueError:
            raise ActionError(
                _("Enter a valid mobile number, or leave it empty."), code="invalid_phone"
            ) from None
    objection = Objection.objects.create(
        application=application,
        content=content[:4000],
        raised_by=(raised_by or "").strip()[:100],
        contact_phone=phone,
        received_on=today if public else (received_on or today),
        recorded_by=None if public else ctx.actor,
    )
    _step(ctx, application, "objection", application.state, content[:500])
    ctx.wrote(objection, recheck=False if public else PUBLICISE)
    ctx.details["public"] = public
    ctx.org = application.org
    return objection


@action("assistance.decide_objection", permission=PUBLICISE)
def decide_objection(ctx, *, objection: Objection, upheld: bool, note: str) -> Objection:
    """Decide an objection; an upheld one sends the case back to verification."""
    objection = ctx.require(objection)
    application = objection.application
    ctx.lock(application)
    ctx.lock(objection)
    if objection.decision != ObjectionDecision.PENDING:
        raise ActionError(_("This objection has already been decided."), code="decided")
    note = _reason(note)
    if upheld:
        if application.state != S.PUBLICITY:
            raise ActionError(_("The case is no longer in publicity."), code="not_in_publicity")
        application.publicity_start = application.publicity_end = None
        _transition(
            ctx, application, "objection_upheld", note, ["publicity_start", "publicity_end"]
        )
    objection.decision_note = note[:300]
    objection.decided_by = ctx.actor
    objection.decided_at = timezone.now()
    objection_states.apply(
        ctx,
        objection,
        "uphold" if upheld else "dismiss",
        extra_fields=["decision_note", "decided_by", "decided_at"],
    )
    ctx.wrote(objection, details={"upheld": bool(upheld)})
    ctx.org = application.org
    return objection


@action("assistance.end_publicity", permission=PUBLICISE)
def end_publicity(ctx, *, application: Application, today: date | None = None) -> Application:
    """Publicity has run its working days without an open objection: on to approval."""
    application = ctx.require(application)
    ctx.lock(application)
    today = today or timezone.localdate()
    if application.state == S.PUBLICITY:
        if application.publicity_end and today <= application.publicity_end:
            raise ActionError(
                _("Publicity runs until %(date)s."),
                code="publicity_running",
                params={"date": application.publicity_end.isoformat()},
            )
        if has_open_objections(application):
            raise ActionError(OBJECTION_OPEN, code="open_objections")
    return _transition(ctx, application, "end_publicity", "")


OBJECTION_OPEN = _("An objection is still undecided.")


def has_open_objections(application: Application) -> bool:
    return application.objections.filter(decision=ObjectionDecision.PENDING).exists()


@action("assistance.return_application", permission=None)
def return_application(ctx, *, application: Application, reason: str) -> Application:
    """退回补正 at any review step, with a reason; the submitter corrects and submits again."""
    application = _require_step(ctx, application)
    reason = _reason(reason)
    application.decision_reason = reason
    _transition(ctx, application, "return", reason, ["decision_reason"])
    _notify_applicant(
        ctx,
        application,
        gettext("[Union] Your aid application %(number)s needs correction: %(reason)s")
        % {"number": application.number, "reason": reason[:60]},
    )
    return application


@action("assistance.reject_application", permission=None)
def reject_application(ctx, *, application: Application, reason: str) -> Application:
    """不予帮扶 at any review step, with a reason. A household never filed has its draft file
    closed with the same reason."""
    application = _require_step(ctx, application)
    reason = _reason(reason)
    application.decision_reason = reason
    application.approved_by = ctx.actor
    application.approved_at = timezone.now()
    _transition(
        ctx, application, "reject", reason, ["decision_reason", "approved_by", "approved_at"]
    )
    _close_unfiled(application, reason)
    _notify_applicant(
        ctx,
        application,
        gettext("[Union] Your aid application %(number)s was not approved: %(reason)s")
        % {"number": application.number, "reason": reason[:60]},
    )
    return application
