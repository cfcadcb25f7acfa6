"""Phone + SMS code login: codes are single use, short-lived, guess-limited and rate-limited."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.platform.pii.fields import index_for
from gonghui.platform.sms import services
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.sms.models import SMSCode

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
LOGIN = "/m/login/"
VERIFY = "/m/login/verify/"


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST a phone number to the login page; SMS delivery (on commit) really happens."""

    def _send(phone=PHONE, c=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (c or client).post(LOGIN, {"phone": phone}, **extra)

    return _send


def _code_in(message: str) -> str:
    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", message)
    assert len(codes) == 1, message
    return codes[0]


def _last_code() -> str:
    return _code_in(LocmemBackend.outbox[-1][1])


def _verify(client, code):
    return client.post(VERIFY, {"code": code})


def _logged_in_member(client):
    user = client.get("/m/").wsgi_request.user
    return user if user.is_authenticated else None


# --- sending ---------------------------------------------------------------------------------


def test_sending_a_code_redirects_to_verify_and_sends_one_sms(client, send):
    response = send("138 0013 8000")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert len(LocmemBackend.outbox) == 1
    phone, message = LocmemBackend.outbox[0]
    assert phone == PHONE
    code = _code_in(message)
    row = SMSCode.objects.get()
    assert row.phone_index == index_for("phone", PHONE)
    assert row.used_at is None
    assert code not in row.code_hash
    assert PHONE not in row.phone_index


def test_no_sms_is_sent_when_the_transaction_does_not_commit(client):
    # Without the commit, delivery must not have happened (it is deferred with on_commit).
    client.post(LOGIN, {"phone": PHONE})
    assert LocmemBackend.outbox == []


def test_demo_mode_shows_the_code_on_the_verify_page(client, send, settings):
    settings.SMS_SHOW_CODE_ON_PAGE = True
    send()
    response = client.get(VERIFY)
    assert response.status_code == 200
    html = response.content.decode()
    assert _last_code() in html
    assert 'id="demo-code"' in html
    assert "138****8000" in html
    assert PHONE not in html


def test_without_demo_mode_the_code_is_not_on_the_page(client, send, settings):
    settings.SMS_SHOW_CODE_ON_PAGE = False
    response = send()
    assert response.status_code == 302
    html = client.get(VERIFY).content.decode()
    assert _last_code() not in html
    assert 'id="demo-code"' not in html


@pytest.mark.parametrize("phone", ["12012345678", "abc", "1380013800", "", "138001380001"])
def test_invalid_phones_are_refused_without_sms(client, send, phone):
    response = send(phone)
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert LocmemBackend.outbox == []
    assert not SMSCode.objects.exists()


def test_verify_page_without_a_pending_phone_goes_back_to_login(client):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"] == LOGIN


# --- verifying -------------------------------------------------------------------------------


def test_right_code_logs_in_as_a_member(client, send):
    send()
    response = _verify(client, _last_code())
    assert response.status_code == 302
    assert response["Location"] == "/m/"
    user = _logged_in_member(client)
    assert user is not None
    assert user.kind == "member"
    assert user.phone == PHONE
    assert User.objects.get_by_phone(PHONE) == user
    assert SMSCode.objects.get().used_at is not None


def test_code_with_surrounding_spaces_is_accepted(client, send):
    send()
    response = _verify(client, f"  {_last_code()} ")
    assert response.status_code == 302
    assert _logged_in_member(client) is not None


def test_code_is_single_use(client, send):
    send()
    code = _last_code()
    assert _verify(client, code).status_code == 302
    # Replay the same code for the same phone from another browser.
    other = Client()
    session = other.session
    session["portal_login_phone"] = PHONE
    session.save()
    response = _verify(other, code)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert _logged_in_member(other) is None


def test_same_code_cannot_be_verified_twice(send, client):
    send()
    code = _last_code()
    phone = PHONE
    services.verify_login_code(phone=phone, code=code)
    with pytest.raises(services.CodeInvalid):
        services.verify_login_code(phone=phone, code=code)
    # Through the page as well.
    response = _verify(client, code)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert _logged_in_member(client) is None


def test_wrong_code_shows_an_error_and_counts(client, send):
    send()
    code = _last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = _verify(client, wrong)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert _logged_in_member(client) is None
    assert SMSCode.objects.get().attempts == 1


def test_after_five_wrong_codes_even_the_right_one_fails(client, send, settings):
    assert settings.SMS_CODE_MAX_ATTEMPTS == 5
    send()
    code = _last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert _verify(client, wrong).status_code == 200
    assert SMSCode.objects.get().attempts == 5
    response = _verify(client, code)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert _logged_in_member(client) is None
    assert not User.objects.filter(kind="member").exists()


def test_malformed_code_is_a_form_error_and_not_an_attempt(client, send):
    send()
    for bad in ("12345", "abcdef", "1234567"):
        response = _verify(client, bad)
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
    assert SMSCode.objects.get().attempts == 0


def test_expired_code_fails(client, send):
    send()
    SMSCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _verify(client, _last_code())
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert _logged_in_member(client) is None


def test_a_new_code_supersedes_the_old_one(client, send):
    send()
    old = _last_code()
    SMSCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    send()
    new = _last_code()
    assert len(LocmemBackend.outbox) == 2
    if old != new:
        assert _verify(client, old).status_code == 200
    assert _verify(client, new).status_code == 302


def test_code_for_one_phone_does_not_work_for_another(send):
    send(PHONE)
    code = _last_code()
    with pytest.raises(services.CodeInvalid):
        services.verify_login_code(phone="13900139000", code=code)


# --- rate limits -----------------------------------------------------------------------------


def test_second_send_within_a_minute_is_refused(client, send):
    assert send().status_code == 302
    response = send()
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'role="alert"' in response.content.decode()
    assert len(LocmemBackend.outbox) == 1
    assert SMSCode.objects.count() == 1


def test_send_after_a_minute_is_allowed(client, send):
    send()
    SMSCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert send().status_code == 302
    assert len(LocmemBackend.outbox) == 2


def test_hourly_limit_per_phone(client, send, settings):
    settings.SMS_RATE_PER_PHONE_HOUR = 2
    for _ in range(2):
        assert send().status_code == 302
        SMSCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    response = send()
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert len(LocmemBackend.outbox) == 2


def test_hourly_limit_per_ip(client, send, settings):
    settings.SMS_RATE_PER_IP_HOUR = 2
    phones = ["13800138001", "13800138002", "13800138003"]
    assert send(phones[0], REMOTE_ADDR="10.1.2.3").status_code == 302
    assert send(phones[1], REMOTE_ADDR="10.1.2.3").status_code == 302
    response = send(phones[2], REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert [p for p, _ in LocmemBackend.outbox] == phones[:2]
    # Another network is not affected.
    assert send(phones[2], REMOTE_ADDR="10.9.9.9").status_code == 302
    assert [p for p, _ in LocmemBackend.outbox] == phones


def test_service_reports_rate_limit_with_retry_after(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_login_code(phone=PHONE, ip="10.0.0.1")
    with pytest.raises(services.RateLimited) as excinfo:
        services.send_login_code(phone=PHONE, ip="10.0.0.1")
    assert 0 < excinfo.value.retry_after <= 60
    assert len(LocmemBackend.outbox) == 1
