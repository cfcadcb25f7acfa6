"""API tokens and 三员分立 (issue #11, finding 3): the security administrator lists, limits and
revokes tokens but never creates or reads one for someone else; every request made with a
token is audited with the token's id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.orgs.models import Org
from gonghui.platform.access import actions
from gonghui.platform.access.models import APIToken, hash_token
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import UserFactory, grant
from gonghui.platform.testing.tokens import issue_token
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db

ADMIN = "/console/access/apitoken/"


@pytest.fixture
def secadmin(tree):
    user = UserFactory(username="secadmin")
    grant(user, tree.city, "security_admin")
    return user


@pytest.fixture
def console(secadmin):
    client = Client()
    client.force_login(secadmin)
    return client


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- the security administrator --------------------------------------------------------------


def test_the_security_admin_cannot_create_a_token_for_someone_else(tree, console):
    """The issue's attack: secadmin adds a token for city_admin at the console and reads
    members with it. There is no such page any more, and no action that takes a user."""
    assert console.get(f"{ADMIN}add/").status_code == 403
    response = console.post(
        f"{ADMIN}add/",
        {"user": tree.city_admin.pk, "name": "代建", "permissions": "members.view_membership"},
    )
    assert response.status_code == 403
    assert not APIToken.objects.exists()
    with pytest.raises(TypeError):
        actions.create_api_token(  # type: ignore[call-arg]
            actor=tree.city_admin,
            user=tree.city_admin,
            name="x",
            permissions=["orgs.view_org"],
            expires_at=timezone.now() + timedelta(days=1),
            otp_code="123456",
        )
    changelist = console.get(ADMIN).content.decode()
    assert f"{ADMIN}add/" not in changelist


def test_the_security_admin_lists_tokens_without_reading_them(tree, console):
    token, raw = issue_token(tree.city_admin, ["orgs.view_org"], name="花名册同步")
    changelist = console.get(ADMIN)
    assert changelist.status_code == 200
    text = changelist.content.decode()
    assert "花名册同步" in text and token.prefix in text
    assert str(tree.city_admin) in text
    assert raw not in text and token.key_hash not in text
    detail = console.get(f"{ADMIN}{token.pk}/change/").content.decode()
    assert raw not in detail and token.key_hash not in detail
    revealed = console.post(
        "/console/pii/reveal/",
        {
            "label": "access.APIToken",
            "field": "key_hash",
            "pk": token.pk,
            "reveal_purpose_key_hash": "核对",
        },
    ).content.decode()
    assert token.key_hash not in revealed and raw not in revealed


def test_the_security_admin_narrows_a_token_and_it_takes_effect_at_once(tree, console):
    token, raw = issue_token(tree.city_admin, ["orgs.view_org", "members.view_membership"])
    assert Client().get("/api/v1/members/", **bearer(raw)).status_code == 200
    earlier = timezone.localtime(token.expires_at - timedelta(days=10))
    response = console.post(
        f"{ADMIN}{token.pk}/change/",
        {
            "permissions": ["orgs.view_org"],
            "expires_at_0": earlier.strftime("%Y-%m-%d"),
            "expires_at_1": earlier.strftime("%H:%M:%S"),
            "reason": "只需读组织",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    token.refresh_from_db()
    assert token.permissions == ["orgs.view_org"]
    assert abs(token.expires_at - earlier) < timedelta(seconds=1)
    event = AuditEvent.objects.get(action="access.limit_api_token")
    assert event.details["removed"] == ["members.view_membership"]
    assert event.details["reason"] == "只需读组织"
    # The next request no longer has the permission (the list is empty: nothing is in scope).
    members = Client().get("/api/v1/members/", **bearer(raw))
    assert members.status_code == 200 and members.json()["items"] == []
    assert Client().get("/api/v1/orgs/", **bearer(raw)).status_code == 200


def test_a_token_is_never_widened_nor_lengthened(tree, secadmin, console):
    token, _raw = issue_token(tree.city_admin, ["orgs.view_org"])
    # The page offers only the token's own permissions.
    response = console.post(
        f"{ADMIN}{token.pk}/change/", {"permissions": ["orgs.view_org", "orgs.add_org"]}
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.permissions == ["orgs.view_org"]
    with pytest.raises(ActionError) as exc:
        actions.limit_api_token(
            actor=secadmin, token=token, permissions=["orgs.view_org", "orgs.add_org"]
        )
    assert exc.value.code == "widen"
    with pytest.raises(ActionError) as exc:
        actions.limit_api_token(
            actor=secadmin,
            token=token,
            permissions=["orgs.view_org"],
            expires_at=token.expires_at + timedelta(days=1),
        )
    assert exc.value.code == "extend"
    token.refresh_from_db()
    assert token.permissions == ["orgs.view_org"]


def test_the_security_admin_revokes_a_token(tree, console):
    token, raw = issue_token(tree.city_admin)
    response = console.post(ADMIN, {"action": "revoke_selected", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/orgs/", **bearer(raw)).status_code == 401
    event = AuditEvent.objects.get(action="access.revoke_api_token")
    assert event.details == {
        "token": token.pk,
        "user": "city_admin",
        "by_owner": False,
        "reason": "",
    }
    # A revoked token can no longer be changed; its page is read-only.
    assert console.post(f"{ADMIN}{token.pk}/change/", {"permissions": []}).status_code == 403
    page = console.get(f"{ADMIN}{token.pk}/change/")
    assert page.status_code == 200
    assert "View: organisation" in page.content.decode()  # what the token could do


@pytest.mark.parametrize("role", ["system_admin", "audit_admin"])
def test_the_other_officers_do_not_manage_tokens(tree, role):
    user = UserFactory(username=role)
    grant(user, tree.city, role)
    token, _raw = issue_token(tree.city_admin)
    client = Client()
    client.force_login(user)
    assert client.get(ADMIN).status_code == 403
    assert client.get(f"{ADMIN}{token.pk}/change/").status_code == 404
    response = client.post(ADMIN, {"action": "revoke_selected", "_selected_action": [token.pk]})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


# --- auditing every use ----------------------------------------------------------------------


def test_every_request_made_with_a_token_is_audited_with_its_id(tree):
    token, raw = issue_token(tree.yubei_admin, ["orgs.view_org", "orgs.add_org"])
    client = Client()
    assert client.get("/api/v1/orgs/?q=13812345678", **bearer(raw)).status_code == 200
    used = AuditEvent.objects.filter(action="auth.token_request").get()
    assert used.actor == tree.yubei_admin
    assert used.actor_label == f"yubei_admin [API #{token.pk}]"
    assert used.details == {"method": "GET", "path": "/api/v1/orgs/", "token": token.pk}
    # The token's history page keeps its management events, not every use.
    history = AuditEvent.objects.filter(object_type="access.apitoken", object_id=str(token.pk))
    assert set(history.values_list("action", flat=True)) == {"access.create_api_token"}

    response = client.post(
        "/api/v1/orgs/",
        {"parent_id": tree.township.pk, "kind": "grassroots", "name": "令牌工会"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 201, response.content
    created = AuditEvent.objects.get(action="orgs.create_org")
    assert created.details["token"] == token.pk
    assert created.actor_label == f"yubei_admin [API #{token.pk}]"
    assert AuditEvent.objects.filter(action="auth.token_request").count() == 2


def test_a_session_request_names_no_token(tree):
    client = Client()
    client.force_login(tree.yubei_admin)
    response = client.post(
        "/api/v1/orgs/",
        {"parent_id": tree.township.pk, "kind": "grassroots", "name": "会话工会"},
        content_type="application/json",
    )
    assert response.status_code == 201
    created = AuditEvent.objects.get(action="orgs.create_org")
    assert "token" not in created.details
    assert created.actor_label == "yubei_admin"
    assert not AuditEvent.objects.filter(action="auth.token_request").exists()


def test_a_known_token_refused_is_audited_with_the_reason(tree, secadmin):
    token, raw = issue_token(tree.yubei_admin)
    actions.revoke_api_token(actor=secadmin, token=token)
    assert Client().get("/api/v1/orgs/", **bearer(raw)).status_code == 401
    refused = AuditEvent.objects.get(action="auth.token_refused")
    assert refused.details["reason"] == "revoked"
    assert refused.details["token"] == token.pk
    assert not AuditEvent.objects.filter(action="auth.token_request").exists()


# --- tokens of accounts that may not hold them ----------------------------------------------


def test_a_token_stops_working_when_its_user_becomes_an_officer(tree, secadmin):
    user = UserFactory(username="moving")
    business = grant(user, tree.yubei, "org_admin")
    _token, raw = issue_token(user)
    assert Client().get("/api/v1/orgs/", **bearer(raw)).status_code == 200
    actions.revoke_grant(actor=secadmin, grant=business)
    actions.grant_role(actor=secadmin, user=user, org=tree.city, role="system_admin")
    assert Client().get("/api/v1/orgs/", **bearer(raw)).status_code == 401
    refused = AuditEvent.objects.get(action="auth.token_refused")
    assert refused.details["reason"] == "user_not_eligible"


@pytest.mark.parametrize("kind", ["partner", "member"])
def test_tokens_of_partner_and_member_accounts_do_not_work(tree, kind):
    user = UserFactory(username=f"{kind}_x", kind=kind)
    grant(user, tree.yubei, "org_admin")  # whatever grant it might hold
    raw = "gh_" + "p" * 40
    APIToken.objects.create(
        user=user,
        name="x",
        prefix=raw[:10],
        key_hash=hash_token(raw),
        permissions=["orgs.view_org"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert Client().get("/api/v1/orgs/", **bearer(raw)).status_code == 401
    assert not Org.objects.filter(name="x").exists()
