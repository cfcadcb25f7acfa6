"""AUTH-3: django-axes lockout per username, per-IP throttle, audit, unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import TEST_PASSWORD, UserFactory, staff_with_role

pytestmark = pytest.mark.django_db

LOGIN = "/console/login/"


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, username, times, **extra):
    responses = [_login(client, username, "wrong-password-1", **extra) for _ in range(times)]
    return responses[-1]


@pytest.fixture
def staff(tree):
    return tree.yubei_admin


@pytest.fixture
def secadmin(tree):
    return staff_with_role(tree.city, "security_admin", username="secadmin")


def test_four_failures_then_the_right_password_logs_in(client, staff):
    response = _fail(client, staff.username, 4)
    assert response.status_code == 200  # the login form again, with its error
    response = _login(client, staff.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)
    # a success resets the count
    assert not AccessAttempt.objects.filter(username=staff.username).exists()


def test_fifth_failure_locks_and_the_right_password_is_refused(client, staff):
    _fail(client, staff.username, 4)
    response = _fail(client, staff.username, 1)
    assert response.status_code == 429
    assert b"locked for 30 minutes" in response.content
    response = _login(client, staff.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)
    # from another browser and address too: the lock is on the username
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert _login(other, staff.username, TEST_PASSWORD).status_code == 429
    # without a request (test client login, shell) a locked username is refused as well
    assert not Client().login(username=staff.username, password=TEST_PASSWORD)


def test_lock_ends_after_30_minutes(client, staff):
    _fail(client, staff.username, 5)
    assert _login(client, staff.username, TEST_PASSWORD).status_code == 429
    # 29 minutes later: still locked
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=29))
    assert _login(client, staff.username, TEST_PASSWORD).status_code == 429
    # 31 minutes after the last counted failure: allowed
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    response = _login(client, staff.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_attempts_during_the_lock_do_not_extend_it(client, staff):
    _fail(client, staff.username, 5)
    started = AccessAttempt.objects.get(username=staff.username).attempt_time
    _fail(client, staff.username, 3)
    attempt = AccessAttempt.objects.get(username=staff.username)
    assert attempt.attempt_time == started
    assert attempt.failures_since_start == 5


def test_lockout_and_failures_are_audited_without_the_password(client, staff):
    _fail(client, staff.username, 5)
    _fail(client, staff.username, 2)  # refused while locked: no second lockout event
    locked = AuditEvent.objects.filter(action="auth.locked_out")
    assert locked.count() == 1
    assert locked.get().details["username"] == staff.username
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert failed.count() == 7
    for event in [*failed, *locked]:
        assert "wrong-password-1" not in str(event.details)
    # nor in axes' own record of the POST
    assert "wrong-password-1" not in AccessAttempt.objects.get().post_data


def test_security_admin_sees_lockouts_and_unlocks(client, staff, secadmin):
    _fail(Client(), staff.username, 5)
    client.force_login(secadmin)
    page = client.get("/console/accounts/user/lockouts/")
    assert page.status_code == 200
    assert f'value="{staff.username}"'.encode() in page.content
    response = client.post("/console/accounts/user/lockouts/", {"username": staff.username})
    assert response.status_code == 302
    after = client.get("/console/accounts/user/lockouts/").content
    assert f'value="{staff.username}"'.encode() not in after
    event = AuditEvent.objects.get(action="accounts.unlock_user")
    assert event.actor_id == secadmin.pk
    assert event.details["username"] == staff.username
    assert event.object_id == str(staff.pk)
    other = Client()
    assert _login(other, staff.username, TEST_PASSWORD).status_code == 302


def test_lockout_page_is_in_the_security_admins_sidebar(client, secadmin):
    client.force_login(secadmin)
    assert b"/console/accounts/user/lockouts/" in client.get("/console/").content


@pytest.mark.parametrize("role", ["org_admin", "system_admin", "audit_admin"])
def test_others_cannot_unlock(client, tree, staff, role):
    _fail(Client(), staff.username, 5)
    user = staff_with_role(tree.city, role)
    client.force_login(user)
    assert client.get("/console/accounts/user/lockouts/").status_code == 403
    assert (
        client.post("/console/accounts/user/lockouts/", {"username": staff.username}).status_code
        == 403
    )
    assert not AuditEvent.objects.filter(action="accounts.unlock_user").exists()
    assert _login(Client(), staff.username, TEST_PASSWORD).status_code == 429


def test_per_ip_throttle_over_many_usernames(settings, tree):
    settings.GONGHUI_LOGIN_IP_FAILURE_LIMIT = 6
    sprayer = Client(REMOTE_ADDR="10.0.0.66")
    for i in range(6):  # one failure each for six usernames: no username is locked
        _login(sprayer, f"guess{i}", "wrong-password-1")
    user = UserFactory()
    staff_with_role(tree.yubei, "viewer")
    response = _login(sprayer, user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert b"network address" in response.content
    # the throttled attempt does not count against the account
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    # another address logs in normally
    assert _login(Client(REMOTE_ADDR="10.0.0.67"), user.username, TEST_PASSWORD).status_code in (
        302,
        200,
    )
    assert not AccessAttempt.objects.filter(ip_address="10.0.0.67").exists()


def test_client_address_comes_from_the_trusted_proxy_only(staff):
    via_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    _login(via_proxy, staff.username, "wrong-password-1")
    spoofed = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="203.0.113.99")
    _login(spoofed, staff.username, "wrong-password-1")
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.5", "198.51.100.9"}
