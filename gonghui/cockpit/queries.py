"""Scoped reads of the cockpit's summary rows.

An org's summary rows hold the counts of its whole subtree, so a figure for an org costs a
few rows whatever the number of members. The rows are read through ``restrict()`` with the
permission that guards the underlying records (``members.view_membership`` for member counts,
``orgs.view_org`` for union counts); an org outside the viewer's scope reads as no rows, like
any other out-of-scope record."""

from __future__ import annotations

import datetime

from django.db.models import Sum

from gonghui.cockpit.models import OrgMonthStat, OrgTotal
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import subtree_q

MEMBERS = "members.view_membership"
ORGS = "orgs.view_org"


def _rows(user, org: Org, permission: str):
    return OrgMonthStat.objects.restrict(user, permission).filter(org_id=org.pk)


def members_by_month(user, org: Org) -> dict[str, int]:
    """Current members of ``org``'s subtree by the month they joined: ``{"2024-03": n}``."""
    rows = _rows(user, org, MEMBERS).filter(members_current__gt=0).order_by("month")
    return {f"{month:%Y-%m}": n for month, n in rows.values_list("month", "members_current")}


def _year(rows, year: int):
    return rows.filter(
        month__gte=datetime.date(year, 1, 1), month__lt=datetime.date(year + 1, 1, 1)
    )


def new_members_of_year(user, org: Org, year: int) -> int:
    """Memberships in ``org``'s subtree that began in ``year`` (whatever their state now)."""
    total = _year(_rows(user, org, MEMBERS), year).aggregate(n=Sum("members_joined"))["n"]
    return total or 0


def new_unions_of_year(user, org: Org, year: int) -> int:
    """Grassroots unions in ``org``'s subtree founded in ``year``."""
    total = _year(_rows(user, org, ORGS), year).aggregate(n=Sum("unions_founded"))["n"]
    return total or 0


def totals(user, org: Org) -> dict[str, int]:
    """The subtree totals of ``org``: current members, of them in new forms of employment
    and migrant workers; memberships ever begun and ended."""
    zero = {"current": 0, "new_form": 0, "migrant": 0, "joined": 0, "ended": 0}
    row = (
        OrgTotal.objects.restrict(user, MEMBERS)
        .filter(org_id=org.pk)
        .values_list(
            "members_current",
            "members_new_form",
            "members_migrant",
            "members_joined",
            "members_ended",
        )
        .first()
    )
    return dict(zip(zero, row, strict=True)) if row else zero


def child_totals(user, org: Org) -> dict[int, int]:
    """Current members per child of ``org`` the viewer may see (the district totals when
    ``org`` is the city federation): ``{child org id: n}``, children without members as 0."""
    children = list(
        Org.objects.restrict(user, MEMBERS)
        .filter(subtree_q("path", org.path), depth=org.depth + 1)
        .order_by()
        .values_list("pk", flat=True)
    )
    out = dict.fromkeys(children, 0)
    out.update(
        OrgTotal.objects.restrict(user, MEMBERS)
        .filter(org_id__in=children)
        .values_list("org_id", "members_current")
    )
    return out
