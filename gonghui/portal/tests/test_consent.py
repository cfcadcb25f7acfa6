"""Privacy notices and consent (PIPL Art. 14, 29; issue #14): on the join form with a separate
consent for the ID number, once at the first portal login (again for a new version), and a
separate consent before the hardship application asks for health and household data."""

import re

import pytest
from django.utils import timezone

from gonghui.assistance.models import Application
from gonghui.members import actions
from gonghui.members.models import JoinRequest
from gonghui.members.testing import MembershipFactory, PersonFactory
from gonghui.members.tokens import join_token
from gonghui.platform.consent.models import Consent, PrivacyNotice
from gonghui.platform.consent.services import accept_notice, current_notice, has_accepted
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.sms.models import SMSCode
from gonghui.platform.testing.factories import MemberFactory
from gonghui.platform.validators import id_check_char
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
BODY = "11010519900307123"
ID = BODY + id_check_char(BODY)
CONSENT = {"privacy_notice": "on", "sensitive_consent": "on"}


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


def join_url(channel):
    return f"/m/join/{join_token(channel)}/"


@pytest.fixture
def apply(client, django_capture_on_commit_callbacks):
    def _apply(channel, **consent):
        data = {
            "name": "李四",
            "id_number": ID,
            "phone": PHONE,
            "employer_name": "某某外卖平台",
            "employment_form": "food_delivery",
            **consent,
        }
        with django_capture_on_commit_callbacks(execute=True):
            client.post(join_url(channel), {**data, "step": "send_code"})
        code = re.search(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1]).group(0)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(join_url(channel), {**data, "code": code, "step": "submit"})

    return _apply


# --- the join form ---------------------------------------------------------------------------


@pytest.mark.chinese
def test_join_form_shows_the_notice_and_two_separate_checkboxes(client, channel):
    html = client.get(join_url(channel)).content.decode()
    assert 'id="notice-title">入会申请个人信息处理告知<' in html
    assert "身份证号码属于敏感个人信息" in html  # the separate consent, in its own words
    assert 'name="privacy_notice"' in html and 'name="sensitive_consent"' in html
    assert 'name="notice_version" value="1"' in html


def test_join_form_refuses_without_consent(client, channel, apply):
    response = apply(channel)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="privacy-error"' in html and "Read the privacy notice" in html
    assert 'id="sensitive-error"' in html
    assert not JoinRequest.objects.exists() and not Consent.objects.exists()
    assert SMSCode.objects.get().used_at is None  # the code still works once she ticks


def test_a_database_without_notices_still_asks_for_consent(client, channel, apply):
    """A database whose notices were emptied (a flushed test database, a table cleared by hand)
    publishes version 1 again at the first form: nobody joins without consenting."""
    PrivacyNotice.objects.all().delete()
    response = apply(channel)
    assert 'id="privacy-error"' in response.content.decode()
    assert not JoinRequest.objects.exists()
    assert current_notice("join").version == 1 and "身份证号码" in current_notice("join").sensitive


def test_join_form_refuses_without_the_separate_consent_alone(client, channel, apply):
    response = apply(channel, privacy_notice="on")
    assert response.status_code == 200
    assert "separate consent" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_join_with_consent_records_the_version_and_time(client, channel, apply):
    before = timezone.now()
    response = apply(channel, **CONSENT)
    assert response.status_code == 302
    request = JoinRequest.objects.get()
    consent = Consent.objects.get()
    assert consent.purpose == "join" and consent.notice.version == 1
    assert consent.separate and consent.channel == "join_form"
    assert consent.subject == f"members.joinrequest:{request.pk}"
    assert consent.phone_index == request.phone_index and consent.user is None
    assert consent.accepted_at >= before


def test_a_notice_changed_while_the_form_was_open_is_shown_again(client, channel, apply):
    client.get(join_url(channel))
    PrivacyNotice.objects.create(
        purpose="join", version=2, title="新告知", body="新", sensitive="新"
    )
    response = apply(channel, notice_version="1", **CONSENT)
    assert response.status_code == 200
    assert "The privacy notice has changed" in response.content.decode()
    assert not JoinRequest.objects.exists()


# --- the first portal login ------------------------------------------------------------------


def sms_login(client, capture, phone="13800138000"):
    with capture(execute=True):
        client.post("/m/login/", {"phone": phone})
    code = re.search(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1]).group(0)
    return client.post("/m/login/verify/", {"code": code})


