"""Limit/offset pagination with a bounded offset.

ninja's own ``offset: int`` has no upper bound: an offset beyond 64 bits reached the database
and failed there with a server error (found by schemathesis). Offsets above ``MAX_OFFSET`` are
refused with 422 like any other invalid input."""

from __future__ import annotations

from math import inf

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination as _NinjaLimitOffset

MAX_OFFSET = 2**31 - 1


class LimitOffsetPagination(_NinjaLimitOffset):
    class Input(Schema):
        limit: int = Field(
            settings.PAGINATION_PER_PAGE,
            ge=1,
            le=settings.PAGINATION_MAX_LIMIT if settings.PAGINATION_MAX_LIMIT != inf else None,
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
