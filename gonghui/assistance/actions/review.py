"""The review steps of an application: first review, home visit, verification, publicity
with its objections, approval (reserving the budget), return for correction and rejection.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import (
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
    FileState,
    ItemState,
    ObjectionDecision,
    Tier,
)
from gonghui.assistance.deadlines import PUBLICITY
from gonghui.assistance.models import AidItem, Application, Budget, Objection
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import highest_covering_depth
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.workflow.base import ActionError, action


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
) -> Application:
    """核实 by a county-level (or higher) assistance centre, with the civil-affairs income check
    entered by hand; the case then goes into publicity from ``today`` (the day of
    verification) for the PUBLICITY rule's working days on the holiday calendar."""
    application = ctx.require(application)
    depth = highest_covering_depth(ctx.actor, ctx.permission, application.org)
    if depth is None or depth > settings.GONGHUI_ASSISTANCE_VERIFY_DEPTH:
        raise PermissionDenied(
            _("Verification is made by a district-level or higher assistance centre.")
        )
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
    file.tier, file.level = tier, level
    file.save(update_fields=["tier", "level", "updated_at"])
    today = today or timezone.localdate()
    application.verified_by = ctx.actor
    application.verified_at = timezone.now()
    application.civil_affairs_result = civil_affairs_result
    application.civil_affairs_checked_on = checked_on
    application.civil_affairs_note = (note or "").strip()[:300]
    application.publicity_start = today
    try:
        # Working days of the holiday calendar (春节, 国庆 and 调休 weekends included).
        application.publicity_end = PUBLICITY.due(today)
    except CalendarYearMissing as exc:
        raise ActionError(exc.message, code="calendar_year_missing") from exc
    return _transition(
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
            "publicity_start",
            "publicity_end",
        ],
    )


@action("assistance.record_objection", permission="assistance.publicise_application")
def record_objection(
    ctx,
    *,
    application: Application,
    content: str,
    raised_by: str = "",
    received_on: date | None = None,
) -> Objection:
    """An objection received during publicity (公示异议)."""
    application = ctx.require(application)
    ctx.lock(application)
    if application.state != S.PUBLICITY:
        raise ActionError(
            _("Objections are recorded while the case is in publicity."), code="not_in_publicity"
        )
    content = (content or "").strip()
    if len(content) < 2:
        raise ActionError(_("Record what the objection says."), code="objection_content")
    objection = Objection.objects.create(
        application=application,
        content=content[:4000],
        raised_by=(raised_by or "").strip()[:100],
        received_on=received_on or timezone.localdate(),
        recorded_by=ctx.actor,
    )
    _step(ctx, application, "objection", application.state, content[:500])
    ctx.wrote(objection)
    ctx.org = application.org
    return objection


@action("assistance.decide_objection", permission="assistance.publicise_application")
def decide_objection(ctx, *, objection: Objection, upheld: bool, note: str) -> Objection:
    """Decide an objection; an upheld one sends the case back to verification."""
    objection = ctx.require(objection)
    application = objection.application
    ctx.lock(application)
    ctx.lock(objection)
    if objection.decision != ObjectionDecision.PENDING:
        raise ActionError(_("This objection has already been decided."), code="decided")
    note = _reason(note)
    objection.decision = ObjectionDecision.UPHELD if upheld else ObjectionDecision.DISMISSED
    objection.decision_note = note[:300]
    objection.decided_by = ctx.actor
    objection.decided_at = timezone.now()
    objection.save()
    if upheld:
        if application.state != S.PUBLICITY:
            raise ActionError(_("The case is no longer in publicity."), code="not_in_publicity")
        application.publicity_start = application.publicity_end = None
        _transition(
            ctx, application, "objection_upheld", note, ["publicity_start", "publicity_end"]
        )
    ctx.wrote(objection, details={"upheld": bool(upheld)})
    ctx.org = application.org
    return objection


@action("assistance.end_publicity", permission="assistance.publicise_application")
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
        if application.objections.filter(decision=ObjectionDecision.PENDING).exists():
            raise ActionError(_("Decide the open objections first."), code="open_objections")
    return _transition(ctx, application, "end_publicity", "")


def required_approval_depth(total: Decimal) -> int:
    """The org depth an approver's grant must reach for ``total`` (settings table)."""
    for limit, depth in settings.GONGHUI_ASSISTANCE_APPROVAL_LEVELS:
        if limit is None or total <= Decimal(str(limit)):
            return int(depth)
    return 1


def budget_for(org: Org, year: int, aid_type: str) -> Budget | None:
    """The budget of the nearest org (itself, then up the tree) for the year and aid type."""
    steplen = Org.steplen
    paths = [org.path[:n] for n in range(len(org.path), 0, -steplen)]
    budgets = {
        b.org.path: b
        for b in Budget.objects.select_related("org").filter(
            year=year, aid_type=aid_type, org__path__in=paths
        )
    }
    for path in paths:
        if path in budgets:
            return budgets[path]
    return None


