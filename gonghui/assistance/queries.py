"""Scoped reads of hardship assistance. Everything here starts from ``restrict``.

Closed files are read-only and visible only to reviewers (``assistance.review_hardshipfile``),
even inside a user's subtree; health, disability and household details need
``assistance.view_sensitive`` on the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import FileState, ItemState
from gonghui.assistance.models import (
    AidItem,
    Application,
    Budget,
    Campaign,
    HardshipFile,
    Visit,
)
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import grant_scopes, restrict

SENSITIVE = "assistance.view_sensitive"
REVIEW = "assistance.review_hardshipfile"


def visible_files(user, action: str = "view") -> QuerySet:
    """Files ``user`` may see: open ones by ``action``, closed ones only as a reviewer."""
    open_files = restrict(HardshipFile, user, action).exclude(state=FileState.CLOSED)
    closed = restrict(HardshipFile, user, REVIEW).filter(state=FileState.CLOSED)
    return HardshipFile.objects.filter(
        Q(pk__in=open_files.values("pk")) | Q(pk__in=closed.values("pk"))
    )


def can_see_sensitive(user, file: HardshipFile) -> bool:
    """Health, disability and household details of ``file`` are shown to ``user``."""
    return restrict(HardshipFile, user, SENSITIVE).filter(pk=file.pk).exists()


# The console's work queues: (name, permission, model, filter). Each is a restrict() read.
QUEUES = {
    "first_review": ("assistance.first_review_application", {"state": S.SUBMITTED}),
    "home_visit": ("assistance.visit_application", {"state": S.HOME_VISIT}),
    "verification": ("assistance.verify_application", {"state": S.VERIFICATION}),
    "publicity": ("assistance.publicise_application", {"state": S.PUBLICITY}),
    "approval": ("assistance.approve_application", {"state": S.APPROVAL}),
    "returned": ("assistance.change_application", {"state": S.RETURNED}),
}


def queue(user, name: str) -> QuerySet:
    """Applications waiting for ``user`` at step ``name`` (see :data:`QUEUES`), or the
    approved, unpaid aid items for ``name == "unpaid"``."""
    if name == "unpaid":
        return (
            restrict(AidItem, user, "assistance.pay_aiditem")
            .filter(state=ItemState.APPROVED)
            .select_related("application__applicant", "application__org", "budget")
        )
    perm, filters = QUEUES[name]
    return (
        restrict(Application, user, perm)
        .filter(**filters)
        .select_related("applicant", "org", "file")
        .order_by("submitted_at", "pk")
    )


def queue_counts(user) -> dict[str, int]:
    return {name: queue(user, name).count() for name in [*QUEUES, "unpaid"]}


@dataclass(frozen=True)
class BudgetLine:
    item: AidItem
    budget: Budget | None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget.remaining


def budget_lines(application: Application) -> list[BudgetLine]:
    """Each money item with the budget its approval would reserve from, for the approver: the
    item's own budget once reserved, else the nearest org's (itself, then up the tree) budget
    for the year and aid type — read for all items in one query."""
    items = list(application.items.all())
    wanted = {i.aid_type for i in items if i.amount_requested is not None and i.budget_id is None}
    nearest: dict[str, Budget] = {}
    if wanted:
        org = application.org
        paths = [org.path[:n] for n in range(len(org.path), 0, -Org.steplen)]
        depth_of = {p: len(p) for p in paths}
        for budget in Budget.objects.select_related("org").filter(
            year=application.year, aid_type__in=wanted, org__path__in=paths
        ):
            best = nearest.get(budget.aid_type)
            if best is None or depth_of[budget.org.path] > depth_of[best.org.path]:
                nearest[budget.aid_type] = budget
    reserved = Budget.objects.select_related("org").in_bulk(
        {i.budget_id for i in items if i.budget_id is not None}
    )
    lines = []
    for item in items:
        budget = None
        if item.amount_requested is not None:
            budget = reserved.get(item.budget_id) or nearest.get(item.aid_type)
        lines.append(BudgetLine(item, budget))
    return lines


def budgets(user) -> QuerySet:
    return restrict(Budget, user, "view").select_related("org")


def campaigns_for(user) -> QuerySet:
    """Campaigns a user can record visits under: those in their subtree and those organised
    by an org above one of their grants (a city campaign is run by every district). Campaign
    names and periods are not personal; visits stay scoped. Only grants that carry
    ``assistance.view_campaign`` count: names, descriptions and budgets are not for the 三员 or
    for union administrators without assistance rights (issue #11)."""
    perm = "assistance.view_campaign"
    paths = {s.path for s in grant_scopes(user) if perm in s.permissions}
    if not paths:
        return Campaign.objects.none()
    steplen = Org.steplen
    ancestors = {p[:n] for p in paths for n in range(steplen, len(p) + 1, steplen)}
    in_scope = restrict(Campaign, user, "view").values("pk")
    return Campaign.objects.filter(
        Q(pk__in=in_scope) | Q(org__path__in=sorted(ancestors))
    ).select_related("org")


@dataclass(frozen=True)
class Totals:
    visits: int
    head_count: int
    cash: Decimal
    goods_value: Decimal

    @property
    def amount(self) -> Decimal:
        return self.cash + self.goods_value


_ZERO = Decimal("0.00")


def _aggregate(qs) -> dict:
    return qs.aggregate(
        visits=Count("pk"),
        head_count=Coalesce(Sum("head_count"), 0),
        cash=Coalesce(Sum("cash"), _ZERO),
        goods_value=Coalesce(Sum("goods_value"), _ZERO),
    )


def visits_in(
    user,
    *,
    campaign: Campaign | None = None,
    org: Org | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet:
    qs = restrict(Visit, user, "view")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    if start is not None:
        qs = qs.filter(visited_on__gte=start)
    if end is not None:
        qs = qs.filter(visited_on__lte=end)
    return qs


def visit_totals(user, **filters) -> Totals:
    """Amount (cash + goods) and 人次 of the condolence visits ``user`` may see."""
    row = _aggregate(visits_in(user, **filters))
    return Totals(row["visits"], row["head_count"], row["cash"], row["goods_value"])


def totals_by_campaign(user, **filters) -> list[tuple[Campaign | None, Totals]]:
    rows = (
        visits_in(user, **filters)
        .values("campaign")
        .annotate(
            visits=Count("pk"),
            head_count=Coalesce(Sum("head_count"), 0),
            cash=Coalesce(Sum("cash"), _ZERO),
            goods_value=Coalesce(Sum("goods_value"), _ZERO),
        )
        .order_by("campaign")
    )
    campaigns = Campaign.objects.in_bulk([r["campaign"] for r in rows if r["campaign"]])
    return [
        (
            campaigns.get(r["campaign"]),
            Totals(r["visits"], r["head_count"], r["cash"], r["goods_value"]),
        )
        for r in rows
    ]


def totals_by_child_org(user, parent: Org, **filters) -> list[tuple[Org, Totals]]:
    """Totals for ``parent`` itself and for each of its children's subtrees."""
    steplen = Org.steplen
    depth = len(parent.path) // steplen
    visits = visits_in(user, org=parent, **filters).values_list(
        "org__path", "head_count", "cash", "goods_value"
    )
    children = {
        c.path: c for c in Org.objects.filter(path__startswith=parent.path, depth=depth + 1)
    }
    sums: dict[str, list] = {}
    for path, count, cash, goods in visits.iterator():
        key = path[: (depth + 1) * steplen] if len(path) > len(parent.path) else parent.path
        acc = sums.setdefault(key, [0, 0, _ZERO, _ZERO])
        acc[0] += 1
        acc[1] += count
        acc[2] += cash
        acc[3] += goods
    out = []
    for path, acc in sorted(sums.items()):
        org = children.get(path, parent if path == parent.path else None)
        if org is not None:
            out.append((org, Totals(*acc)))
    return out
