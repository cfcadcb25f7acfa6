"""The faces built from declarations (issue #12 §1): buttons with reasons, the form of a
transition built from its API schema, and a posted form that runs through the same check.
An export request (a platform model with a maker-checker rule) is the object."""

from __future__ import annotations

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.loader import render_to_string
from django.test import RequestFactory

from gonghui.platform.imports.models import ExportRequest, ExportState
from gonghui.platform.imports.workflows import ApproveExportIn, RejectExportIn, export_states
from gonghui.platform.testing.factories import make_org, staff_with_role
from gonghui.platform.testing.workflow import declared, rendered_transitions
from gonghui.platform.workflow.faces import form_for, offers, run_posted
from gonghui.platform.workflow.transitions import machine_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = make_org()
    maker = staff_with_role(org, "membership_officer")
    checker = staff_with_role(org, "membership_officer")
    outsider = staff_with_role(make_org(), "membership_officer")
    request = ExportRequest.objects.create(
        org=org, requested_by=maker, row_count=12000, purpose="年度报表"
    )
    return org, maker, checker, outsider, request


def post(user, data):
    request = RequestFactory().post("/", data)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_the_registered_machine_is_the_declared_one():
    assert machine_for(ExportRequest) is export_states


def test_the_checker_gets_both_buttons_the_maker_sees_them_disabled_with_the_reason(world):
    _org, maker, checker, outsider, request = world
    assert declared(request, checker, "console") == {"approve": True, "reject": True}
    mine = {b.name: b for b in offers(request, maker, "console")}
    assert not mine["approve"].enabled and not mine["reject"].enabled
    assert "Another person" in mine["approve"].reasons[0] or "另一人" in mine["approve"].reasons[0]
    assert offers(request, outsider, "console") == []  # outside her subtree: no buttons at all

    html = render_to_string("workflow/buttons.html", {"transition_buttons": offers(request, maker)})
    assert rendered_transitions(html) == {"approve": False, "reject": False}
    assert mine["approve"].reasons[0] in html  # the reason is written, not only a tooltip


def test_a_decided_request_offers_nothing(world):
    _org, _maker, checker, _outsider, request = world
    request.state = ExportState.REJECTED
    request.save()
    assert offers(request, checker) == []


def test_the_form_is_built_from_the_api_schema():
    reject = form_for(export_states.transitions["reject"])()
    approve = form_for(export_states.transitions["approve"])()
    assert reject.fields["reason"].required and reject.fields["reason"].max_length == 300
    assert not approve.fields["reason"].required
    assert set(reject.fields) == set(RejectExportIn.model_fields)
    assert set(approve.fields) == set(ApproveExportIn.model_fields)


def test_a_posted_form_runs_the_transition_and_a_refused_one_says_why(world):
    _org, maker, checker, _outsider, request = world
    result, form = run_posted(post(checker, {"reason": ""}), request, "reject", "console")
    assert result is None and "reason" in form.errors  # required by the schema

    result, form = run_posted(post(maker, {"reason": "不需要"}), request, "reject", "console")
    assert result is None and form.non_field_errors()  # maker-checker, from the check
    request.refresh_from_db()
    assert request.state == ExportState.PENDING

    result, form = run_posted(post(checker, {"reason": "超出用途"}), request, "reject", "console")
    assert not form.errors
    request.refresh_from_db()
    assert request.state == ExportState.REJECTED and request.reason == "超出用途"


def test_the_page_reader_tells_enabled_from_disabled_on_both_faces():
    console = (
        '<a href="/x" data-transition="approve">A</a>'
        '<div data-transition="reject" data-disabled="1"><button disabled>R</button></div>'
        '<a href="/y" data-transition="escalate">E</a>'
    )
    assert rendered_transitions(console) == {"approve": True, "reject": False, "escalate": True}
    portal = (
        '<form data-transition="confirm"><button type="submit">C</button></form>'
        '<form data-transition="disown"><button disabled>D</button><p>why</p></form>'
        '<form data-transition="later"><button>L</button></form>'
    )
    assert rendered_transitions(portal) == {"confirm": True, "disown": False, "later": True}


def test_without_the_permission_the_reasons_are_not_told(world):
    """A viewer posting a transition gets 403, not the 409 whose reasons describe the record."""
    from django.core.exceptions import PermissionDenied

    org, maker, _checker, _outsider, request = world
    viewer = staff_with_role(org, "viewer")
    with pytest.raises(PermissionDenied):
        export_states.run(request, viewer, "reject", {"reason": "x"}, face="api")


def test_a_primed_page_answers_permissions_without_a_query_per_row(
    world, django_assert_num_queries
):
    org, maker, checker, outsider, request = world
    other = ExportRequest.objects.create(
        org=make_org(), requested_by=maker, row_count=9000, purpose="统计"
    )
    export_states.prime([request, other], checker)
    approve = export_states.transitions["approve"]
    with django_assert_num_queries(0):
        assert export_states.permitted(approve, request, checker) is True
        assert export_states.permitted(approve, other, checker) is False  # outside her subtree
    # A verdict primed for one user is not read for another.
    assert export_states.permitted(approve, request, outsider) is False
