"""Shared pieces of the assistance API: the money types, lazy pages and the error responses
every write endpoint declares. A refused action is answered by the API's one handler
(``gonghui.platform.api.errors``: 409 for the state conflicts the app registers in
``workflows_cases``/``workflows_money``, else 400); ``allowed_transitions`` is the platform's
``AllowedTransition``.
"""

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

from gonghui.assistance import actions
from gonghui.assistance.case_inputs import MoneyIn as MoneyIn
from gonghui.platform.api.pagination import LazyPage as _Lazy  # noqa: F401

# Money leaves as a decimal string; it is accepted only as a string with at most 2 decimals.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{Decimal(v).quantize(actions.CENT)}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "1234.50"}),
]


ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}
