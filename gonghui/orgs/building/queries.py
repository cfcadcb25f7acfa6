"""Scoped reads of union building: terms due for election, the published duty lists an org
signs or a user may record letters against, and the letters not yet signed."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from gonghui.orgs.building.common import DUE_WITHIN_DAYS
from gonghui.orgs.choices import OrgStatus
from gonghui.orgs.models import DUTY_LEVEL_KINDS, DutyLetter, DutyList, DutyListState, Org, Term
from gonghui.platform.access.scoping import grant_scopes, restrict, subtree_q


def _ancestor_paths(path: str) -> list[str]:
    steplen = Org.steplen
    return [path[: steplen * i] for i in range(1, len(path) // steplen + 1)]


def lists_for_org(org: Org, year: int | None = None):
    """Published lists that ``org`` signs: its level's, from itself or a federation above."""
    levels = [level for level, kinds in DUTY_LEVEL_KINDS.items() if org.kind in kinds]
    qs = DutyList.objects.filter(
        state=DutyListState.PUBLISHED, level__in=levels, org__path__in=_ancestor_paths(org.path)
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def terms_due(user, *, today: datetime.date | None = None, within: int = DUE_WITHIN_DAYS):
    """Current terms in the user's scope that end within ``within`` days or are overdue."""
    today = today or timezone.localdate()
    return (
        Term.objects.restrict(user, "view")
        .filter(is_current=True, ends_on__lte=today + datetime.timedelta(days=within))
        .select_related("org")
        .order_by("ends_on")
    )


def terms_overdue(user, *, today: datetime.date | None = None):
    today = today or timezone.localdate()
    return terms_due(user, today=today, within=0).filter(ends_on__lt=today)


def signable_lists(user, year: int | None = None):
    """Published lists the user may record letters against: those of federations in their
    scope and of the federations above their grants."""
    paths: set[str] = set()
    for scope in grant_scopes(user):
        if "orgs.add_dutyletter" in scope.permissions:
            paths.update(_ancestor_paths(scope.path))
    visible = restrict(Org, user, "orgs.view_dutyletter").values("pk")
    qs = DutyList.objects.filter(state=DutyListState.PUBLISHED).filter(
        Q(org__path__in=sorted(paths)) | Q(org__in=visible)
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs.select_related("org").order_by("-year", "level", "org__path")


def unsigned_letters(user, year: int) -> list[dict]:
    """For each published list of ``year`` that reaches the user's scope, the active orgs of
    its level in the user's scope (and under the publisher) that have not signed it."""
    scope = restrict(Org, user, "orgs.view_dutyletter")
    rows = []
    lists = (
        DutyList.objects.filter(state=DutyListState.PUBLISHED, year=year)
        .select_related("org")
        .order_by("level", "org__path")
    )
    for duty_list in lists:
        orgs = (
            scope.filter(subtree_q("path", duty_list.org.path))
            .filter(status=OrgStatus.ACTIVE, kind__in=DUTY_LEVEL_KINDS[duty_list.level])
            .exclude(pk__in=DutyLetter.objects.filter(list=duty_list).values("org_id"))
            .order_by("path")
        )
        for org in orgs:
            rows.append({"list": duty_list, "org": org})
    return rows
