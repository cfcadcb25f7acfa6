"""Second factor (AUTH-5): TOTP for staff and partner accounts, recovery codes, the security
administrator's reset, the demo skip with its banner and the production check."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts import actions, twofactor
from gonghui.accounts.models import UserKind
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import (
    TEST_PASSWORD,
    MemberFactory,
    UserFactory,
    grant,
)
from gonghui.platform.testing.tokens import issue_token

pytestmark = pytest.mark.django_db

SETUP = "/console/2fa/setup/"
VERIFY = "/console/2fa/verify/"
# A sample of console pages: the index, changelists, change pages, custom views.
CONSOLE_SAMPLE = [
    "/console/",
    "/console/orgs/org/",
    "/console/orgs/employer/",
    "/console/members/membership/",
    "/console/assistance/queues/",
    "/console/pii/reveal/",
    "/console/accounts/user/",
    "/console/audit/",
    "/console/verify/",
]


@pytest.fixture(autouse=True)
def _enforce(settings):
    """Tests run in demo mode, which skips the second factor by default: switch it on."""
    settings.GONGHUI_2FA_DEMO_SKIP = False


class Clock:
    """Time travel for django-otp: TOTP reads ``time.time()``, throttling ``timezone.now()``."""

    def __init__(self):
        # Start 5 s into the next 30 s step (never in the past: grants created by the fixtures
        # must already be valid), so that "now" and "the next step" are unambiguous.
        self.now = (int(time.time()) // 30 + 1) * 30 + 5.0

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def code(self, device, offset_steps: int = 0) -> str:
        t = (int(self.now) - device.t0) // device.step + offset_steps
        return f"{hotp(device.bin_key, t, digits=device.digits):06d}"


@pytest.fixture
def clock():
    c = Clock()
    fake_time = SimpleNamespace(time=lambda: c.now)
    with (
        mock.patch("django_otp.plugins.otp_totp.models.time", fake_time),
        mock.patch(
            "django.utils.timezone.now", side_effect=lambda: datetime.fromtimestamp(c.now, UTC)
        ),
    ):
        yield c


@pytest.fixture
def staff(tree):
    return tree.yubei_admin


def password_login(user) -> Client:
    """A real console login with the right password (no second factor yet)."""
    client = Client()
    response = client.post(
        "/console/login/", {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    assert client.session.get("_auth_user_id") == str(user.pk)
    return client


def enrolled_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    twofactor.new_recovery_codes(user)
    return device


def verified_client(user) -> Client:
    """A session that has passed its second factor (set up directly)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled_device(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def location(response) -> str:
    return urlsplit(response["Location"]).path


def events(action: str, user=None):
    qs = AuditEvent.objects.filter(action=action)
    if user is not None:
        qs = qs.filter(actor=user)
    return qs


# --- enforcement ---------------------------------------------------------------------------------


def test_password_alone_never_reaches_a_console_page(staff):
    client = password_login(staff)
    for url in CONSOLE_SAMPLE:
        response = client.get(url)
        assert response.status_code == 302, url
        assert location(response) == SETUP, f"{url} -> {response['Location']}"
    # POSTs are turned away too (a changelist action, the reveal endpoint).
    response = client.post("/console/orgs/org/", {"action": "delete_selected"})
    assert response.status_code == 302 and location(response) == SETUP


def test_every_staff_route_redirects_an_unverified_session(staff):
    """The URL walker's routes: every console page except the 2FA pages, login and logout."""
    from gonghui.platform.access.url_policy import policy_for
    from gonghui.platform.tests.test_url_walker import all_routes

    client = password_login(staff)
    enrolled_device(staff)  # has a device now: everything points to the verify page
    checked = 0
    for route in all_routes():
        if policy_for(route.sample) != "staff" or route.url.startswith(twofactor.EXEMPT_PREFIXES):
            continue
        response = client.get(route.url)
        assert response.status_code == 302, route.template
        assert location(response) == VERIFY, f"{route.template} -> {response['Location']}"
        checked += 1
    assert checked > 50


def test_session_api_refuses_an_unverified_staff_session(staff):
    client = password_login(staff)
    for url in ("/api/v1/me", "/api/v1/orgs/", "/api/v1/members/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "second_factor_required"
    response = client.post("/api/v1/orgs/", "{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"


def test_bearer_tokens_are_machine_credentials(tree, staff):
    _token, raw = issue_token(staff, ["orgs.view_org"], name="sync")
    client = password_login(staff)  # an unverified session riding along changes nothing
    response = client.get("/api/v1/orgs/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    # A bad token never falls back to the unverified session.
    response = client.get("/api/v1/orgs/", HTTP_AUTHORIZATION="Bearer gh_wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_verified_session_reaches_console_and_api(staff):
    client = verified_client(staff)
    for url in CONSOLE_SAMPLE[:4]:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/orgs/").status_code == 200
    assert "second-factor-demo-banner" not in client.get("/console/").content.decode()


def test_2fa_pages_logout_static_and_language_stay_reachable(staff):
    client = password_login(staff)
    assert client.get(SETUP).status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.get("/healthz").status_code == 200
    response = client.post("/console/logout/")
    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session


def test_members_are_not_affected(client):
    member = MemberFactory()
    client.force_login(member)
    assert client.get("/m/").status_code == 200
    # And they cannot use the staff enrolment pages.
    assert client.get(SETUP).status_code == 403
    assert client.get(VERIFY).status_code == 403


def test_anonymous_is_sent_to_the_console_login(client):
    for url in (SETUP, VERIFY):
        response = client.get(url)
        assert response.status_code == 302 and location(response) == "/console/login/"


def test_production_enforces_even_when_the_setting_says_off(settings, staff):
    settings.PRODUCTION, settings.DEMO_MODE = True, False
    settings.GONGHUI_REQUIRE_2FA = False
    settings.GONGHUI_2FA_DEMO_SKIP = True
    client = password_login(staff)
    response = client.get("/console/")
    assert response.status_code == 302 and location(response) == SETUP


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_end_to_end(staff, clock):
    client = password_login(staff)
    response = client.get("/console/orgs/org/")
    assert location(response) == SETUP
    assert "next=/console/orgs/org/" in response["Location"]

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed and device.tolerance == 1
    assert "<svg" in html  # the QR code, inline: no external service
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    from base64 import b32decode

    assert b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    assert "otpauth://" not in html or "secret=" in html  # the URI is only inside the QR
    # Reloading does not change the secret.
    client.get(SETUP)
    assert TOTPDevice.objects.get(user=staff).key == device.key

    # A wrong code is refused and audited; the device stays unconfirmed.
    wrong = f"{(int(clock.code(device)) + 1) % 10**6:06d}"
    response = client.post(SETUP, {"code": wrong, "next": "/console/orgs/org/"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert events("auth.otp_failed", staff).count() == 1
    assert client.get("/console/").status_code == 302

    clock.advance(2)  # past the 1 s throttle of the first failure
    response = client.post(SETUP, {"code": clock.code(device), "next": "/console/orgs/org/"})
    assert response.status_code == 200
    html = response.content.decode()
    codes = re.findall(r"<li[^>]*>([a-z2-7]{8})</li>", html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/console/orgs/org/"' in html
    device.refresh_from_db()
    assert device.confirmed
    stored = set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert stored == set(codes)
    event = events("auth.otp_enrolled", staff).get()
    assert event.details["recovery_codes"] == 10
    assert not any(code in str(event.details) for code in codes)

    # The session is verified now.
    assert client.get("/console/orgs/org/").status_code == 200
    # The setup page cannot enrol again.
    assert location(client.get(SETUP)) == "/console/"


def test_a_password_alone_cannot_replace_an_enrolled_device(staff):
    enrolled_device(staff)
    client = password_login(staff)
    response = client.get(SETUP)
    assert response.status_code == 302 and location(response) == VERIFY
    response = client.post(SETUP, {"code": "123456"})
    assert location(response) == VERIFY
    assert TOTPDevice.objects.filter(user=staff).count() == 1


# --- verification ------------------------------------------------------------------------------


def test_login_with_totp_then_replay_is_refused(staff, clock):
    device = enrolled_device(staff)
    client = password_login(staff)
    response = client.get("/console/members/membership/")
    assert location(response) == VERIFY
    code = clock.code(device)
    response = client.post(VERIFY, {"code": code, "next": "/console/members/membership/"})
    assert response.status_code == 302
    assert response["Location"] == "/console/members/membership/"
    assert client.get("/console/members/membership/").status_code == 200
    assert events("auth.otp_verified", staff).get().details == {"method": "totp"}

    # The same code, seconds later, in another session: refused (django-otp's last_t).
    clock.advance(3)
    other = password_login(staff)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "not correct or was already used" in response.content.decode()
    assert other.get("/console/").status_code == 302
    failed = events("auth.otp_failed", staff).get()
    assert failed.details["method"] == "totp" and failed.details["throttled"] is False

    # The next step's code works (after the throttle delay of that failure).
    clock.advance(30)
    assert other.post(VERIFY, {"code": clock.code(device)}).status_code == 302
    assert other.get("/console/").status_code == 200


def test_drift_window_is_one_step(staff, clock):
    device = enrolled_device(staff)
    client = password_login(staff)
    # Two steps behind: refused.
    assert client.post(VERIFY, {"code": clock.code(device, -2)}).status_code == 200
    clock.advance(5)
    # One step behind (a phone a little slow): accepted.
    assert client.post(VERIFY, {"code": clock.code(device, -1)}).status_code == 302


def test_failures_are_throttled(staff, clock):
    device = enrolled_device(staff)
    client = password_login(staff)
    for _ in range(3):
        client.post(VERIFY, {"code": "000000" if clock.code(device) != "000000" else "111111"})
    # Right code, but straight after three failures: refused while throttled, and audited.
    response = client.post(VERIFY, {"code": clock.code(device)})
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()
    assert events("auth.otp_failed", staff).first().details["throttled"] is True  # newest
    clock.advance(10)  # 1 s, 2 s, 4 s: the lock has passed
    assert client.post(VERIFY, {"code": clock.code(device)}).status_code == 302


def test_recovery_code_works_once(staff, clock):
    enrolled_device(staff)
    code = StaticToken.objects.filter(device__user=staff).first().token
    client = password_login(staff)
    response = client.post(VERIFY, {"code": code.upper()[:4] + " " + code.upper()[4:]})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200
    event = events("auth.otp_verified", staff).get()
    assert event.details == {"method": "recovery", "recovery_codes_left": 9}

    clock.advance(5)
    other = password_login(staff)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert other.get("/console/").status_code == 302
    assert events("auth.otp_failed", staff).get().details["method"] == "recovery"


def test_next_is_limited_to_console_paths(staff, clock):
    device = enrolled_device(staff)
    client = password_login(staff)
    response = client.post(VERIFY, {"code": clock.code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/console/"


# --- reset by the security administrator ---------------------------------------------------


@pytest.fixture
def secadmin(tree):
    user = UserFactory(username="secadmin")
    grant(user, tree.city, "security_admin")
    return user


def test_reset_forces_re_enrolment_and_is_audited(secadmin, staff, clock):
    device = enrolled_device(staff)
    victim_session = password_login(staff)
    assert victim_session.post(VERIFY, {"code": clock.code(device)}).status_code == 302
    assert victim_session.get("/console/").status_code == 200

    admin = verified_client(secadmin)
    page = admin.get(f"/console/accounts/user/{staff.pk}/change/")
    assert page.status_code == 200
    assert "reset-second-factor" in page.content.decode()
    url = f"/console/accounts/user/{staff.pk}/reset-second-factor/"
    confirm = admin.get(url)
    assert confirm.status_code == 200
    assert TOTPDevice.objects.filter(user=staff).exists()  # a GET changes nothing
    response = admin.post(url, {"reason": "phone lost, identity checked by call back"})
    assert response.status_code == 302

    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not StaticDevice.objects.filter(user=staff).exists()
    event = events("accounts.reset_second_factor", secadmin).get()
    assert event.object_id == str(staff.pk)
    assert event.details["totp_devices_deleted"] == 1
    assert event.details["sessions_ended"] >= 1
    # Their session is over; the next login enrols a new authenticator.
    response = victim_session.get("/console/")
    assert response.status_code == 302 and location(response) == "/console/login/"
    fresh = password_login(staff)
    assert location(fresh.get("/console/")) == SETUP


@pytest.mark.parametrize("role", ["org_admin", "system_admin", "audit_admin"])
def test_only_the_security_admin_may_reset(tree, staff, role):
    enrolled_device(staff)
    other = UserFactory()
    grant(other, tree.city, role)
    with pytest.raises(PermissionDenied):
        actions.reset_second_factor(actor=other, user=staff)
    client = verified_client(other)
    url = f"/console/accounts/user/{staff.pk}/reset-second-factor/"
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert TOTPDevice.objects.filter(user=staff).exists()
    assert not events("accounts.reset_second_factor").exists()


def test_the_reset_button_is_shown_to_the_security_admin_only(tree, secadmin, staff):
    sysadmin = UserFactory()
    grant(sysadmin, tree.city, "system_admin")
    page = verified_client(sysadmin).get(f"/console/accounts/user/{staff.pk}/change/")
    assert page.status_code == 200
    assert "reset-second-factor" not in page.content.decode()


def test_members_have_no_second_factor_to_reset(secadmin):
    member = MemberFactory()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.reset_second_factor(actor=secadmin, user=member)


# --- demo mode and the production check ------------------------------------------------------


def test_demo_skip_lets_staff_in_with_a_visible_banner(settings, staff):
    settings.GONGHUI_2FA_DEMO_SKIP = True
    client = password_login(staff)
    for url in ("/console/", "/console/orgs/org/", "/console/assistance/queues/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Demo mode: second-factor login is switched off" in response.content.decode()
    assert client.get("/api/v1/orgs/").status_code == 200


def test_demo_skip_is_ignored_outside_demo_mode(settings):
    settings.GONGHUI_2FA_DEMO_SKIP = True
    settings.PRODUCTION, settings.DEMO_MODE = True, False
    assert twofactor.second_factor_enforced()
    assert not twofactor.demo_skip_active()


def test_production_check_fails_when_the_second_factor_is_off(settings):
    settings.PRODUCTION, settings.DEMO_MODE = True, False
    settings.GONGHUI_REQUIRE_2FA = False
    settings.GONGHUI_2FA_DEMO_SKIP = False
    assert [e.id for e in twofactor.check_second_factor_settings()] == ["gonghui.E201"]
    settings.GONGHUI_2FA_DEMO_SKIP = True
    assert {e.id for e in twofactor.check_second_factor_settings()} == {
        "gonghui.E201",
        "gonghui.E202",
    }
    settings.GONGHUI_REQUIRE_2FA = True
    settings.GONGHUI_2FA_DEMO_SKIP = False
    assert twofactor.check_second_factor_settings() == []


def test_production_check_is_registered():
    from django.core.checks.registry import registry

    assert twofactor.check_second_factor_settings in registry.get_checks()


def test_demo_check_passes_with_the_skip(settings):
    settings.GONGHUI_REQUIRE_2FA = False
    assert twofactor.check_second_factor_settings() == []


def test_partner_accounts_need_it_too(tree):
    partner = UserFactory(kind=UserKind.PARTNER, agency="律师事务所")
    grant(partner, tree.yubei, "partner_agent")
    client = password_login(partner)
    assert location(client.get("/console/")) == SETUP


def test_production_refuses_an_environment_that_switches_it_off(tmp_path):
    """The real settings module, as an operator would start it: the check fails."""
    import secrets

    from config.env import new_pii_key
    from gonghui.platform.tests.test_settings import manage

    var = tmp_path / "var"
    var.mkdir()
    env = {
        "GONGHUI_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GONGHUI_PII_KEYS": "k1:" + new_pii_key(),
        "GONGHUI_BLIND_INDEX_KEY": new_pii_key(),
        "DATABASE_URL": "postgres://gonghui@127.0.0.1:9/gonghui",  # never connected to
        "ALLOWED_HOSTS": "union.example.cn",
        "GONGHUI_VAR_DIR": str(var),
        "GONGHUI_2FA_DEMO_SKIP": "1",  # ignored outside demo mode
    }
    result = manage("check", GONGHUI_REQUIRE_2FA="0", **env)
    assert result.returncode != 0
    assert "gonghui.E201" in result.stdout + result.stderr
    assert "gonghui.E202" not in result.stdout + result.stderr
    result = manage("check", **env)
    assert "gonghui.E20" not in result.stdout + result.stderr
