"""The console's start page: what the signed-in person is responsible for, counted live."""

from __future__ import annotations

from django.db.models import Count

from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.roles import ROLES
from gonghui.platform.access.scoping import grant_scopes, restrict


def dashboard_context(request) -> dict:
    user = request.user
    scopes = grant_scopes(user)
    grants = []
    if scopes:
        names = dict(
            Org.objects.filter(pk__in=[s.org_id for s in scopes]).values_list("pk", "name")
        )
        from gonghui.platform.access.models import RoleGrant

        for grant in RoleGrant.objects.active().filter(user=user).select_related("org"):
            grants.append(
                {
                    "role": ROLES[grant.role].label,
                    "org": names.get(grant.org_id, ""),
                    "subtree": grant.include_descendants,
                    "description": ROLES[grant.role].description,
                }
            )
    context = {"grants": grants, "org_stats": None}
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