def test_first_portal_login_asks_once(client, django_capture_on_commit_callbacks):
    assert sms_login(client, django_capture_on_commit_callbacks)["Location"] == "/m/"
    response = client.get("/m/")
    assert response.status_code == 302
    assert response["Location"] == "/m/privacy/portal/?next=/m/"
    page = client.get(response["Location"]).content.decode()
    assert 'id="privacy-notice"' in page and 'data-version="1"' in page
    assert "/m/card/" not in page  # nothing else before she answers
    assert client.get("/m/card/")["Location"].startswith("/m/privacy/portal/")

    accepted = client.post("/m/privacy/portal/", {"version": "1", "next": "/m/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/m/"
    assert client.get("/m/").status_code == 200
    consent = Consent.objects.get(purpose="portal")
    assert consent.user.phone_index and consent.notice.version == 1
    assert consent.channel == "portal" and consent.accepted_at is not None

    client.post("/m/logout/")
    SMSCode.objects.update(created_at="2000-01-01T00:00:00Z")  # past the resend wait
    sms_login(client, django_capture_on_commit_callbacks)
    assert client.get("/m/").status_code == 200  # not asked again
    assert Consent.objects.filter(purpose="portal").count() == 1


def test_a_new_version_asks_again(client):
    user = MemberFactory()
    client.force_login(user)
    assert client.get("/m/").status_code == 200
    PrivacyNotice.objects.create(purpose="portal", version=2, title="告知（修订）", body="修订后")
    response = client.get("/m/")
    assert response.status_code == 302 and response["Location"].startswith("/m/privacy/portal/")
    client.post("/m/privacy/portal/", {"version": "2"})
    assert client.get("/m/").status_code == 200
    assert Consent.objects.filter(user=user, notice__version=2).exists()


def test_accepting_an_outdated_version_is_refused(client):
    user = MemberFactory(consents=())
    old = current_notice("portal")
    PrivacyNotice.objects.create(purpose="portal", version=2, title="告知（修订）", body="修订后")
    with pytest.raises(ActionError):
        accept_notice(actor=user, notice=old, separate=False, channel="portal")
    client.force_login(user)
    response = client.post("/m/privacy/portal/", {"version": "1"})
    assert response.status_code == 200 and "has changed" in response.content.decode()
    assert not has_accepted(user, "portal")


def test_declining_logs_out(client):
    client.force_login(MemberFactory(consents=()))
    response = client.post("/m/privacy/decline/")
    assert response["Location"] == "/m/login/"
    assert client.get("/m/")["Location"].startswith("/m/login/")


# --- the separate consent before the hardship application ----------------------------------


@pytest.fixture
def member(tree, client):
    user = MemberFactory(consents=("portal",))
    person = PersonFactory(org=tree.grassroots, user=user, phone=user.phone)
    MembershipFactory(org=tree.grassroots, person=person)
    client.force_login(user)
    return user


@pytest.mark.chinese
def test_hardship_form_asks_the_separate_consent_first(client, member):
    response = client.get("/m/assistance/apply/")
    assert response.status_code == 302
    assert response["Location"].startswith("/m/privacy/assistance/")
    page = client.get(response["Location"]).content.decode()
    assert "健康状况、残疾情况、家庭成员" in page
    assert 'name="separate"' in page


def test_hardship_consent_needs_the_separate_tick(client, member):
    refused = client.post("/m/privacy/assistance/", {"version": "1"})
    assert refused.status_code == 200 and 'id="privacy-error"' in refused.content.decode()
    assert not has_accepted(member, "assistance")
    # a form posted before consenting saves nothing
    client.post("/m/assistance/apply/", {"situation": "生病", "submit": "1"})
    assert not Consent.objects.filter(purpose="assistance").exists()
    assert not Application.objects.exists()

    accepted = client.post("/m/privacy/assistance/", {"version": "1", "separate": "on"})
    assert accepted["Location"] == "/m/assistance/apply/"
    consent = Consent.objects.get(user=member, purpose="assistance")
    assert consent.separate
    assert client.get("/m/assistance/apply/").status_code == 200


def test_she_reads_the_notice_again_and_withdraws_her_consent(client):
    user = MemberFactory()
    client.force_login(user)
    home = client.get("/m/").content.decode()
    assert 'href="/m/privacy/portal/?next=/m/"' in home
    page = client.get("/m/privacy/portal/?next=/m/").content.decode()
    assert 'id="privacy-accepted"' in page and 'id="privacy-accept"' not in page
    response = client.post("/m/privacy/portal/withdraw/")
    assert response["Location"] == "/m/login/"
    consent = Consent.objects.get(user=user, purpose="portal")
    assert consent.withdrawn_at is not None
    client.force_login(user)
    assert client.get("/m/")["Location"].startswith("/m/privacy/portal/")  # asked again


def test_withdrawing_the_hardship_consent_asks_again_before_the_form(client, member):
    assert client.get("/m/assistance/apply/")["Location"].startswith("/m/privacy/assistance/")
    client.post("/m/privacy/assistance/", {"version": "1", "separate": "on"})
    assert client.get("/m/assistance/apply/").status_code == 200
    response = client.post("/m/privacy/assistance/withdraw/")
    assert response["Location"] == "/m/assistance/"
    assert client.get("/m/assistance/apply/")["Location"].startswith("/m/privacy/assistance/")
    assert client.get("/m/").status_code == 200  # the portal's own consent stands
