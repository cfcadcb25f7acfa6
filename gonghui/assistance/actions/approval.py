"""Approval (审批) of an application: who may approve it, granting the items and reserving the
money, filing the household, and referring a case above one's level (报上级审批).

The approval level follows the **verified** total (the 核定金额 recorded at verification), not
the amount granted: a lower approver cannot cut a case down to her own level (ADR 0013). She
refers it up with her opinion and proposed amounts, which the higher approver reads in the
case's steps. Any approver may grant less than verified, with her opinion as the reason.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import S, _notify_applicant, _wrong_state, parse_amount
from gonghui.assistance.actions.applications import _transition, application_states
from gonghui.assistance.actions.files import file_states
from gonghui.assistance.choices import NON_MONEY_AID, FileState, ItemState
from gonghui.assistance.models import AidItem, Application, Budget
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import highest_covering_depth
from gonghui.platform.workflow.base import ActionError, action
from gonghui.platform.workflow.transitions import machine_for

APPROVE = "assistance.approve_application"

# Who approves at each org depth (1 = the city federation): named in the reason a lower
# approver reads beside a disabled 批准.
LEVEL_NAMES = {
    1: _("the city federation"),
    2: _("a district or industry federation"),
    3: _("a township or street federation"),
}


def required_approval_depth(total: Decimal) -> int:
    """The org depth an approver's grant must reach for ``total`` (settings table)."""
    for limit, depth in settings.GONGHUI_ASSISTANCE_APPROVAL_LEVELS:
        if limit is None or total <= Decimal(str(limit)):
            return int(depth)
    return 1


def level_name(depth: int) -> str:
    name = LEVEL_NAMES.get(depth)
    if name is not None:
        return str(name)
    return gettext("an approver at level %(depth)s") % {"depth": depth}


def verified_total(application: Application) -> Decimal:
    """The total the approval level follows (each item's verified amount, else its request)."""
    return Decimal(application.total_verified).quantize(Decimal("0.01"))


def above_level(application: Application, user) -> str:
    """Why ``user`` may not approve ``application`` herself: its verified total needs a
    higher level than her grant reaches ("" when she may, or holds no grant at all)."""
    depth = highest_covering_depth(user, APPROVE, application.org)
    if depth is None:
        return ""
    total = verified_total(application)
    need = required_approval_depth(total)
    if depth <= need:
        return ""
    return gettext("%(total)s yuan must be approved by %(level)s.") % {
        "total": total,
        "level": level_name(need),
    }


def below_level(application: Application, user) -> bool:
    """``user`` holds the approval permission on the case, below the level it needs: she
    refers it up (报上级审批) instead of approving it."""
    return bool(above_level(application, user))


MAKER = _("You submitted, first-reviewed or verified this case: another person must approve it.")


def made_by(application: Application, user) -> bool:
    """Maker-checker: who created, submitted, first-reviewed or verified a case never
    approves it (nor refers it up as its approver)."""
    actor_id = getattr(user, "pk", None)
    return actor_id is not None and actor_id in {
        application.created_by_id,
        application.submitted_by_id,
        application.first_reviewed_by_id,
        application.verified_by_id,
    }


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


def _amounts(items: list[AidItem], amounts: dict | None, *, default_verified: bool) -> dict:
    """Each money item's amount from ``amounts`` (item id → yuan): at most the verified
    amount (never more than requested). Missing amounts are refused, or taken as verified."""
    amounts = amounts or {}
    known = {str(i.pk) for i in items}
    for key in amounts:
        if str(key) not in known:
            raise ActionError(
                _("Item %(id)s is not part of this application."),
                code="invalid_item",
                params={"id": key},
            )
    out: dict[int, Decimal] = {}
    for item in items:
        if item.aid_type in NON_MONEY_AID or item.amount_requested is None:
            continue
        raw = amounts.get(item.pk, amounts.get(str(item.pk)))
        if raw is None or raw == "":
            if not default_verified:
                raise ActionError(
                    _("Give an amount for every item (0 if not granted)."), code="amount_missing"
                )
            out[item.pk] = item.verified_or_requested
            continue
        amount = parse_amount(raw, allow_zero=True)
        if amount > item.amount_requested:
            raise ActionError(
                _("%(aid)s: more than the %(requested)s yuan requested."),
                code="over_requested",
                params={"aid": item.get_aid_type_display(), "requested": item.amount_requested},
            )
        if amount > item.verified_or_requested:
            raise ActionError(
                _("%(aid)s: more than the %(verified)s yuan verified."),
                code="over_verified",
                params={"aid": item.get_aid_type_display(), "verified": item.amount_verified},
            )
        out[item.pk] = amount
    return out


def _require_approver(ctx, application: Application) -> tuple[Application, list[AidItem]]:
    application = ctx.require(application)
    ctx.lock(application)
    if application.state != S.APPROVAL:
        _wrong_state(application)
    if made_by(application, ctx.actor):
        raise PermissionDenied(MAKER)
    items = list(application.items.select_for_update().order_by("pk"))
    return application, items


