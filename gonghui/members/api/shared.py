"""What the members API's routers share: lazy pages, the subtree filter, the
``allowed_transitions`` of a detail and the 410 of an endpoint replaced by declared ones."""

from django.db.models import Q

from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, subtree_ids
from gonghui.platform.api.pagination import LazyPage as _Lazy  # noqa: F401
from gonghui.platform.workflow.transitions import machine_for


def _allowed(obj, user) -> list[dict]:
    """``allowed_transitions`` of a detail: the declared transitions on the API face."""
    return machine_for(type(obj)).describe(obj, user, "api")


def _subtree_filter(qs, user, org_id: int, *fields: str):
    org = get_scoped_or_404(Org, user, "view", pk=org_id)
    ids = subtree_ids(user, org.path)
    q = Q()
    for field in fields or ("org",):
        q |= Q(**{f"{field}_id__in": ids})
    return qs.filter(q)
