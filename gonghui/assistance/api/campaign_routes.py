"""Campaign and condolence visit endpoints (/assistance/campaigns/, /assistance/visits/)."""

from datetime import date

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from gonghui.assistance import queries
from gonghui.assistance.api._shared import Money, _Lazy
from gonghui.assistance.choices import CampaignKind
from gonghui.assistance.models import Campaign
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, user_permissions
from gonghui.platform.api.pagination import LimitOffsetPagination
from gonghui.platform.pii.masking import mask_name

campaigns = Router(tags=["assistance: campaigns and visits"])
visits = Router(tags=["assistance: campaigns and visits"])


class CampaignOut(Schema):
    id: int
    org_id: int
    org_name: str
    name: str
    kind: CampaignKind
    starts_on: date
    ends_on: date
    budget: Money
    description: str


class VisitOut(Schema):
    id: int
    campaign_id: int | None
    org_id: int
    org_name: str
    recipient: str = Field(description="Masked when a person")
    head_count: int
    cash: Money
    goods_value: Money
    visited_on: date
    leaders: str
    note: str


class TotalsOut(Schema):
    visits: int
    head_count: int
    cash: Money
    goods_value: Money
    amount: Money


class VisitFilter(Schema):
    campaign: int | None = None
    org: int | None = Field(None, description="Only this org and everything below it")
    start: date | None = None
    end: date | None = None


def _campaign(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "org_id": c.org_id,
        "org_name": c.org.name,
        "name": c.name,
        "kind": c.kind,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "budget": c.budget,
        "description": c.description,
    }


def _visit(v) -> dict:
    return {
        "id": v.pk,
        "campaign_id": v.campaign_id,
        "org_id": v.org_id,
        "org_name": v.org.name,
        "recipient": mask_name(v.recipient) if v.person_id else v.recipient,
        "head_count": v.head_count,
        "cash": v.cash,
        "goods_value": v.goods_value,
        "visited_on": v.visited_on,
        "leaders": v.leaders,
        "note": v.note,
    }


def _visit_filters(request, filters: VisitFilter) -> dict:
    out: dict = {"start": filters.start, "end": filters.end}
    if filters.campaign is not None:
        out["campaign"] = _campaign_or_404(request, filters.campaign)
    if filters.org is not None:
        out["org"] = get_scoped_or_404(Org, request.user, "view", pk=filters.org)
    return out


def _campaign_or_404(request, campaign_id: int) -> Campaign:
    from django.http import Http404

    try:
        return queries.campaigns_for(request.user).get(pk=campaign_id)
    except Campaign.DoesNotExist as exc:
        raise Http404 from exc


@campaigns.get(
    "",
    response=list[CampaignOut],
    summary="Campaigns you can record visits under",
    operation_id="gonghui_assistance_api_list_campaigns",
)
@paginate(LimitOffsetPagination)
def list_campaigns(request, kind: CampaignKind | None = None):
    qs = queries.campaigns_for(request.user).order_by("-starts_on", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    return _Lazy(qs, _campaign)


@visits.get(
    "",
    response=list[VisitOut],
    summary="Condolence visits in your scope",
    operation_id="gonghui_assistance_api_list_visits",
)
@paginate(LimitOffsetPagination)
def list_visits(request, filters: Query[VisitFilter]):
    qs = queries.visits_in(request.user, **_visit_filters(request, filters))
    return _Lazy(qs.select_related("org").order_by("-visited_on", "-id"), _visit)


@visits.get(
    "/totals",
    response={200: TotalsOut, 403: dict},
    summary="Amount and head count (人次) of visits",
    operation_id="gonghui_assistance_api_visit_totals",
)
def visit_totals(request, filters: Query[VisitFilter]):
    """403 without ``assistance.view_visit`` anywhere (zeros would suggest a scope)."""
    if "assistance.view_visit" not in user_permissions(request.user):
        raise PermissionDenied
    t = queries.visit_totals(request.user, **_visit_filters(request, filters))
    return {
        "visits": t.visits,
        "head_count": t.head_count,
        "cash": t.cash,
        "goods_value": t.goods_value,
        "amount": t.amount,
    }
