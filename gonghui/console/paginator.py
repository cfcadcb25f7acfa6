"""The console's paginator for big changelists: it never counts past ``CAP`` rows.

Django's admin asks the paginator for ``count`` on every changelist page, which is an exact
``COUNT(*)`` over the filtered queryset: a district's members, a city's people. This one counts
with a LIMITed subquery (``SELECT COUNT(*) FROM (SELECT … LIMIT CAP + 1)``), so a page view
reads at most ``CAP + 1`` index entries whatever the size of the table, and says so: the list
shows "more than 10,000" in its footer (``template_name``, which unfold includes) and in the
header (templates/unfold/helpers/welcomemsg.html), never the cap as if it were the count.

Pages stop at the cap (200 pages of 50). A page number past it is not an error page: the
paginator serves the last page it can, and the footer asks to filter or search (a staff user
looking for someone past the 10,000th newest member narrows the list; nobody reads 200 pages).
Serving deeper pages by keyset would need the changelist's links to carry a cursor instead of
``?p=``, which the admin's sort-by-column headers (any column, either way) do not allow.

A page is read as a deferred join: the page's ids first (filters, order, LIMIT/OFFSET on the
table's own indexes), then the rows with their ``select_related`` tables for those ids only.
SQLite otherwise joins every matching row before it sorts (~200 ms for page 1 of a district's
members at 1M members, ~1 ms this way; bench B2).

Use with ``show_full_result_count = False`` (else the admin counts the unfiltered table too)
and ``show_facets = ShowFacets.NEVER`` (facets count every filter choice exactly).
"""

from __future__ import annotations

import copy

from django.core.paginator import EmptyPage, Paginator
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

CAP = 10_000


class CappedPaginator(Paginator):
    """``count`` is exact up to ``cap`` rows; above it ``count == cap`` and ``capped``."""

    cap = CAP
    template_name = "console/pagination_capped.html"

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        qs = self.object_list
        if hasattr(qs, "order_by"):
            # only the key in the subquery: no join the list's select_related asked for
            n = qs.order_by().values("pk")[: self.cap + 1].count()
        else:  # a list
            n = min(len(qs), self.cap + 1)
        return min(n, self.cap), n > self.cap

    @property
    def count(self) -> int:
        return self._counted[0]

    @property
    def capped(self) -> bool:
        """More rows match than the paginator counted (and can page through)."""
        return self._counted[1]

    @property
    def cap_label(self) -> str:
        return number_format(self.cap, force_grouping=True)

    @property
    def count_label(self) -> str:
        """The count for people: "1,234", or "more than 10,000" when capped."""
        if self.capped:
            return _("more than %(count)s") % {"count": self.cap_label}
        return number_format(self.count, force_grouping=True)

    # The page asked for lies past the cap (only reachable by editing the URL).
    beyond_cap = False

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int):
        qs = self.object_list
        query = getattr(qs, "query", None)
        if (
            query is None
            or not query.order_by
            or query.distinct
            or query.annotations
            or query.extra_order_by
            or query.combinator
        ):
            return qs[bottom:top]
        ids = qs.values("pk")[bottom:top]
        rows = qs.model._base_manager.filter(pk__in=ids)
        rows.query.select_related = copy.deepcopy(query.select_related)
        return rows.order_by(*query.order_by)

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if self.capped and int(number) > self.num_pages:
                self.beyond_cap = True
                return self.num_pages
            raise
