"""API pagination: bounded limit/offset, and keyset (cursor) pages for big lists.

``LimitOffsetPagination``: ninja's own ``offset: int`` has no upper bound: an offset beyond 64
bits reached the database and failed there with a server error (found by schemathesis).
Offsets above ``MAX_OFFSET`` are refused with 422 like any other invalid input. It is kept for
short lists (the org tree, channels of a union); an OFFSET costs as much as the rows it skips.

``CursorPagination``: a page costs the same at any depth. The list has a fixed total order
whose last column is unique (``("-joined_on", "-id")``); a cursor is the sort key of the row
next to the page and the page is ``WHERE (key) < (cursor) ORDER BY key LIMIT n``, which the
database answers from an index on the key without reading the rows before it. The total is
counted only on the first page and at most up to ``COUNT_CAP`` rows.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import json
from math import inf
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Func, Value
from django.utils import timezone
from ninja import Field, Schema
from ninja.conf import settings
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination as _NinjaLimitOffset
from ninja.pagination import PaginationBase

MAX_OFFSET = 2**31 - 1
# Totals are exact up to this many rows; above it a page reports ``count_capped``.
COUNT_CAP = 10_000
_INT_BOUND = 2**63 - 1
_CURSOR_MAX_LENGTH = 400


class LimitOffsetPagination(_NinjaLimitOffset):
    # Named apart from the cursor pages' input: the API document keys schemas by class name.
    class OffsetPageInput(Schema):
        limit: int = Field(
            settings.PAGINATION_PER_PAGE,
            ge=1,
            le=settings.PAGINATION_MAX_LIMIT if settings.PAGINATION_MAX_LIMIT != inf else None,
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    Input = OffsetPageInput


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """``(min(rows, cap), rows > cap)`` with a LIMITed subquery: never counts past ``cap + 1``
    rows, whatever the size of the table. ``cap`` defaults to ``COUNT_CAP``."""
    cap = COUNT_CAP if cap is None else cap
    # only the key in the subquery: no join a select list (values, select_related) asked for
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


class RowCompare(Func):
    """``(a, b, …) < (x, y, …)`` (or ``>``) as one SQL row-value comparison.

    Both SQLite (≥ 3.15) and PostgreSQL answer a row-value comparison from an index on
    ``(a, b)``; Django's own tuple lookups fall back to ``a < x OR (a = x AND b < y)`` on
    SQLite, which its planner cannot use as an index range."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, columns: list[str], op: str, values: list, fields: list):
        if op not in ("<", ">") or len(columns) != len(values):
            raise ValueError("a row comparison needs < or > and one value per column")
        self.op = op
        exprs = [models.F(c) for c in columns]
        exprs += [Value(v, output_field=f) for v, f in zip(values, fields, strict=True)]
        super().__init__(*exprs)

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expr in self.get_source_expressions():
            sql, p = compiler.compile(expr)
            parts.append(sql)
            params.extend(p)
        half = len(parts) // 2
        lhs, rhs = ", ".join(parts[:half]), ", ".join(parts[half:])
        return f"(({lhs}) {self.op} ({rhs}))", params


