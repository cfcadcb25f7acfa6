"""Scoped reads of the org tree."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Count, Q

from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.scoping import restrict

# Apps that count members register a function: (org paths) -> {path: count of the subtree}.
_member_counters: list[Callable[[list[str]], dict[str, int]]] = []


def register_member_counter(fn: Callable[[list[str]], dict[str, int]]) -> None:
    _member_counters.append(fn)


def member_counts(orgs: Iterable[Org]) -> dict[int, int]:
    """Members in each org's subtree. Zero until the members app registers its counter."""
    orgs = list(orgs)
    totals = {org.pk: 0 for org in orgs}
    paths = [org.path for org in orgs]
    for counter in _member_counters:
        by_path = counter(paths)
        for org in orgs:
            totals[org.pk] += by_path.get(org.path, 0)
    return totals


def visible_orgs(user, action: str = "view"):
    return Org.objects.restrict(user, action)


def visible_employers(user, action: str = "view"):
    return Employer.objects.restrict(user, action).select_related("org")


def tree_roots(user):
    """The topmost orgs the user can see: their grants' orgs with no visible ancestor."""
    qs = visible_orgs(user)
    paths = list(qs.values_list("path", flat=True)[:5000])
    roots: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(r) for r in roots):
            roots.append(path)
    return qs.filter(path__in=roots)


def children_of(user, org: Org):
    return visible_orgs(user).filter(path__startswith=org.path, depth=org.depth + 1)


def child_counts(user, orgs: Iterable[Org]) -> dict[int, int]:
    """Number of visible direct children of each org, in one query."""
    orgs = list(orgs)
    if not orgs:
        return {}
    steplen = Org.steplen
    q = Q()
    for org in orgs:
        q |= Q(path__startswith=org.path, depth=org.depth + 1)
    counts = {org.pk: 0 for org in orgs}
    by_path = {org.path: org.pk for org in orgs}
    for path in visible_orgs(user).filter(q).values_list("path", flat=True):
        parent = by_path.get(path[:-steplen])
        if parent is not None:
            counts[parent] += 1
    return counts


def search_orgs(user, text: str, limit: int = 50):
    text = (text or "").strip()
    if not text:
        return visible_orgs(user).none()
    return visible_orgs(user).filter(Q(name__icontains=text) | Q(short_name__icontains=text))[
        :limit
    ]


def ancestors_names(org: Org, user) -> list[str]:
    """Names of ``org``'s ancestors that the user may see, from the top."""
    return ancestors_names_of([org], user)[org.pk]


def ancestors_names_of(orgs, user) -> dict[int, list[str]]:
    """``ancestors_names`` of many orgs in one query (a search result's breadcrumbs)."""
    steplen = Org.steplen
    wanted = {o.pk: [o.path[: steplen * i] for i in range(1, o.depth)] for o in orgs}
    every = sorted({p for paths in wanted.values() for p in paths})
    names = dict(visible_orgs(user).filter(path__in=every).values_list("path", "name"))
    return {pk: [names[p] for p in paths if p in names] for pk, paths in wanted.items()}


def union_directory(kinds=None):
    """The public directory of active unions (names, kinds, paths) — the one unscoped read.

    Workers choose a district's holding pool or a union to transfer to, and a sending union
    names the receiving one, anywhere in the city: union names are published on their QR
    posters and are not personal data. Nothing but these org rows is read here; every other
    read of orgs goes through ``restrict``.
    """
    from gonghui.orgs.choices import OrgStatus

    qs = Org.objects.filter(status=OrgStatus.ACTIVE)
    return qs.filter(kind__in=list(kinds)) if kinds is not None else qs


def start_page_figures(user) -> dict:
    """The console start page's org and employer counts (registered from OrgsConfig.ready())."""
    context: dict = {}
    if user.has_perm("orgs.view_org"):
        orgs = restrict(Org, user)
        by_kind = dict(orgs.values_list("kind").annotate(n=Count("pk")).order_by())
        employers = restrict(Employer, user) if user.has_perm("orgs.view_employer") else None
        stats = [
            {"label": OrgKind(k).label, "count": by_kind.get(k, 0)}
            for k in OrgKind.values
            if by_kind.get(k)
        ]
        context["org_stats"] = stats
        if employers is not None:
            total = employers.count()
            unionised = employers.filter(org__kind=OrgKind.GRASSROOTS).count()
            context["employers"] = {
                "total": total,
                "unionised": unionised,
                "without": total - unionised,
            }
    return context
