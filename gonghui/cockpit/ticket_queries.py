"""Scoped reads of the 12351 ticket figures for the cockpit page.

The rows (``TicketMonthStat``, kept by ``cockpit/tickets.py``) are read through
``restrict()`` with ``rights.view_ticket``, the permission that guards the tickets: a union
outside the viewer's scope reads as no rows, and a partner agency's account sees none.

满意率 (satisfaction rate) = (满意 + 基本满意) / tickets rated, in the months the ratings were
recorded; a ticket reopened after an unsatisfied rating is rated again and counts once, with
its latest rating. 按期办结率 (on-time rate) = tickets closed on time / tickets closed (see
``cockpit/tickets.py`` for "on time"). A rate with nothing under it is ``None``, not 0.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from gonghui.cockpit.models import TICKET_COUNTERS, TicketMonthStat

VIEW_TICKET = "rights.view_ticket"
ONE_PLACE = Decimal("0.1")


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent with one decimal (half up), None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def _empty() -> dict:
    return {c: (Decimal("0.00") if c == "arrears_recovered" else 0) for c in TICKET_COUNTERS}


@dataclass
class TicketFigures:
    """A union's (whole subtree's) ticket figures for a year."""

    year: int
    months: dict[datetime.date, dict] = field(default_factory=dict)  # 12 months, Jan first
    total: dict = field(default_factory=_empty)
    # received per root category: [(category id, name, n)], in the table's order
    by_category: list[tuple[int, str, int]] = field(default_factory=list)
    # received per complexity class: [(class, label, n)], in the classes' order
    by_complexity: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.total["closed_on_time"], self.total["closed"])

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return rate(self.total["satisfied"], self.total["rated"])


def ticket_figures(user, org, year: int) -> TicketFigures:
    """The 12351 figures of ``org``'s subtree for ``year``, as ``user`` may see them (an org
    outside the user's scope: all zero). Two queries whatever the number of tickets."""
    from gonghui.rights.choices import Complexity
    from gonghui.rights.models import TicketCategory

    out = TicketFigures(year=year)
    out.months = {datetime.date(year, m, 1): _empty() for m in range(1, 13)}
    rows = (
        TicketMonthStat.objects.restrict(user, VIEW_TICKET)
        .filter(
            org_id=org.pk,
            month__gte=datetime.date(year, 1, 1),
            month__lt=datetime.date(year + 1, 1, 1),
        )
        .order_by()
        .values_list("month", "category_id", "complexity", *TICKET_COUNTERS)
    )
    received_by_leaf: dict[int, int] = {}
    received_by_class = dict.fromkeys(Complexity.values, 0)
    for month, category_id, complexity, *counts in rows:
        target = out.months[month]
        for name, n in zip(TICKET_COUNTERS, counts, strict=True):
            target[name] += n
            out.total[name] += n
        received = counts[TICKET_COUNTERS.index("received")]
        received_by_leaf[category_id] = received_by_leaf.get(category_id, 0) + received
        received_by_class[complexity] = received_by_class.get(complexity, 0) + received
    categories = TicketCategory.objects.filter(pk__in=received_by_leaf).select_related("parent")
    by_root: dict[int, list] = {}
    for category in categories:
        root = category.root
        entry = by_root.setdefault(root.pk, [root, 0])
        entry[1] += received_by_leaf[category.pk]
    out.by_category = [
        (root.pk, root.name, n)
        for root, n in sorted(by_root.values(), key=lambda e: (e[0].position, e[0].pk))
        if n
    ]
    labels = dict(Complexity.choices)
    out.by_complexity = [
        (value, str(labels.get(value, value)), n) for value, n in received_by_class.items() if n
    ]
    return out