class CursorPagination(PaginationBase):
    """Keyset pages: ``?limit=&cursor=`` in, ``{items, count, count_capped, next, previous}``
    out (see ``Output`` for the contract). ``ordering`` must end with a unique column; every
    column must be sorted the same way (all descending or all ascending) so that one
    row-value comparison selects the rows after the cursor.

    The view returns a queryset, or any object with ``qs`` (a queryset) and ``build`` (row →
    response item), optionally ``rows`` (queryset → the queryset the page is read from, e.g.
    ``.values(…)``; the count stays on ``qs``). The paginator imposes the ordering, so the
    view's own ``order_by`` does not matter. Scoping and filters stay in the view's queryset:
    a cursor only says where in that list to start, so it cannot reach a row the queryset
    does not hold.
    """

    class CursorPageInput(Schema):
        limit: int = Field(
            settings.PAGINATION_PER_PAGE,
            ge=1,
            le=settings.PAGINATION_MAX_LIMIT if settings.PAGINATION_MAX_LIMIT != inf else None,
            description="Rows per page.",
        )
        cursor: str | None = Field(
            None,
            max_length=_CURSOR_MAX_LENGTH,
            pattern=r"^[A-Za-z0-9_-]+$",
            description=(
                "Opaque position from the `next` or `previous` field of a page; absent for the "
                "first page. An invalid cursor is answered 422."
            ),
        )
        offset: int | None = Field(
            None,
            ge=0,
            le=0,
            description=(
                "Not supported on this list (it pages by cursor): only 0 (the first page) is "
                "accepted, for clients written against limit/offset; follow `next` instead."
            ),
        )

    Input = CursorPageInput

    class Output(Schema):
        items: list[Any]
        count: int | None = Field(
            description=(
                f"Rows matching the filters, exact up to {COUNT_CAP:,}; above that it is "
                f"{COUNT_CAP} and `count_capped` is true (narrow the filters for an exact "
                "figure). Counted on the first page only (a request without `cursor`); null on "
                "pages reached with a cursor: keep the first page's value."
            )
        )
        count_capped: bool = Field(
            description=f"True when more than {COUNT_CAP:,} rows match (see `count`)."
        )
        next: str | None = Field(
            description="Cursor of the next page (pass it as `cursor`); null on the last page."
        )
        previous: str | None = Field(
            description="Cursor of the previous page; null on the first page."
        )

    items_attribute = "items"

    def __init__(
        self,
        *,
        ordering: tuple[str, ...] = ("-id",),
        count_cap: int | None = None,
        **kwargs: Any,
    ) -> None:
        descending = {o.startswith("-") for o in ordering}
        if not ordering or len(descending) != 1:
            raise ValueError("ordering must be non-empty and all in one direction")
        self.ordering = tuple(ordering)
        self.columns = [o.lstrip("-") for o in ordering]
        self.descending = descending.pop()
        self.count_cap = count_cap
        super().__init__(**kwargs)

    # --- cursors -------------------------------------------------------------------------------

    def _fields(self, model) -> list:
        return [
            model._meta.pk if c in ("pk", "id") else model._meta.get_field(c) for c in self.columns
        ]

    @staticmethod
    def _dump(value) -> Any:
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    def encode(self, direction: str, key: tuple) -> str:
        raw = json.dumps([direction, *(self._dump(v) for v in key)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def _load(field, value):
        if isinstance(value, bool):
            raise ValueError("bool")
        if isinstance(field, models.DateTimeField):
            if not isinstance(value, str):
                raise ValueError("datetime")
            parsed = datetime.datetime.fromisoformat(value)
            if django_settings.USE_TZ:
                if timezone.is_naive(parsed):
                    raise ValueError("naive datetime")
                parsed = parsed.astimezone(datetime.UTC)  # OverflowError near year 1/9999
            return parsed
        if isinstance(field, models.DateField):
            if not isinstance(value, str):
                raise ValueError("date")
            return datetime.date.fromisoformat(value)
        if isinstance(field, models.IntegerField | models.AutoField):
            if not isinstance(value, int) or abs(value) > _INT_BOUND:
                raise ValueError("integer")
            return value
        if isinstance(field, models.CharField | models.TextField):
            if not isinstance(value, str) or len(value) > (field.max_length or 1000):
                raise ValueError("text")
            return value
        raise ValueError("unsupported column")  # pragma: no cover - a programming error

    def decode(self, cursor: str, model) -> tuple[str, list]:
        """``(direction, key values)``; anything else is a 422."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = json.loads(raw.decode())
            if not isinstance(data, list) or len(data) != len(self.columns) + 1:
                raise ValueError("shape")
            direction, *values = data
            if direction not in ("n", "p"):
                raise ValueError("direction")
            fields = self._fields(model)
            return direction, [self._load(f, v) for f, v in zip(fields, values, strict=True)]
        except (
            ValueError,
            TypeError,
            OverflowError,
            UnicodeDecodeError,
            binascii.Error,
            DjangoValidationError,
        ) as exc:
            raise ValidationError(
                [{"loc": ("query", "cursor"), "msg": "Invalid cursor.", "type": "value_error"}]
            ) from exc

    def _key(self, obj) -> tuple:
        if isinstance(obj, dict):  # a row of .values(): it must hold the ordering columns
            return tuple(obj["id" if c == "pk" else c] for c in self.columns)
        return tuple(obj.pk if c in ("pk", "id") else getattr(obj, c) for c in self.columns)

    # --- pages ---------------------------------------------------------------------------------

    def paginate_queryset(
        self, queryset, pagination: CursorPageInput, request, **params: Any
    ) -> Any:
        qs = getattr(queryset, "qs", queryset)
        build = getattr(queryset, "build", None) or (lambda row: row)
        rows_of = getattr(queryset, "rows", None) or (lambda q: q)
        limit = pagination.limit
        direction, key = "n", None
        if pagination.cursor:
            direction, key = self.decode(pagination.cursor, qs.model)
        backwards = direction == "p"
        # forward: rows after the key in list order; backward: rows before it, nearest first
        reverse = self.descending != backwards
        order = [f"-{c}" if reverse else c for c in self.columns]
        keys = qs.order_by(*order)
        if key is not None:
            op = "<" if reverse else ">"
            keys = keys.filter(RowCompare(self.columns, op, key, self._fields(qs.model)))
        # A deferred join: the page's keys first (scope, filters, order and LIMIT on the
        # table's own index), then the joined columns for those rows only. SQLite otherwise
        # joins every matching row before it sorts (270 ms for page 1 of a district at 1M
        # members, 1.4 ms this way).
        base = qs.model._base_manager.all()
        base.query.select_related = copy.deepcopy(qs.query.select_related)
        page_qs = rows_of(base.filter(pk__in=keys.values("pk")[: limit + 1])).order_by(*order)
        rows = list(page_qs)
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        if not backwards:
            nxt = self.encode("n", self._key(rows[-1])) if more and rows else None
            prev = self.encode("p", self._key(rows[0])) if key is not None and rows else None
        else:
            prev = self.encode("p", self._key(rows[0])) if more and rows else None
            nxt = self.encode("n", self._key(rows[-1])) if rows else None
        count, capped = None, False
        if pagination.cursor is None:
            if not more:
                count = len(rows)  # the whole list is on this page: no query
            else:
                count, capped = capped_count(qs, self.count_cap)
        return {
            "items": [build(row) for row in rows],
            "count": count,
            "count_capped": capped,
            "next": nxt,
            "previous": prev,
        }


class LazyPage:
    """A list answer the paginator slices first: only the page's rows are read and built.

    ``values``: read the page as ``qs.values(*values)`` (the count stays on ``qs``).
    ``prepare(rows)``: called with the page's rows before they are built, to read what every
    row needs in a few queries for the whole page (findings, permission verdicts) instead of
    one per row."""

    def __init__(self, qs, build, values=(), prepare=None):
        self.qs, self.build, self.values = qs, build, tuple(values)
        self.prepare = prepare

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
