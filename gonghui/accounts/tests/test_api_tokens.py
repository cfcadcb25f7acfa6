"""「我的 API 令牌」(issue #11, finding 3): a staff member creates their own API token, with a
subset of their own permissions and an expiry, after a code from their authenticator typed
now; the raw token is shown once; the 三员 and partner accounts cannot hold tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from gonghui.platform.access import actions
from gonghui.platform.access.models import APIToken, hash_token
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import MemberFactory, UserFactory, grant
from gonghui.platform.testing.tokens import (
    authenticator,
    current_code,
    forget_last_code,
    issue_token,
    wrong_code,
)
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db

LIST = "/console/account/tokens/"
NEW = "/console/account/tokens/new/"
RAW = re.compile(r"gh_[A-Za-z0-9_-]{40,}")


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    # The real login flow: a verified session, as in production.
    settings.GONGHUI_2FA_DEMO_SKIP = False
    settings.GONGHUI_REQUIRE_2FA = True


def verified_client(user) -> Client:
    """A console session that passed its second factor at login."""
    device = authenticator(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def new_token(client, user, **overrides):
    data = {
        "name": "花名册同步",
        "permissions": ["orgs.view_org", "members.view_membership"],
        "expires_in": "30",
        "otp_code": current_code(authenticator(user)),
    }
    data.update(overrides)
    return client.post(NEW, data)


def officer(tree, role):
    user = UserFactory(username=role)
    grant(user, tree.city, role)
    return user


# --- creating one's own token ----------------------------------------------------------------


def test_staff_creates_their_own_token_and_sees_it_exactly_once(tree):
    user = tree.yubei_admin
    client = verified_client(user)
    page = client.get(NEW)
    assert page.status_code == 200
    # The choices are the user's own permissions, nothing else.
    assert 'value="members.view_membership"' in page.content.decode()
    assert 'value="assistance.approve_application"' not in page.content.decode()

    response = new_token(client, user)
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    raw = RAW.search(response.content.decode()).group(0)

    token = APIToken.objects.get(user=user)
    assert token.key_hash == hash_token(raw)
    assert raw not in (token.prefix, token.name, token.key_hash)
    assert token.permissions == ["members.view_membership", "orgs.view_org"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)

    # The token works, with the user's scope...
    api = Client()
    orgs = api.get("/api/v1/orgs/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert orgs.status_code == 200
    assert {o["name"] for o in orgs.json()["items"]} == {
        "渝北区总工会",
        "回兴街道总工会",
        "渝北测试公司工会",
    }
    # ...and is never shown again: the list shows its prefix only.
    listing = client.get(LIST).content.decode()
    assert token.prefix in listing and "花名册同步" in listing
    assert raw not in listing
    assert not RAW.search(listing)

    event = AuditEvent.objects.get(action="access.create_api_token")
    assert event.actor == user
    assert event.details["token"] == token.pk
    assert event.details["second_factor"] == "totp"
    assert raw not in str(AuditEvent.objects.values())


def test_a_wrong_code_creates_nothing_and_is_audited(tree):
    user = tree.yubei_admin
    client = verified_client(user)
    response = new_token(client, user, otp_code=wrong_code(authenticator(user)))
    assert response.status_code == 200
    assert "The code is not correct or was already used." in response.content.decode()
    assert not RAW.search(response.content.decode())
    assert not APIToken.objects.exists()
    failed = AuditEvent.objects.get(action="auth.otp_failed", actor=user)
    assert failed.details["step"] == "api_token"


def test_the_code_typed_at_login_does_not_count_again(tree):
    """A fresh second factor: the code used to log in (same 30 s step) is refused."""
    user = tree.yubei_admin
    device = authenticator(user)
    client = Client()
    client.force_login(user)
    code = current_code(device)
    assert client.post("/console/2fa/verify/", {"code": code}).status_code == 302
    response = new_token(client, user, otp_code=code)
    assert response.status_code == 200
    assert "The code is not correct or was already used." in response.content.decode()
    assert not APIToken.objects.exists()


def test_a_code_is_required(tree):
    user = tree.yubei_admin
    client = verified_client(user)
    response = new_token(client, user, otp_code="")
    assert response.status_code == 200
    assert not APIToken.objects.exists()


def test_wrong_codes_are_throttled(tree):
    user = tree.yubei_admin
    client = verified_client(user)
    device = authenticator(user)
    for _ in range(3):
        new_token(client, user, otp_code=wrong_code(device))
    # Now even the right code waits (django-otp doubles the wait after each failure).
    response = new_token(client, user)
    assert "Too many wrong codes" in response.content.decode()
    assert not APIToken.objects.exists()


def test_a_token_carries_only_permissions_its_user_holds(tree):
    user = tree.yubei_admin
    client = verified_client(user)
    response = new_token(client, user, permissions=["assistance.approve_application"])
    assert response.status_code == 200
    assert not APIToken.objects.exists()
    # The action itself refuses too, whatever the page offers.
    device = authenticator(user)
    with pytest.raises(ActionError) as exc:
        actions.create_api_token(
            actor=user,
            name="x",
            permissions=["orgs.view_org", "assistance.approve_application"],
            expires_at=timezone.now() + timedelta(days=7),
            otp_code=current_code(device),
        )
    assert exc.value.code == "not_your_permission"
    assert not APIToken.objects.exists()


@pytest.mark.parametrize(
    ("expires", "code"),
    [
        (None, "expiry_required"),
        (timedelta(minutes=-1), "expiry_past"),
        (timedelta(days=actions.TOKEN_MAX_DAYS + 1), "expiry_too_far"),
    ],
)
def test_a_token_has_a_bounded_expiry(tree, expires, code):
    user = tree.yubei_admin
    with pytest.raises(ActionError) as exc:
        actions.create_api_token(
            actor=user,
            name="x",
            permissions=["orgs.view_org"],
            expires_at=None if expires is None else timezone.now() + expires,
            otp_code=current_code(authenticator(user)),
        )
    assert exc.value.code == code
    # The request is checked before the code is spent: the same code still works.
    token, _raw = actions.create_api_token(
        actor=user,
        name="x",
        permissions=["orgs.view_org"],
        expires_at=timezone.now() + timedelta(days=7),
        otp_code=current_code(authenticator(user)),
    )
    assert token.user == user


def test_without_an_authenticator_the_page_sends_to_the_set_up(tree, settings):
    settings.GONGHUI_2FA_DEMO_SKIP = True  # demo: logged in with a password only
    settings.GONGHUI_REQUIRE_2FA = True
    settings.DEMO_MODE = True
    client = Client()
    client.force_login(tree.yubei_admin)
    response = client.get(NEW)
    assert response.status_code == 302
    assert response["Location"] == "/console/2fa/setup/"


# --- who may hold tokens ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "audit_admin"])
def test_the_three_officers_cannot_have_tokens(tree, role):
    user = officer(tree, role)
    client = verified_client(user)
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert new_token(client, user, permissions=["accounts.view_user"]).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.create_api_token(
            actor=user,
            name="x",
            permissions=["accounts.view_user"],
            expires_at=timezone.now() + timedelta(days=7),
            otp_code=current_code(authenticator(user)),
        )
    assert not APIToken.objects.exists()
    assert LIST not in client.get("/console/").content.decode()


def test_partner_accounts_cannot_have_tokens(tree):
    partner = UserFactory(username="court", kind="partner")
    grant(partner, tree.city, "partner_agent")
    client = verified_client(partner)
    assert client.get(LIST).status_code == 403
    assert new_token(client, partner).status_code == 403
    assert not APIToken.objects.exists()


def test_members_never_reach_the_page(tree):
    member = MemberFactory()
    client = Client()
    client.force_login(member)
    assert client.get(LIST).status_code == 302  # the console sends them to its login
    assert not APIToken.objects.exists()


def test_the_account_menu_leads_to_my_tokens(tree):
    page = verified_client(tree.yubei_admin).get("/console/").content.decode()
    assert f'href="{LIST}"' in page
    assert 'href="/console/password_change/"' in page


# --- revoking one's own ----------------------------------------------------------------------


def test_the_owner_revokes_their_own_token_and_it_stops_working(tree):
    user = tree.yubei_admin
    token, raw = issue_token(user)
    client = verified_client(user)
    response = client.post(f"{LIST}{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/orgs/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    event = AuditEvent.objects.get(action="access.revoke_api_token")
    assert event.actor == user and event.details["by_owner"] is True


def test_someone_elses_token_does_not_exist_on_my_page(tree):
    token, raw = issue_token(tree.jiangbei_admin)
    client = verified_client(tree.yubei_admin)
    assert client.post(f"{LIST}{token.pk}/revoke/").status_code == 404
    assert client.get(f"{LIST}{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token.name not in client.get(LIST).content.decode()
    with pytest.raises(PermissionDenied):
        actions.revoke_api_token(actor=tree.yubei_admin, token=token)


# --- Chinese ---------------------------------------------------------------------------------


@pytest.mark.chinese
def test_the_pages_speak_chinese(tree):
    user = tree.yubei_admin
    client = verified_client(user)
    listing = client.get(LIST).content.decode()
    assert "我的 API 令牌" in listing
    assert "新建 API 令牌" in listing
    form = client.get(NEW).content.decode()
    assert "验证器" in form
    assert "查看: 组织" in form or "查看：组织" in form
    for english in ("New API token", "Permissions", "Expires after", "authenticator app"):
        assert english not in form and english not in listing, english
    forget_last_code(authenticator(user))
    created = new_token(client, user).content.decode()
    assert "只显示这一次" in created
    for english in ("Copy the token now", "I have copied the token", "Expires"):
        assert english not in created, english
