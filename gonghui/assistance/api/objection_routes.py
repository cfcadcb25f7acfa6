"""Objection endpoints: recording an objection during publicity (on the applications router)
and deciding one (/assistance/objections/): ``POST /objections/{id}/uphold`` (异议成立: the case
goes back to verification) or ``/dismiss`` (异议不成立), each the objection's declared
transition with its own body. The former ``POST …/decision`` answers 410.
"""

from datetime import date

from ninja import Field, Router, Schema
from ninja.responses import Status

from gonghui.assistance import actions
from gonghui.assistance.api._shared import ERRORS
from gonghui.assistance.api.application_routes import (
    ObjectionOut,
    _get_application,
    _objection,
    applications,
)
from gonghui.assistance.models import Objection
from gonghui.assistance.workflows_cases import objection_states
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.errors import replaced
from gonghui.platform.workflow.transitions import add_transition_routes

objections = Router(tags=["assistance: applications"])


class ObjectionIn(Schema):
    content: str = Field(..., min_length=1, max_length=4000)
    raised_by: str = Field("", max_length=100)
    received_on: date | None = None


@applications.post(
    "/{int:application_id}/objections",
    response={201: ObjectionOut, **ERRORS},
    summary="Record an objection received during publicity",
    operation_id="gonghui_assistance_api_record_objection",
)
def record_objection(request, application_id: int, payload: ObjectionIn):
    a = _get_application(request, application_id)
    o = actions.record_objection(
        actor=request.user,
        application=a,
        content=payload.content,
        raised_by=payload.raised_by,
        received_on=payload.received_on,
    )
    return Status(201, _objection(o, request.user))


def _get_objection(request, objection_id: int) -> Objection:
    return get_scoped_or_404(
        Objection.objects.select_related("application__org"),
        request.user,
        "assistance.view_application",
        pk=objection_id,
    )


# POST /objections/{id}/uphold and /dismiss, each with the reason (note).
TRANSITION_PATHS = add_transition_routes(
    objections,
    objection_states,
    id_param="objection_id",
    load=_get_objection,
    respond=lambda request, o: _objection(o, request.user),
    response={200: ObjectionOut},
)


@objections.post(
    "/{int:objection_id}/decision",
    summary="Replaced by uphold and dismiss (410)",
    operation_id="gonghui_assistance_api_decide_objection",
    deprecated=True,
)
def decide_objection(request, objection_id: int):
    """Gone: ``POST /objections/{id}/uphold`` or ``/dismiss``, each with ``note``."""
    _get_objection(request, objection_id)  # outside the scope: still 404
    return replaced(request, [p.rsplit("/", 1)[1] for p in TRANSITION_PATHS])
