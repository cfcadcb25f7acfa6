"""AUTH-4, AUTH-7, AUTH-8, AC-8: idle and absolute session limits, logout, deactivation,
revocation."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from gonghui.accounts import actions
from gonghui.platform.access.actions import revoke_grant
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import TEST_PASSWORD, MemberFactory, staff_with_role

pytestmark = pytest.mark.django_db


def _at(seconds_from_now: int):
    """Time travel for the middleware's clock (``time.time``)."""
    return mock.patch("time.time", return_value=time.time() + seconds_from_now)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/console/login/")


@pytest.fixture
def secadmin(tree):
    return staff_with_role(tree.city, "security_admin", username="secadmin")


def test_staff_idle_30_minutes_ends_the_session(client, tree):
    client.force_login(tree.yubei_admin)
    assert client.get("/console/").status_code == 200
    with _at(16 * 60):
        assert client.get("/console/").status_code == 200  # 16 minutes: fine for staff
    with _at(16 * 60 + 31 * 60):
        assert _is_login_redirect(client.get("/console/"))
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.details == {"reason": "idle"}


def test_officer_idle_15_minutes_ends_the_session(client, secadmin):
    client.force_login(secadmin)
    assert client.get("/console/").status_code == 200
    with _at(14 * 60):
        assert client.get("/console/").status_code == 200
    with _at(14 * 60 + 16 * 60):
        assert _is_login_redirect(client.get("/console/"))
    assert AuditEvent.objects.filter(action="auth.session_expired", actor=secadmin).exists()


def test_activity_keeps_the_session_alive_until_the_absolute_limit(client, tree, settings):
    client.force_login(tree.yubei_admin)
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes for 12 hours
        with _at(minutes * 60):
            assert client.get("/console/").status_code == 200, minutes
    with _at(12 * 3600 + 60):
        assert _is_login_redirect(client.get("/console/"))
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.details == {"reason": "absolute"}


def test_absolute_limit_applies_to_members(client):
    member = MemberFactory()
    client.force_login(member)
    assert client.get("/m/").status_code == 200
    with _at(12 * 3600 + 60):
        response = client.get("/m/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_time_is_stored_at_login(tree):
    client = Client()
    client.post(
        "/console/login/", {"username": tree.yubei_admin.username, "password": TEST_PASSWORD}
    )
    assert abs(client.session["_gonghui_login_at"] - time.time()) < 60


def test_logout_deletes_the_server_session_and_the_cookie_is_dead(client, tree):
    client.force_login(tree.yubei_admin)
    assert client.get("/console/").status_code == 200
    old_key = client.session.session_key
    assert Session.objects.filter(session_key=old_key).exists()
    client.post("/console/logout/")
    assert not Session.objects.filter(session_key=old_key).exists()
    replay = Client()
    replay.cookies["sessionid"] = old_key
    assert _is_login_redirect(replay.get("/console/"))
    assert replay.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 401


def test_deactivated_user_is_out_on_the_next_request(client, tree):
    sysadmin = staff_with_role(tree.city, "system_admin")
    client.force_login(tree.yubei_admin)
    assert client.get("/console/").status_code == 200
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 200
    actions.set_user_active(actor=sysadmin, user=tree.yubei_admin, active=False)
    assert _is_login_redirect(client.get("/console/"))
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 401


def test_revoking_the_last_grant_is_effective_on_the_next_request(client, tree, secadmin):
    client.force_login(tree.yubei_admin)
    assert client.get("/console/orgs/org/").status_code == 200
    for grant in RoleGrant.objects.filter(user=tree.yubei_admin):
        revoke_grant(actor=secadmin, grant=grant)
    assert _is_login_redirect(client.get("/console/orgs/org/"))
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code in (403, 404)


def test_revoking_one_grant_narrows_the_same_session(client, tree, secadmin):
    user = staff_with_role(tree.yubei, "org_admin")
    extra = RoleGrant.objects.create(user=user, org=tree.jiangbei, role="org_admin")
    client.force_login(user)
    assert client.get(f"/api/v1/orgs/{tree.jiangbei.pk}").status_code == 200
    revoke_grant(actor=secadmin, grant=extra)
    assert client.get(f"/api/v1/orgs/{tree.jiangbei.pk}").status_code == 404
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 200


def test_password_change_keeps_this_session_and_ends_the_others(tree):
    user = tree.yubei_admin
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    response = here.post(
        "/console/password_change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Fresh-pass-2027",
            "new_password2": "Fresh-pass-2027",
        },
    )
    assert response.status_code == 302
    assert here.get("/console/").status_code == 200
    assert _is_login_redirect(elsewhere.get("/console/"))
