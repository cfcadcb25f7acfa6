"""Campaigns (送温暖 and other condolence drives) and the visits recorded under them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import MAX_BUDGET, parse_amount
from gonghui.assistance.models import Campaign, Visit
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.workflow.base import ActionError, action


@action("assistance.save_campaign", permission="assistance.add_campaign")
def save_campaign(
    ctx,
    *,
    org: Org,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    budget="0",
    description: str = "",
    campaign: Campaign | None = None,
) -> Campaign:
    if campaign is not None:
        campaign = ctx.require(campaign, "assistance.change_campaign")
        ctx.lock(campaign)
    else:
        org = ctx.require(org, "assistance.add_campaign")
        campaign = Campaign(org=org, created_by=ctx.actor)
    name = (name or "").strip()
    if not name:
        raise ActionError(_("Give the campaign a name."), code="name")
    from gonghui.assistance.choices import CampaignKind

    if kind not in CampaignKind.values:
        raise ActionError(
            _("“%(value)s” is not a valid choice."), code="invalid_choice", params={"value": kind}
        )
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ActionError(_("The campaign ends after it starts."), code="period")
    campaign.name = name[:100]
    campaign.kind = kind
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    campaign.budget = parse_amount(budget, allow_zero=True, limit=MAX_BUDGET)
    campaign.description = (description or "").strip()[:4000]
    campaign.save()
    ctx.wrote(campaign, details={"name": campaign.name, "budget": str(campaign.budget)})
    ctx.org = campaign.org
    return campaign


@dataclass(frozen=True)
class CleanVisit:
    recipient: str
    head_count: int
    cash: Decimal
    goods_value: Decimal
    visited_on: date
    leaders: str
    note: str


def clean_visit(
    *,
    recipient,
    head_count,
    cash,
    goods_value,
    visited_on,
    leaders="",
    note="",
    campaign: Campaign | None = None,
) -> CleanVisit:
    """Validation shared by the form, the API and the Excel import."""
    recipient = (recipient or "").strip()
    if not recipient:
        raise ActionError(_("Name the person or group visited."), code="recipient")
    try:
        count = int(str(head_count).strip() or "1")
    except (TypeError, ValueError):
        raise ActionError(
            _("The head count is a whole number of people."), code="head_count"
        ) from None
    if not 1 <= count <= 100000:
        raise ActionError(_("The head count is a whole number of people."), code="head_count")
    cash = parse_amount(cash if cash not in (None, "") else "0", allow_zero=True)
    goods = parse_amount(goods_value if goods_value not in (None, "") else "0", allow_zero=True)
    if cash == 0 and goods == 0:
        raise ActionError(_("Give the cash or the value of the goods."), code="nothing_given")
    if not isinstance(visited_on, date):
        raise ActionError(_("Give the date of the visit."), code="visited_on")
    if visited_on > timezone.localdate():
        raise ActionError(_("The visit date is in the future."), code="visited_on")
    if campaign is not None and not campaign.starts_on <= visited_on <= campaign.ends_on:
        raise ActionError(_("The visit is outside the campaign's period."), code="period")
    return CleanVisit(
        recipient[:200],
        count,
        cash,
        goods,
        visited_on,
        (leaders or "").strip()[:200],
        (note or "").strip()[:300],
    )


@action("assistance.record_visit", permission="assistance.add_visit")
def record_visit(
    ctx, *, org: Org, campaign: Campaign | None = None, person: Person | None = None, **fields
) -> Visit:
    """慰问 of one person (head count 1) or a group (head count = 人次)."""
    org = ctx.require(org, "assistance.add_visit")
    if person is not None:
        person = ctx.require(person, "members.view_person")
        fields.setdefault("recipient", person.name)
        fields["head_count"] = 1
    data = clean_visit(campaign=campaign, **fields)
    visit = Visit.objects.create(
        org=org, campaign=campaign, person=person, created_by=ctx.actor, **data.__dict__
    )
    ctx.wrote(
        visit,
        details={
            "cash": str(data.cash),
            "goods": str(data.goods_value),
            "head_count": data.head_count,
        },
    )
    ctx.org = org
    return visit
