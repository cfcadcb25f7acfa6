"""The console's start page: what waits for the signed-in person (their to-dos, most urgent
first, each with its count, the oldest waiting days and the link to the list of them), what
they are responsible for, and figures counted live.

The console imports no app (apps import the console to register their pages): an app adds
its to-dos with ``gonghui.platform.todos.register_todo_source`` and its figures with
:func:`register_start_page_section`, both from its ``AppConfig.ready()``. Staff whose work is
one queue (``register_landing``) are sent to it; ``?home=1`` shows them this page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponseRedirect
from django.utils import timezone

from gonghui.platform.access.roles import ROLES
from gonghui.platform.access.scoping import grant_scopes, scope_model
from gonghui.platform.todos import landing_url, todos_for

# The query parameter that shows the start page to a user who lands on a queue.
HOME_PARAM = "home"

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
    context = {
        "grants": grants,
        "org_stats": None,
        "todos": todos_for(user, timezone.localdate()),
    }
    for section in _sections:
        context.update(section(user))
    return context


def landing_redirect(request):
    """The redirect to the user's queue, for staff whose work is one queue; None otherwise."""
    if request.method != "GET" or HOME_PARAM in request.GET:
        return None
    url = landing_url(request.user)
    return HttpResponseRedirect(url) if url else None
