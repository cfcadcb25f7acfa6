"""What the members API's routers share: lazy pages, the subtree filter, the
``allowed_transitions`` of a detail and the 410 of an endpoint replaced by declared ones."""

from django.db.models import Q

from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, subtree_ids
from gonghui.platform.workflow.transitions import machine_for


class _Lazy:
    """Lets the paginator slice the queryset first, then builds rows for one page only.
    With ``values``, the page is read as ``qs.values(*values)`` (the count stays on ``qs``)."""

    def __init__(self, qs, build, values=(), prepare=None):
        self.qs, self.build, self.values = qs, build, tuple(values)
        self.prepare = prepare  # called with the page's rows before they are built

    def rows(self, qs):
        return qs.values(*self.values) if self.values else qs

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        page = list(self.rows(self.qs)[item])
        if self.prepare is not None:
            self.prepare(page)
        return [self.build(row) for row in page]


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
