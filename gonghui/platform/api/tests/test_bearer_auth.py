"""A request that carries a bad bearer token gets 401, whatever its method (issue #11, finding
11: a write with a bad token used to answer ``403 CSRF check Failed``, because the session
authenticator ran its CSRF check after the token had failed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.orgs.models import Org
from gonghui.platform.access import actions
from gonghui.platform.access.models import APIToken
from gonghui.platform.testing.factories import UserFactory, grant
from gonghui.platform.testing.tokens import issue_token

pytestmark = pytest.mark.django_db

# (method, path template, JSON body): reads and writes of several routers, including a
# method the route does not have (DELETE): a bad token is refused before anything else.
REQUESTS = [
    ("get", "/api/v1/orgs/", None),
    ("get", "/api/v1/orgs/{org}", None),
    ("post", "/api/v1/orgs/", {"parent_id": "{org}", "kind": "grassroots", "name": "坏令牌工会"}),
    ("patch", "/api/v1/orgs/{org}", {"short_name": "坏令牌"}),
    ("delete", "/api/v1/orgs/{org}", None),
    ("get", "/api/v1/members/", None),
    ("post", "/api/v1/members/", {}),
    ("delete", "/api/v1/members/1", None),
    ("post", "/api/v1/join-requests/1/approve", {}),
    ("get", "/api/v1/assistance/applications/", None),
    ("post", "/api/v1/assistance/files", {}),
    ("patch", "/api/v1/assistance/files/1", {}),
    ("get", "/api/v1/me", None),
    ("put", "/api/v1/nothing-here/", {}),
]

BAD_TOKENS = ["garbage", "unknown", "expired", "revoked", "inactive_user", "empty", "too_long"]


@pytest.fixture
def tokens(tree):
    """Each kind of bad token, as its raw value."""
    secadmin = UserFactory(username="secadmin")
    grant(secadmin, tree.city, "security_admin")
    perms = ["orgs.view_org", "orgs.add_org", "orgs.change_org", "members.view_membership"]
    expired, expired_raw = issue_token(tree.yubei_admin, perms, name="expired")
    APIToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked, revoked_raw = issue_token(tree.yubei_admin, perms, name="revoked")
    actions.revoke_api_token(actor=secadmin, token=revoked)
    _leaver, leaver_raw = issue_token(tree.jiangbei_admin, ["orgs.view_org"], name="leaver")
    tree.jiangbei_admin.is_active = False
    tree.jiangbei_admin.save(update_fields=["is_active"])
    _good, good_raw = issue_token(tree.city_admin, perms, name="good")
    return {
        "garbage": "nonsense",
        "unknown": "gh_" + "x" * 43,
        "expired": expired_raw,
        "revoked": revoked_raw,
        "inactive_user": leaver_raw,
        "empty": "",
        "too_long": "gh_" + "y" * 500,
        "good": good_raw,
    }


def _send(client, method, path, body, tree, raw):
    path = path.replace("{org}", str(tree.grassroots.pk))
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}".rstrip() if raw else "Bearer"}
    if body is not None:
        body = {k: (tree.township.pk if v == "{org}" else v) for k, v in body.items()}
        return getattr(client, method)(path, body, content_type="application/json", **kwargs)
    return getattr(client, method)(path, **kwargs)


class TestBadBearerTokenIs401:
    """Every bad token × every method and router: 401 ``unauthenticated``, never a CSRF 403,
    a 405 or a fallback to a browser session riding along; nothing is written."""

    @pytest.mark.parametrize("kind", BAD_TOKENS)
    @pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
    @pytest.mark.parametrize("session", [False, True], ids=["no_session", "with_session"])
    def test_bad_token(self, tree, tokens, kind, method, path, body, session):
        # A real client: CSRF is enforced, as for a browser or any HTTP library.
        client = Client(enforce_csrf_checks=True)
        if session:
            client.force_login(tree.yubei_admin)  # a valid session must not rescue the request
        before = list(Org.objects.order_by("pk").values())
        response = _send(client, method, path, body, tree, tokens[kind])
        assert response.status_code == 401, (response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/json")
        error = response.json()["error"]
        assert error["code"] == "unauthenticated"
        assert error["message"]
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert list(Org.objects.order_by("pk").values()) == before

    def test_a_good_token_writes_without_csrf(self, tree, tokens):
        client = Client(enforce_csrf_checks=True)
        response = _send(client, *REQUESTS[2][0:3], tree, tokens["good"])
        assert response.status_code == 201, response.content
        assert Org.objects.filter(name="坏令牌工会").exists()
        # A method the route lacks is still 405 for a good token.
        assert _send(client, *REQUESTS[4][0:3], tree, tokens["good"]).status_code == 405

    def test_a_session_without_a_token_still_needs_csrf(self, tree):
        client = Client(enforce_csrf_checks=True)
        client.force_login(tree.yubei_admin)
        response = client.post(
            "/api/v1/orgs/",
            {"parent_id": tree.township.pk, "kind": "grassroots", "name": "无令牌"},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert not Org.objects.filter(name="无令牌").exists()

    def test_anonymous_without_a_token_is_401_on_a_write(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/api/v1/orgs/", {}, content_type="application/json")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"

    def test_public_routes_ignore_a_bad_token(self, tokens):
        client = Client(enforce_csrf_checks=True)
        bad = {"HTTP_AUTHORIZATION": "Bearer nonsense"}
        assert client.get("/api/v1/openapi.json", **bad).status_code == 200
        assert client.get("/api/v1/docs", **bad).status_code == 200
