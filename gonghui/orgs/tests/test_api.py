"""The REST API at /api/v1/: scoped reads, writes through actions, uniform errors, tokens."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.access.actions import revoke_api_token
from gonghui.platform.access.models import APIToken
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import UserFactory, grant, make_org
from gonghui.platform.testing.tokens import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def secadmin(tree):
    user = UserFactory(username="secadmin")
    grant(user, tree.city, "security_admin")
    return user


@pytest.fixture
def api(client, tree):
    client.force_login(tree.yubei_admin)
    return client


def _token(user, permissions=("orgs.view_org",), *, expires_at=None):
    """The user's own token, made as users make them: on their own page, after a code."""
    token, raw = issue_token(user, permissions)
    if expires_at is not None:  # time has passed since
        APIToken.objects.filter(pk=token.pk).update(expires_at=expires_at)
        token.refresh_from_db()
    return token, raw


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "request_id" in body["error"]
    return body["error"]


def _names(response):
    return {item["name"] for item in response.json()["items"]}


# --- reads -----------------------------------------------------------------------------------


def test_list_is_scoped_and_paginated(api, tree):
    response = api.get("/api/v1/orgs/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 3
    assert _names(response) == {"渝北区总工会", "回兴街道总工会", "渝北测试公司工会"}

    page1 = api.get("/api/v1/orgs/", {"limit": 2, "offset": 0}).json()
    page2 = api.get("/api/v1/orgs/", {"limit": 2, "offset": 2}).json()
    assert page1["count"] == page2["count"] == 3
    assert len(page1["items"]) == 2
    assert len(page2["items"]) == 1
    ids = [i["id"] for i in page1["items"] + page2["items"]]
    assert len(set(ids)) == 3


def test_list_items_have_the_documented_shape(api, tree):
    items = {i["name"]: i for i in api.get("/api/v1/orgs/").json()["items"]}
    township = items["回兴街道总工会"]
    assert township["id"] == tree.township.pk
    assert township["kind"] == OrgKind.TOWNSHIP_FEDERATION
    assert township["parent_id"] == tree.yubei.pk
    assert township["children"] == 1
    assert township["status"] == "active"
    assert items["渝北测试公司工会"]["children"] == 0


def test_list_filters(api, tree):
    assert _names(api.get("/api/v1/orgs/", {"q": "回兴"})) == {"回兴街道总工会"}
    assert _names(api.get("/api/v1/orgs/", {"q": "江北"})) == set()
    assert _names(api.get("/api/v1/orgs/", {"kind": OrgKind.GRASSROOTS})) == {"渝北测试公司工会"}
    assert _names(api.get("/api/v1/orgs/", {"parent": tree.yubei.pk})) == {"回兴街道总工会"}


def test_list_filter_by_parent_outside_scope_is_404(api, tree):
    _error(api.get("/api/v1/orgs/", {"parent": tree.jiangbei.pk}), 404, "not_found")


def test_list_filter_with_unknown_kind_is_422(api, tree):
    _error(api.get("/api/v1/orgs/", {"kind": "nonsense"}), 422, "validation_error")


def test_city_admin_lists_everything(client, tree):
    client.force_login(tree.city_admin)
    assert client.get("/api/v1/orgs/", {"limit": 200}).json()["count"] == Org.objects.count()


def test_detail_masks_the_contact_phone_everywhere(api, tree):
    tree.grassroots.contact_phone = "13812345678"
    tree.grassroots.save()
    response = api.get(f"/api/v1/orgs/{tree.grassroots.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["contact_phone"] == "138****5678"
    assert body["ancestors"] == ["渝北区总工会", "回兴街道总工会"]
    assert body["parent_id"] == tree.township.pk
    assert "13812345678" not in response.content.decode()


def test_detail_outside_scope_is_404_and_looks_like_missing(api, tree):
    outside = _error(api.get(f"/api/v1/orgs/{tree.jb_grassroots.pk}"), 404, "not_found")
    missing = _error(api.get("/api/v1/orgs/99999999"), 404, "not_found")
    assert outside["message"] == missing["message"]
    _error(api.get(f"/api/v1/orgs/{tree.city.pk}"), 404, "not_found")


def test_tree_top_and_children(api, tree):
    top = api.get("/api/v1/orgs/tree")
    assert top.status_code == 200
    assert [o["name"] for o in top.json()] == ["渝北区总工会"]
    children = api.get("/api/v1/orgs/tree", {"parent": tree.yubei.pk})
    assert [o["name"] for o in children.json()] == ["回兴街道总工会"]
    _error(api.get("/api/v1/orgs/tree", {"parent": tree.jiangbei.pk}), 404, "not_found")


def test_anonymous_gets_401(client, tree):
    for url in ("/api/v1/orgs/", f"/api/v1/orgs/{tree.yubei.pk}", "/api/v1/orgs/tree"):
        _error(client.get(url), 401, "unauthenticated")
    _error(client.get("/api/v1/me"), 401, "unauthenticated")
    response = client.post(
        "/api/v1/orgs/",
        {"parent_id": tree.yubei.pk, "kind": "grassroots", "name": "x"},
        content_type="application/json",
    )
    _error(response, 401, "unauthenticated")


def test_unknown_api_path_is_404_json(client, api):
    _error(api.get("/api/v1/does-not-exist"), 404, "not_found")
    _error(Client().get("/api/v1/does-not-exist"), 404, "not_found")


# --- writes ----------------------------------------------------------------------------------


def _post(client, data, **extra):
    return client.post("/api/v1/orgs/", data, content_type="application/json", **extra)


def test_create_runs_the_action(api, tree):
    response = _post(
        api,
        {
            "parent_id": tree.township.pk,
            "kind": "grassroots",
            "name": "接口新建工会",
            "region_code": "500112",
            "contact_phone": "13812345678",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "接口新建工会"
    assert body["parent_id"] == tree.township.pk
    assert body["contact_phone"] == "138****5678"
    assert "13812345678" not in response.content.decode()
    org = Org.objects.get(pk=body["id"])
    assert org.contact_phone == "13812345678"
    assert Org.objects.get_parent(org) == tree.township
    assert AuditEvent.objects.filter(action="orgs.create_org", object_id=str(org.pk)).exists()


def test_create_with_csrf_enforced_session_needs_the_token(tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tree.yubei_admin)
    response = _post(client, {"parent_id": tree.township.pk, "kind": "grassroots", "name": "x"})
    assert response.status_code in (401, 403)
    assert not Org.objects.filter(name="x").exists()


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 422, "validation_error"),
        ({"kind": "grassroots", "name": "坏工会"}, 422, "validation_error"),
        ({"parent_id": "abc", "kind": "grassroots", "name": "坏工会"}, 422, "validation_error"),
        ({"PARENT": True, "kind": "grassroots", "name": "x" * 201}, 422, "validation_error"),
        ({"PARENT": True, "kind": "grassroots", "name": ""}, 422, "validation_error"),
        ({"PARENT": True, "kind": "nonsense", "name": "坏工会"}, 422, "validation_error"),
        (
            {"PARENT": True, "kind": "grassroots", "name": "坏工会", "uscc": "123"},
            400,
            "invalid_uscc",
        ),
        (
            {"PARENT": True, "kind": "grassroots", "name": "坏工会", "region_code": "12"},
            400,
            "invalid_region",
        ),
        (
            {"PARENT": True, "kind": "grassroots", "name": "坏工会", "founded_on": "yesterday"},
            422,
            "validation_error",
        ),
        (
            {"PARENT": True, "kind": "grassroots", "name": "坏工会", "uscc": 5},
            422,
            "validation_error",
        ),
    ],
)
def test_bad_input_is_refused_with_the_uniform_error_and_nothing_is_written(
    api, tree, payload, status, code
):
    if payload.pop("PARENT", False):
        payload["parent_id"] = tree.township.pk
    before = Org.objects.count()
    events = AuditEvent.objects.count()
    error = _error(_post(api, payload), status, code)
    if code == "validation_error":
        assert error["details"]
        assert all({"loc", "message", "type"} <= set(d) for d in error["details"])
    assert Org.objects.count() == before
    assert AuditEvent.objects.count() == events


def test_missing_fields_are_named_in_details(api, tree):
    error = _error(_post(api, {"name": "x"}), 422, "validation_error")
    locs = {tuple(d["loc"]) for d in error["details"]}
    assert any("parent_id" in loc for loc in locs)
    assert any("kind" in loc for loc in locs)


def test_create_grassroots_under_grassroots_is_refused(api, tree):
    error = _error(
        _post(api, {"parent_id": tree.grassroots.pk, "kind": "grassroots", "name": "坏工会"}),
        400,
        "invalid_parent_kind",
    )
    assert error["message"]
    assert not Org.objects.filter(name="坏工会").exists()


def test_create_under_parent_outside_scope_is_404(api, tree):
    _error(
        _post(api, {"parent_id": tree.jiangbei.pk, "kind": "grassroots", "name": "越界工会"}),
        404,
        "not_found",
    )
    assert not Org.objects.filter(name="越界工会").exists()


def test_malformed_json_body_is_a_4xx_json_error(api, tree):
    response = api.post("/api/v1/orgs/", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_patch_updates_through_the_action(api, tree):
    response = api.patch(
        f"/api/v1/orgs/{tree.grassroots.pk}",
        {"short_name": "渝测", "contact_phone": "13912345678"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["short_name"] == "渝测"
    assert body["contact_phone"] == "139****5678"
    assert "13912345678" not in response.content.decode()
    tree.grassroots.refresh_from_db()
    assert tree.grassroots.short_name == "渝测"
    event = AuditEvent.objects.get(action="orgs.update_org", object_id=str(tree.grassroots.pk))
    assert "13912345678" not in str(event.details)


def test_patch_bad_input_and_out_of_scope(api, tree):
    url = f"/api/v1/orgs/{tree.grassroots.pk}"
    _error(api.patch(url, {"uscc": "123"}, content_type="application/json"), 400, "invalid_uscc")
    _error(api.patch(url, {"name": ""}, content_type="application/json"), 422, "validation_error")
    _error(
        api.patch(
            f"/api/v1/orgs/{tree.jb_grassroots.pk}",
            {"name": "越界"},
            content_type="application/json",
        ),
        404,
        "not_found",
    )
    tree.grassroots.refresh_from_db()
    tree.jb_grassroots.refresh_from_db()
    assert tree.grassroots.uscc == ""
    assert tree.grassroots.name == "渝北测试公司工会"
    assert tree.jb_grassroots.name == "江北测试公司工会"
    assert not AuditEvent.objects.filter(action="orgs.update_org").exists()


def test_viewer_cannot_write(client, tree):
    from gonghui.platform.testing.factories import staff_with_role

    client.force_login(staff_with_role(tree.yubei, "viewer"))
    assert client.get(f"/api/v1/orgs/{tree.grassroots.pk}").status_code == 200
    _error(
        _post(client, {"parent_id": tree.township.pk, "kind": "grassroots", "name": "只读工会"}),
        403,
        "permission_denied",
    )
    assert not Org.objects.filter(name="只读工会").exists()


# --- tokens ----------------------------------------------------------------------------------


def test_token_sees_its_users_scope(tree, secadmin):
    _, raw = _token(tree.yubei_admin)
    client = Client()
    response = client.get("/api/v1/orgs/", {"limit": 200}, **_bearer(raw))
    assert response.status_code == 200
    assert _names(response) == {"渝北区总工会", "回兴街道总工会", "渝北测试公司工会"}
    _error(client.get(f"/api/v1/orgs/{tree.jiangbei.pk}", **_bearer(raw)), 404, "not_found")


def test_token_limited_to_view_cannot_write(tree, secadmin):
    _, raw = _token(tree.yubei_admin, ["orgs.view_org"])
    response = _post(
        Client(),
        {"parent_id": tree.township.pk, "kind": "grassroots", "name": "令牌工会"},
        **_bearer(raw),
    )
    _error(response, 403, "permission_denied")
    assert not Org.objects.filter(name="令牌工会").exists()


def test_token_with_add_permission_can_write(tree, secadmin):
    _, raw = _token(tree.yubei_admin, ["orgs.view_org", "orgs.add_org"])
    response = _post(
        Client(),
        {"parent_id": tree.township.pk, "kind": "grassroots", "name": "令牌工会"},
        **_bearer(raw),
    )
    assert response.status_code == 201, response.content
    assert Org.objects.filter(name="令牌工会").exists()


def test_token_never_exceeds_its_users_grants(tree, secadmin):
    from gonghui.platform.access.actions import grant_role, revoke_grant

    _, raw = _token(tree.yubei_admin, ["orgs.view_org", "orgs.add_org"])
    # The user is a viewer now: the token still lists orgs.add_org, which no longer counts.
    revoke_grant(actor=secadmin, grant=tree.yubei_admin.grants.get())
    grant_role(actor=secadmin, user=tree.yubei_admin, org=tree.yubei, role="viewer")
    response = _post(
        Client(),
        {"parent_id": tree.township.pk, "kind": "grassroots", "name": "令牌工会"},
        **_bearer(raw),
    )
    _error(response, 403, "permission_denied")


def test_revoked_expired_and_garbage_tokens_are_401(tree, secadmin):
    token, raw = _token(tree.yubei_admin)
    client = Client()
    assert client.get("/api/v1/orgs/", **_bearer(raw)).status_code == 200
    revoke_api_token(actor=secadmin, token=token)
    _error(client.get("/api/v1/orgs/", **_bearer(raw)), 401, "unauthenticated")

    _, expired = _token(tree.yubei_admin, expires_at=timezone.now() - timedelta(minutes=1))
    _error(client.get("/api/v1/orgs/", **_bearer(expired)), 401, "unauthenticated")

    for garbage in ("nonsense", "gh_" + "x" * 43, "x" * 500):
        _error(client.get("/api/v1/orgs/", **_bearer(garbage)), 401, "unauthenticated")
    _error(
        client.get("/api/v1/orgs/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"),
        401,
        "unauthenticated",
    )


def test_token_of_deactivated_user_is_401(tree, secadmin):
    _, raw = _token(tree.yubei_admin)
    tree.yubei_admin.is_active = False
    tree.yubei_admin.save()
    _error(Client().get("/api/v1/orgs/", **_bearer(raw)), 401, "unauthenticated")


def test_token_raw_value_is_not_stored(tree, secadmin):
    token, raw = _token(tree.yubei_admin)
    token.refresh_from_db()
    assert raw not in (token.key_hash, token.prefix, token.name)
    assert raw not in str(AuditEvent.objects.filter(action="access.create_api_token").values())


# --- me, docs --------------------------------------------------------------------------------


def test_me_returns_permissions_and_scopes(api, tree):
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "yubei_admin"
    assert "orgs.view_org" in body["permissions"]
    assert "orgs.add_org" in body["permissions"]
    assert body["scopes"] == [{"org_id": tree.yubei.pk, "include_descendants": True}]


def test_me_with_a_limited_token_shows_only_token_permissions(tree, secadmin):
    _, raw = _token(tree.yubei_admin, ["orgs.view_org"])
    body = Client().get("/api/v1/me", **_bearer(raw)).json()
    assert body["permissions"] == ["orgs.view_org"]


def test_docs_and_openapi_are_public(client):
    assert client.get("/api/v1/docs").status_code == 200
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/orgs/" in paths
    assert "/api/v1/orgs/{org_id}" in paths
    assert "/api/v1/me" in paths


def test_list_query_count_does_not_grow_with_page_size(api, tree, django_assert_max_num_queries):
    for i in range(40):
        make_org(tree.township, OrgKind.GRASSROOTS, name=f"批量{i}")
    api.get("/api/v1/orgs/")
    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/orgs/", {"limit": 50})
    assert response.json()["count"] == 43
