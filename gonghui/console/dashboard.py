"""The console's start page: what the signed-in person is responsible for, counted live.

The console imports no app (apps import the console to register their pages): an app adds
its figures with :func:`register_start_page_section` from its ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Callable

from gonghui.platform.access.roles import ROLES
from gonghui.platform.access.scoping import grant_scopes, scope_model

# fn(user) -> dict merged into the start page's context (e.g. the org app's counts).
_sections: list[Callable[[object], dict]] = []


def register_start_page_section(section: Callable[[object], dict]) -> None:
    if section not in _sections:
        _sections.append(section)


def dashboard_context(request) -> dict:
    user = request.user
    scopes = grant_scopes(user)
    grants = []
    if scopes:
        names = dict(
            scope_model()
            .objects.filter(pk__in=[s.org_id for s in scopes])
            .values_list("pk", "name")
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
    for section in _sections:
        context.update(section(user))
    return context
