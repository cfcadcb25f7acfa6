"""Shared pieces of the assistance API: the money types, refusal handling, lazy pages, the
error responses every write endpoint declares, and the 410 of an endpoint replaced by the
declared transitions (``allowed_transitions`` is the platform's ``AllowedTransition``).
"""

import functools
from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

from gonghui.assistance import actions
from gonghui.assistance.case_inputs import MoneyIn as MoneyIn
from gonghui.platform.api.errors import error_response
from gonghui.platform.workflow.base import ActionError

# Money leaves as a decimal string; it is accepted only as a string with at most 2 decimals.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{Decimal(v).quantize(actions.CENT)}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "1234.50"}),
]

# Refusals that are about the state of the record rather than the request: 409.
CONFLICT_CODES = frozenset(
    {
        "already_paid",
        "already_paying",
        "invalid_transition",
        "not_payable",
        "not_pending",
        "decided",
        "not_in_publicity",
        "not_editable",
        "application_in_progress",
        "applicant_has_open_file",
        "household_has_open_file",
        "file_closed",
        "open_objections",
        "publicity_running",
    }
)


def refusals(view):
    """Answer an action's refusal with its code: 409 for a state conflict, else 400."""

    @functools.wraps(view)
    def run(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ActionError as exc:
            code = getattr(exc, "code", None) or "invalid"
            status = 409 if code in CONFLICT_CODES else 400
            return error_response(request, status, code, " ".join(exc.messages))

    return run


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
