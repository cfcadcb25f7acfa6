"""Objection endpoints: recording an objection during publicity (on the applications router)
and deciding one (/assistance/objections/).
"""

from datetime import date

from ninja import Field, Router, Schema
from ninja.responses import Status

from gonghui.assistance import actions
from gonghui.assistance.api._shared import ERRORS, refusals
from gonghui.assistance.api.application_routes import (
    ObjectionOut,
    _get_application,
    _objection,
    applications,
)
from gonghui.assistance.models import Objection
from gonghui.platform.access.scoping import get_scoped_or_404

objections = Router(tags=["assistance: applications"])


class ObjectionIn(Schema):
    content: str = Field(..., min_length=1, max_length=4000)
    raised_by: str = Field("", max_length=100)
    received_on: date | None = None


class DecisionIn(Schema):
    upheld: bool
    note: str = Field(..., min_length=1, max_length=300)


@applications.post(
    "/{int:application_id}/objections",
    response={201: ObjectionOut, **ERRORS},
    summary="Record an objection received during publicity",
    operation_id="gonghui_assistance_api_record_objection",
)
@refusals
def record_objection(request, application_id: int, payload: ObjectionIn):
    a = _get_application(request, application_id)
    o = actions.record_objection(
        actor=request.user,
        application=a,
        content=payload.content,
        raised_by=payload.raised_by,
        received_on=payload.received_on,
    )
    return Status(201, _objection(o))


@objections.post(
    "/{int:objection_id}/decision",
    response={200: ObjectionOut, **ERRORS},
    summary="Decide an objection (upheld sends the case back to verification)",
    operation_id="gonghui_assistance_api_decide_objection",
)
@refusals
def decide_objection(request, objection_id: int, payload: DecisionIn):
    o = get_scoped_or_404(
        Objection.objects.select_related("application"),
        request.user,
        "assistance.view_application",
        pk=objection_id,
    )
    o = actions.decide_objection(
        actor=request.user, objection=o, upheld=payload.upheld, note=payload.note
    )
    return _objection(o)
