"""The public join API asks for the same consents as the portal's join form (issue #14): the
privacy notice in force and, apart from it, the separate consent to the processing of the ID
number (PIPL Art. 14, 29). Without them nothing is processed and the refusal names the version."""

import json

import pytest
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.models import JoinRequest
from gonghui.members.tests.test_search import make_id, make_phone
from gonghui.members.tokens import join_token
from gonghui.platform.consent.models import Consent, PrivacyNotice
from gonghui.platform.consent.services import current_notice
from gonghui.platform.consent.testing import api_join_consent
from gonghui.platform.sms.services import send_login_code

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/join/"


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


def _apply(client, channel, **consent):
    body = {
        "token": join_token(channel),
        "name": "孙七",
        "id_number": make_id(1),
        "phone": make_phone(1),
        "sms_code": send_login_code(phone=make_phone(1), ip=None, purpose="join").code,
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
        **consent,
    }
    return client.post(
        URL, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )


def _refused(response, code, field):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["field"] == field
    assert error["details"][0]["notice_version"] == current_notice("join").version
    assert not JoinRequest.objects.exists() and not Consent.objects.exists()
    return error["message"]


@pytest.mark.chinese
def test_an_application_without_consent_is_refused_in_chinese_naming_the_version(client, channel):
    version = current_notice("join").version
    message = _refused(_apply(client, channel), "consent_required", "privacy_notice")
    assert "隐私" in message or "告知" in message, message
    assert str(version) in message


def test_the_separate_consent_to_the_id_number_is_required_apart(client, channel):
    consent = {**api_join_consent(), "sensitive_consent": False}
    _refused(_apply(client, channel, **consent), "consent_required", "sensitive_consent")


def test_an_application_for_an_older_notice_is_refused(client, channel):
    old = current_notice("join")
    PrivacyNotice.objects.create(
        purpose="join",
        version=old.version + 1,
        title=old.title,
        body=old.body + "（修订）",
        sensitive=old.sensitive,
        published_at=timezone.now(),
    )
    consent = {**api_join_consent(), "notice_version": old.version}
    message = _refused(_apply(client, channel, **consent), "notice_changed", "notice_version")
    assert str(old.version + 1) in message


def test_an_application_with_both_consents_records_them_with_it(client, channel):
    response = _apply(client, channel, **api_join_consent())
    assert response.status_code == 201, response.content
    join_request = JoinRequest.objects.get()
    consent = Consent.objects.get()
    assert consent.notice == current_notice("join") and consent.separate
    assert consent.channel == "api" and consent.phone_index == join_request.phone_index
    assert consent.subject == f"members.joinrequest:{join_request.pk}"


def test_the_notice_to_show_and_the_consent_fields_are_in_the_api_docs(client):
    notice = current_notice("join")
    body = client.get("/api/v1/public/join/notice").json()
    assert body["version"] == notice.version and body["body"] == notice.body
    assert body["sensitive"] == notice.sensitive
    schema = client.get("/api/v1/openapi.json").json()
    fields = schema["components"]["schemas"]["PublicJoinIn"]["properties"]
    for name in ("privacy_notice", "sensitive_consent", "notice_version"):
        assert "description" in fields[name], name
    assert "consent_required" in json.dumps(schema["paths"]["/api/v1/public/join/"])