def _already_granted(application: Application, item: AidItem) -> bool:
    """The same aid (for school aid: for the same child) was granted to the applicant in
    another application of the same year and not returned unpaid."""
    qs = AidItem.objects.filter(
        application__applicant_id=application.applicant_id,
        application__year=application.year,
        aid_type=item.aid_type,
        state__in=[ItemState.APPROVED, ItemState.IN_BATCH, ItemState.PAID],
    ).exclude(application_id=application.pk)
    if item.beneficiary_id:
        child_ix = item.beneficiary.id_index
        qs = (
            qs.filter(beneficiary__id_index=child_ix)
            if child_ix
            else qs.filter(beneficiary_id=item.beneficiary_id)
        )
    return qs.exists()


@action("assistance.approve", permission="assistance.approve_application")
def approve(ctx, *, application: Application, amounts: dict, opinion: str = "") -> Application:
    """审批: grant each item (an amount up to the request, 0 = not granted), reserve the money,
    file the household. The approver may not be who submitted or first-reviewed the case."""
    application = ctx.require(application)
    ctx.lock(application)
    if application.state != S.APPROVAL:
        _wrong_state(application)
    actor_id = getattr(ctx.actor, "pk", None)
    if actor_id in {
        application.submitted_by_id,
        application.first_reviewed_by_id,
        application.created_by_id,
    }:
        raise PermissionDenied(
            _("You submitted or first-reviewed this case: another person must approve it.")
        )
    items = list(application.items.select_for_update().order_by("pk"))
    granted: dict[int, Decimal] = {}
    for item in items:
        if item.aid_type in NON_MONEY_AID:
            continue
        raw = amounts.get(item.pk, amounts.get(str(item.pk)))
        if raw is None or raw == "":
            raise ActionError(
                _("Give an amount for every item (0 if not granted)."), code="amount_missing"
            )
        amount = parse_amount(raw, allow_zero=True)
        if amount > item.amount_requested:
            raise ActionError(
                _("%(aid)s: more than the %(requested)s yuan requested."),
                code="over_requested",
                params={"aid": item.get_aid_type_display(), "requested": item.amount_requested},
            )
        granted[item.pk] = amount
    for item in items:
        if granted.get(item.pk) and _already_granted(application, item):
            raise ActionError(
                _("%(aid)s was already granted to this household in %(year)s."),
                code="already_granted",
                params={"aid": item.get_aid_type_display(), "year": application.year},
            )
    total = sum(granted.values(), Decimal("0"))
    has_referral = any(i.aid_type in NON_MONEY_AID for i in items)
    if total == 0 and not has_referral:
        raise ActionError(
            _("Nothing is granted: reject the application instead."), code="nothing_granted"
        )
    need = required_approval_depth(total)
    depth = highest_covering_depth(ctx.actor, ctx.permission, application.org)
    if depth is None or depth > need:
        raise PermissionDenied(
            gettext("%(total)s yuan must be approved at a higher level.") % {"total": total}
        )
    # Reserve in the budgets, locked in primary-key order.
    wanted: dict[int, Budget] = {}
    by_item: dict[int, Budget] = {}
    for item in items:
        if granted.get(item.pk):
            budget = budget_for(application.org, application.year, item.aid_type)
            if budget is None:
                raise ActionError(
                    _("There is no %(year)s budget for %(aid)s at this union or above."),
                    code="no_budget",
                    params={"year": application.year, "aid": item.get_aid_type_display()},
                )
            wanted[budget.pk] = budget
            by_item[item.pk] = budget
    locked = {
        b.pk: b for b in Budget.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    }
    for item in items:
        if item.pk in by_item:
            budget = locked[by_item[item.pk].pk]
            amount = granted[item.pk]
            if budget.remaining < amount:
                raise ActionError(
                    _("Over budget: %(aid)s has %(remaining)s yuan left for %(year)s."),
                    code="over_budget",
                    params={
                        "aid": item.get_aid_type_display(),
                        "remaining": budget.remaining,
                        "year": budget.year,
                    },
                )
            budget.reserved += amount
            budget.save(update_fields=["reserved"])
            item.amount_approved = amount
            item.budget = budget
            item.state = ItemState.APPROVED
        elif item.aid_type in NON_MONEY_AID:
            item.state = ItemState.REFERRED
        else:
            item.amount_approved = Decimal("0.00")
            item.state = ItemState.REJECTED
        item.save(update_fields=["amount_approved", "budget", "state"])
    file = application.file
    ctx.lock(file)
    if file.state == FileState.DRAFT:
        file.state = FileState.FILED
        file.filed_at = timezone.now()
        file.next_review_due = timezone.localdate() + timedelta(days=365)
        file.save(update_fields=["state", "filed_at", "next_review_due", "updated_at"])
    application.approved_by = ctx.actor
    application.approved_at = timezone.now()
    application.approval_depth = need
    application.decision_reason = (opinion or "").strip()[:500]
    _transition(
        ctx,
        application,
        "approve",
        opinion,
        ["approved_by", "approved_at", "approval_depth", "decision_reason"],
    )
    ctx.details.update({"total": str(total)})
    if total == 0:
        application.closed_at = timezone.now()
        _transition(ctx, application, "complete", "", ["closed_at"])
    _notify_applicant(
        ctx,
        application,
        gettext("[Union] Your aid application %(number)s is approved: %(total)s yuan.")
        % {"number": application.number, "total": total},
    )
    return application


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
