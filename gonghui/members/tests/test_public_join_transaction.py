"""The public join endpoint checks and consumes the SMS code in the same transaction as the
application it creates: a refused application leaves the code usable (as in the portal's join
form), a wrong guess stays counted, a successful one uses the code up, and every created
application is audited on an intact chain."""

import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.members import actions
from gonghui.members.models import JoinRequest, Membership
from gonghui.members.tests.test_search import join_request, make_id, make_phone
from gonghui.members.tokens import join_token
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.consent.testing import api_join_consent
from gonghui.platform.sms.models import SMSCode
from gonghui.platform.sms.services import send_login_code

pytestmark = pytest.mark.django_db

URL = "/api/v1/public/join/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


def _post(client, data):
    return client.post(URL, json.dumps(data), content_type="application/json")


def _body(channel, n, code, **overrides):
    return {
        "token": join_token(channel),
        "name": "孙七",
        "id_number": make_id(n),
        "phone": make_phone(1),
        "sms_code": code,
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
        **api_join_consent(),
        **overrides,
    }


def _code():
    return SMSCode.objects.get(purpose="join")


def test_a_refused_application_does_not_use_up_the_code(client, tree, channel):
    # The applicant already has an application for this ID from this very phone.
    join_request(tree, 20, phone=make_phone(1))
    code = send_login_code(phone=make_phone(1), ip=None, purpose="join").code
    response = _post(client, _body(channel, 20, code))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "pending_exists"
    assert _code().used_at is None and _code().attempts == 0
    assert JoinRequest.objects.count() == 1
    # the applicant corrects the ID number and the same code works
    response = _post(client, _body(channel, 2, code))
    assert response.status_code == 201, response.content
    assert _code().used_at is not None


def test_a_wrong_guess_is_counted_and_nothing_is_created(client, channel):
    code = send_login_code(phone=make_phone(1), ip=None, purpose="join").code
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = _post(client, _body(channel, 2, wrong))
    assert response.json()["error"]["code"] == "invalid_code"
    assert _code().attempts == 1 and _code().used_at is None
    assert JoinRequest.objects.count() == 0


def test_a_used_code_cannot_be_replayed(client, channel):
    code = send_login_code(phone=make_phone(1), ip=None, purpose="join").code
    assert _post(client, _body(channel, 2, code)).status_code == 201
    response = _post(client, _body(channel, 3, code))
    assert response.json()["error"]["code"] == "invalid_code"
    assert JoinRequest.objects.count() == 1


def test_the_answer_needs_no_reread_and_the_write_is_audited(client, tree, channel):
    code = send_login_code(phone=make_phone(1), ip=None, purpose="join").code
    with CaptureQueriesContext(connection) as queries:
        response = _post(client, _body(channel, 2, code))
    assert response.status_code == 201, response.content
    request = JoinRequest.objects.get()
    assert response.json()["id"] == request.pk and request.state == "pending"
    sql = [q["sql"] for q in queries.captured_queries]
    reread = 'SELECT "members_joinrequest"."id", "members_joinrequest"."state" FROM'
    assert not any(s.startswith(reread) for s in sql), "the created application is read back"
    event = AuditEvent.objects.filter(action="members.submit_join_request").get()
    assert event.object_id == str(request.pk)
    call_command("audit_verify")


def test_auto_approval_answers_like_any_application(client, tree):
    channel = actions.create_join_channel(
        actor=tree.yubei_admin, org=tree.grassroots, label="自动", auto_approve=True
    )
    code = send_login_code(phone=make_phone(1), ip=None, purpose="join").code
    response = _post(client, _body(channel, 2, code))
    assert response.status_code == 201, response.content
    assert "state" not in response.json()  # the decision goes by SMS, as for a member's ID
    assert JoinRequest.objects.get().state == "approved"
    assert Membership.objects.count() == 1
    call_command("audit_verify")
