"""The worker portal (/m/): login flow end to end, home page, logout, mobile layout, language."""

import re

import pytest
from django.utils import translation

from gonghui.accounts.models import User
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.consent.services import current_notice
from gonghui.platform.pii.fields import index_for
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.testing.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture
def login(client, django_capture_on_commit_callbacks):
    """Run the phone + code login; returns the response of the code POST."""

    def _login(phone="138 0013 8000", c=None, next_url=None, accept_privacy=True):
        """``accept_privacy``: then accept the portal's privacy notice, as she does once."""
        c = c or client
        with django_capture_on_commit_callbacks(execute=True):
            sent = c.post("/m/login/", {"phone": phone})
        assert sent.status_code == 302, sent.content.decode()[:1000]
        code = re.search(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1]).group(0)
        url = "/m/login/verify/" + (f"?next={next_url}" if next_url else "")
        response = c.post(url, {"code": code})
        if accept_privacy and response.status_code == 302:
            version = current_notice("portal").version
            c.post("/m/privacy/portal/", {"version": version})
        return response

    return _login


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/m/")
    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/")


def test_login_page_renders(client):
    response = client.get("/m/login/")
    assert response.status_code == 200
    assert 'name="phone"' in response.content.decode()


def test_login_creates_member_and_home_shows_masked_phone(client, login):
    response = login()
    assert response.status_code == 302
    assert response["Location"] == "/m/"
    home = client.get("/m/")
    assert home.status_code == 200
    html = home.content.decode()
    assert "138****8000" in html
    assert PHONE not in html
    user = User.objects.get(phone_index=index_for("phone", PHONE))
    assert user.kind == "member"
    assert not user.is_staff
    assert not user.has_usable_password()
    assert home.wsgi_request.user == user


def test_login_is_audited_with_method_sms(client, login):
    login()
    user = User.objects.get_by_phone(PHONE)
    event = AuditEvent.objects.get(action="auth.login", actor=user)
    assert event.details["method"] == "sms"
    for e in AuditEvent.objects.all():
        assert PHONE not in str(e.details)
        assert PHONE not in e.actor_label


def test_second_login_reuses_the_member_account(client, login, settings):
    from datetime import timedelta

    from django.utils import timezone

    from gonghui.platform.sms.models import SMSCode

    login()
    client.post("/m/logout/")
    SMSCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    login()
    assert User.objects.filter(kind="member").count() == 1


def test_failed_code_is_audited_without_the_phone(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/m/login/", {"phone": PHONE})
    code = re.search(r"\d{6}", LocmemBackend.outbox[-1][1]).group(0)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    client.post("/m/login/verify/", {"code": wrong})
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.details["method"] == "sms"
    assert PHONE not in str(event.details)
    assert PHONE not in event.actor_label


def test_staff_phone_cannot_be_used_for_member_login(client, login):
    staff = UserFactory(phone=PHONE)
    response = login(phone=PHONE)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = translation.gettext("This number belongs to a staff account.")
    assert expected in " ".join(errors)
    assert expected in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/m/").status_code == 302
    assert User.objects.filter(phone_index=index_for("phone", PHONE)).get() == staff


def test_deactivated_member_cannot_log_in(client, login):
    member = MemberFactory(phone=PHONE, is_active=False)
    response = login(phone=PHONE)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get("/m/").status_code == 302
    member.refresh_from_db()
    assert not member.is_active


def test_staff_session_does_not_open_the_portal_home(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get("/m/")
    assert response.status_code == 302
    assert response["Location"].startswith("/m/login/")


def test_logout_ends_the_session(client, login):
    login()
    assert client.get("/m/").status_code == 200
    response = client.post("/m/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/m/login/"
    assert client.get("/m/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout").exists()


def test_logout_needs_post(client, login):
    login()
    assert client.get("/m/logout/").status_code == 405
    assert client.get("/m/").status_code == 200


def test_next_stays_inside_the_portal(client, login):
    response = login(next_url="//evil.example.com/m/")
    assert response.status_code == 302
    assert response["Location"] == "/m/"


def test_next_inside_the_portal_is_followed(client, login):
    response = login(next_url="/m/")
    assert response["Location"] == "/m/"


@pytest.mark.parametrize("url", ["/m/login/", "/m/"])
def test_pages_are_laid_out_for_mobile(client, login, url):
    if url == "/m/":
        login()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<meta name="viewport" content="[^"]*width=device-width', html)


def test_verify_page_is_laid_out_for_mobile(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/m/login/", {"phone": PHONE})
    html = client.get("/m/login/verify/").content.decode()
    assert 'name="viewport"' in html
    assert 'inputmode="numeric"' in html


def test_product_default_language_is_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = client.get("/m/login/").content.decode()
    assert re.search(r'<html lang="zh-hans"', html)


def test_switching_language_to_english(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    assert '<html lang="zh-hans"' in client.get("/m/login/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/m/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/m/login/"
    html = client.get("/m/login/").content.decode()
    assert '<html lang="en"' in html
    assert "Send code" in html
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/m/login/"})
    assert '<html lang="zh-hans"' in client.get("/m/login/").content.decode()


def test_setlang_does_not_redirect_off_site(client):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302
    assert "evil.example.com" not in response["Location"]
