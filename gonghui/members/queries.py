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


def check_org_can_close(org) -> None:
    """Refuse to close an org that still holds members, pending join requests or incoming
    transfers (registered with the org tree's close action)."""
    from django.utils.translation import gettext_lazy as _

    from gonghui.members.choices import JoinRequestState, TransferState
    from gonghui.members.models import JoinRequest, Membership, Transfer
    from gonghui.platform.workflow.base import ActionError

    if Membership.objects.filter(org=org, state__in=CURRENT_STATES).exists():
        raise ActionError(
            _("Transfer or close its memberships first: it still has members."),
            code="has_members",
        )
    if JoinRequest.objects.filter(org=org, state=JoinRequestState.PENDING).exists():
        raise ActionError(
            _("Decide its pending join applications first."), code="has_join_requests"
        )
    open_transfers = (TransferState.PENDING_SENDER, TransferState.PENDING_RECEIVER)
    if Transfer.objects.filter(to_org=org, state__in=open_transfers).exists():
        raise ActionError(_("Decide the transfers into it first."), code="has_transfers")


def register() -> None:
    from gonghui.orgs.actions import register_close_check
    from gonghui.orgs.queries import register_member_counter

    register_member_counter(member_counts_by_path)
    register_close_check(check_org_can_close)
