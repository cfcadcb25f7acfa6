"""Base schema for partial updates (``PATCH``).

Every field of a PATCH body is optional, and only the fields sent are changed
(``payload.dict(exclude_unset=True)``). Optional is not nullable: a field is declared with the
type of its column and a default of None, ``address: str = Field(None, max_length=255)``, so
that leaving it out is fine and sending ``"address": null`` is a 422, instead of a null that
reaches a NOT NULL column (an IntegrityError, a 500). A field whose column may really be
emptied to null says so in its type: ``founded_on: date | None = None``.

The OpenAPI schema shows such a field as its plain type, without the ``"default": null`` that
its type does not allow. ``gonghui/platform/tests/test_api_nulls.py`` sends null in every
field of every PATCH and PUT operation.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


def _without_null_defaults(schema: dict, model) -> None:
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None and "anyOf" not in prop:
            prop.pop("default")


class PatchSchema(Schema):
    model_config = ConfigDict(json_schema_extra=_without_null_defaults)
