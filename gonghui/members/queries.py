"""Scoped reads of people and memberships."""

from __future__ import annotations

from django.db.models import Count

from gonghui.members.choices import CURRENT_STATES


def member_counts_by_path(paths: list[str]) -> dict[str, int]:
    """Current members in the subtree of each path (for the org tree's counts)."""
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org

    if not paths:
        return {}
    rows = (
        Membership.objects.filter(state__in=CURRENT_STATES)
        .values("org__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # One grouped query; prefixes summed in Python. Fine for the console tree (tens of rows
    # shown, orgs with members grouped); the cockpit will use incremental summaries.
    totals = dict.fromkeys(paths, 0)
    wanted = sorted(paths)
    for row in rows:
        path = row["org__path"]
        for depth in range(1, len(path) // Org.steplen + 1):
            prefix = path[: depth * Org.steplen]
            if prefix in totals:
                totals[prefix] += row["n"]
    del wanted
    return totals


def register() -> None:
    from gonghui.orgs.queries import register_member_counter

    register_member_counter(member_counts_by_path)
