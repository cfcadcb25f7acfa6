"""AUTH-6: the member login rules, end to end through /m/login/, with time travel:
6-digit codes, a 5-minute life, single use, a cap on wrong guesses, and send limits per
phone (a minute, an hour) and per client IP (an hour)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.test import Client

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.sms.models import SMSCode

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
LOGIN = "/m/login/"
VERIFY = "/m/login/verify/"


class Clock:
    def __init__(self):
        self.now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    c = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: c.now):
        yield c


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def _send(client, phone=PHONE, ip="10.1.2.3"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(LOGIN, {"phone": phone}, REMOTE_ADDR=ip)

    return _send


def last_code() -> str:
    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1])
    assert len(codes) == 1
    return codes[0]


def logged_in(client) -> bool:
    user = client.get("/m/").wsgi_request.user
    return user.is_authenticated and user.kind == "member"


def refused(response) -> bool:
    return response.status_code == 200 and bool(response.context["form"].errors)


# --- the code ----------------------------------------------------------------------------------


def test_codes_are_six_random_digits(client, send, clock):
    seen = set()
    for i in range(8):
        assert send(client, phone=f"1380013{i:04d}").status_code == 302
        code = last_code()
        assert len(code) == 6 and code.isdigit()
        seen.add(code)
    assert len(seen) > 1  # not a constant
    # The message says how long it lives.
    assert "5 minutes" in LocmemBackend.outbox[-1][1]


def test_code_lives_five_minutes(settings, send, clock):
    assert settings.SMS_CODE_TTL_SECONDS == 300
    early = Client()
    send(early)
    row = SMSCode.objects.get()
    assert row.expires_at - row.created_at == timedelta(minutes=5)
    clock.advance(minutes=4, seconds=59)
    assert early.post(VERIFY, {"code": last_code()}).status_code == 302
    assert logged_in(early)

    late = Client()
    clock.advance(minutes=1)  # past the one-a-minute limit
    send(late)
    clock.advance(minutes=5, seconds=1)
    response = late.post(VERIFY, {"code": last_code()})
    assert refused(response)
    assert "expired" in response.content.decode()
    assert not logged_in(late)
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1


def test_code_is_single_use(send, clock):
    first = Client()
    send(first)
    code = last_code()
    assert first.post(VERIFY, {"code": code}).status_code == 302
    # The same code again, from another browser that asked for this phone.
    replay = Client()
    session = replay.session
    session["portal_login_phone"] = PHONE
    session.save()
    clock.advance(seconds=10)
    assert refused(replay.post(VERIFY, {"code": code}))
    assert not logged_in(replay)


def test_wrong_guesses_are_capped(settings, client, send, clock):
    assert settings.SMS_CODE_MAX_ATTEMPTS == 5
    send(client)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(settings.SMS_CODE_MAX_ATTEMPTS):
        assert refused(client.post(VERIFY, {"code": wrong}))
    response = client.post(VERIFY, {"code": code})
    assert refused(response)
    assert "Too many wrong codes" in response.content.decode()
    assert not logged_in(client)
    # A new code (a minute later) starts afresh.
    clock.advance(seconds=61)
    send(client)
    assert client.post(VERIFY, {"code": last_code()}).status_code == 302


# --- send limits ---------------------------------------------------------------------------------


def test_one_code_a_minute_per_phone(settings, client, send, clock):
    assert settings.SMS_RATE_PER_PHONE_MINUTE == 1
    assert send(client).status_code == 302
    clock.advance(seconds=59)
    response = send(client, ip="10.9.9.9")  # another network does not help
    assert refused(response)
    assert "wait" in response.content.decode()
    clock.advance(seconds=2)
    assert send(client).status_code == 302
    assert len(LocmemBackend.outbox) == 2


def test_codes_per_phone_per_hour(settings, client, send, clock):
    limit = settings.SMS_RATE_PER_PHONE_HOUR
    assert limit == 5
    for i in range(limit):
        assert send(client, ip=f"10.0.0.{i}").status_code == 302
        clock.advance(seconds=61)
    assert refused(send(client, ip="10.0.1.1"))
    assert len(LocmemBackend.outbox) == limit
    clock.advance(minutes=60 - limit)  # the first send leaves the window
    assert send(client).status_code == 302


def test_codes_per_ip_per_hour(settings, client, send, clock):
    limit = settings.SMS_RATE_PER_IP_HOUR
    assert limit == 30
    for i in range(limit):
        assert send(client, phone=f"1390013{i:04d}", ip="10.7.7.7").status_code == 302
    response = send(client, phone="13700137000", ip="10.7.7.7")
    assert refused(response)
    assert "network" in response.content.decode()
    assert len(LocmemBackend.outbox) == limit
    # Other networks are not affected; after an hour this one is free again.
    assert send(client, phone="13700137000", ip="10.8.8.8").status_code == 302
    clock.advance(hours=1, seconds=1)
    assert send(client, phone="13700137001", ip="10.7.7.7").status_code == 302


def test_per_minute_setting_is_honoured(settings, client, send, clock):
    settings.SMS_RATE_PER_PHONE_MINUTE = 2
    assert send(client).status_code == 302
    assert send(client).status_code == 302
    assert refused(send(client))
    clock.advance(seconds=61)
    assert send(client).status_code == 302
