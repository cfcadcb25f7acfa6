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

# Money leaves as a decimal string; it is accepted only as a string with at most 2 decimals.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{Decimal(v).quantize(actions.CENT)}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "1234.50"}),
]


class _Lazy:
    """Lets the paginator slice the queryset first, then builds rows for one page only."""

    def __init__(self, qs, build):
        self.qs, self.build = qs, build

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        return [self.build(row) for row in self.qs[item]]


ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}