@action("assistance.approve", permission=APPROVE)
def approve(ctx, *, application: Application, amounts: dict, opinion: str = "") -> Application:
    """审批: grant each item (up to its verified amount, 0 = not granted; less needs the
    opinion as the reason), reserve the money, file the household. The approver's grant
    must reach the level of the verified total; who made the case never approves it."""
    application, items = _require_approver(ctx, application)
    granted = _amounts(items, amounts, default_verified=False)
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
    opinion = (opinion or "").strip()
    if any(granted[i.pk] < i.verified_or_requested for i in items if i.pk in granted):
        if len(opinion) < 2:
            raise ActionError(
                _("Say in your opinion why less than verified is granted."),
                code="cut_reason_required",
            )
    need = required_approval_depth(verified_total(application))
    depth = highest_covering_depth(ctx.actor, APPROVE, application.org)
    if depth is None or depth > need:
        raise PermissionDenied(
            above_level(application, ctx.actor) or _("You do not have permission to do this.")
        )
    _reserve(application, items, granted)
    application.approved_by = ctx.actor
    application.approved_at = timezone.now()
    application.approval_depth = need
    application.decision_reason = opinion[:500]
    _transition(
        ctx,
        application,
        "approve",
        opinion,
        ["approved_by", "approved_at", "approval_depth", "decision_reason"],
    )
    _file_household(ctx, application)
    ctx.details.update({"total": str(total), "verified_total": str(verified_total(application))})
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


def _item_to(item: AidItem, name: str, state: str) -> None:
    """An item's state moves with the approval: by its declared transition ``name``
    (workflows_money.py) where the items declare one."""
    machine = machine_for(AidItem)
    if machine is not None and name in machine.transitions and not machine.can(item, name):
        raise ActionError(
            _("This cannot be done while the record is in state “%(state)s”."),
            code="invalid_transition",
            params={"state": item.state},
        )
    item.state = state


def _reserve(application: Application, items: list[AidItem], granted: dict) -> None:
    """Reserve each granted amount in its budget (locked in primary-key order)."""
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
            _item_to(item, "approve", ItemState.APPROVED)
        elif item.aid_type in NON_MONEY_AID:
            _item_to(item, "refer", ItemState.REFERRED)
        else:
            item.amount_approved = Decimal("0.00")
            _item_to(item, "reject", ItemState.REJECTED)
        item.save(update_fields=["amount_approved", "budget", "state"])


def _file_household(ctx, application: Application) -> None:
    """先建档，后帮扶: the first approval files the household (draft → filed)."""
    file = application.file
    ctx.lock(file)
    if file_states.can(file, "file"):
        file.state = FileState.FILED
        file.filed_at = timezone.now()
        file.next_review_due = timezone.localdate() + timedelta(days=365)
        file.save(update_fields=["state", "filed_at", "next_review_due", "updated_at"])


@action("assistance.escalate", permission=APPROVE)
def escalate_application(
    ctx, *, application: Application, opinion: str, amounts: dict | None = None
) -> Application:
    """报上级审批: an approver below the level of the verified total refers the case up with
    her opinion and proposed amounts (the verified ones where not given). The case stays
    awaiting approval; the step (with the proposal) is what the higher approver reads."""
    application, items = _require_approver(ctx, application)
    if not below_level(application, ctx.actor):
        raise ActionError(
            _("This case is within your approval level: approve or return it yourself."),
            code="within_level",
        )
    opinion = (opinion or "").strip()
    if len(opinion) < 2:
        raise ActionError(_("Give your opinion for the higher level."), code="opinion_required")
    proposed = _amounts(items, amounts, default_verified=True)
    lines = [
        gettext("%(aid)s %(amount)s yuan") % {"aid": i.get_aid_type_display(), "amount": amount}
        for i in items
        if (amount := proposed.get(i.pk)) is not None
    ]
    total = sum(proposed.values(), Decimal("0"))
    text = opinion
    if lines:
        text = gettext("%(opinion)s (proposed: %(lines)s; %(total)s yuan in all)") % {
            "opinion": opinion,
            "lines": ", ".join(lines),
            "total": total,
        }
    _transition(ctx, application, "escalate", text[:500])
    need = required_approval_depth(verified_total(application))
    ctx.details.update(
        {
            "proposed": {str(pk): str(amount) for pk, amount in proposed.items()},
            "proposed_total": str(total),
            "verified_total": str(verified_total(application)),
            "level_needed": need,
        }
    )
    return application


__all__ = [
    "LEVEL_NAMES",
    "MAKER",
    "above_level",
    "application_states",
    "approve",
    "below_level",
    "budget_for",
    "escalate_application",
    "level_name",
    "made_by",
    "required_approval_depth",
    "verified_total",
]
