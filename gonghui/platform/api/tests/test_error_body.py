"""Every API failure answers with the one body built by ``platform.api.errors``: an invalid
field, a refused action, a missing object, a bad token, a control character in the input, a
rate limit and an unknown URL all look alike to an integrator, and quote the request id."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from gonghui.members import actions
from gonghui.members.tests.test_search import make_id, make_phone
from gonghui.members.tokens import join_token
from gonghui.platform.consent.testing import api_join_consent

pytestmark = pytest.mark.django_db

REQUEST_ID = "req-0123456789"
KEYS = {"code", "message", "details", "field", "request_id"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "request_id"} <= set(error) <= KEYS
    assert error["code"] == code and error["message"]
    assert error["request_id"] == REQUEST_ID
    return error


def test_every_kind_of_failure_has_the_same_body(client, tree):
    headers = {"HTTP_X_REQUEST_ID": REQUEST_ID}
    # An unknown URL under /api/ and a bad token.
    assert_error(client.get("/api/v1/nowhere/", **headers), 404, "not_found")
    assert_error(
        client.get("/api/v1/members/", HTTP_AUTHORIZATION="Bearer nonsense", **headers),
        401,
        "unauthenticated",
    )
    client.force_login(tree.yubei_admin)
    # An object outside the caller's scope, a missing field, a refused action.
    assert_error(client.get("/api/v1/members/987654", **headers), 404, "not_found")
    error = assert_error(
        client.post("/api/v1/join-channels/", "{}", content_type="application/json", **headers),
        422,
        "validation_error",
    )
    assert error["details"] and {"loc", "message", "type"} <= set(error["details"][0])
    assert_error(
        client.post(
            "/api/v1/join-channels/",
            json.dumps({"org_id": tree.grassroots.pk, "label": " "}),
            content_type="application/json",
            **headers,
        ),
        400,
        "required",
    )
    # A control character is refused by the input middleware, naming the field.
    response = client.get("/api/v1/members/", {"q": "张\x00三"}, **headers)
    error = assert_error(response, 400, "invalid_character")
    assert error["field"] == "q" and error["details"][0]["loc"][-1] == "q"


def test_route_answers_name_the_field_and_the_wait(client, tree):
    """The public join answers its own refusals (a wrong code, a rate limit)."""
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="x")
    body = {
        "token": join_token(channel),
        "name": "孙七",
        "id_number": make_id(1),
        "phone": make_phone(1),
        "sms_code": "000000",
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
        **api_join_consent(),
    }
    post = lambda: client.post(  # noqa: E731
        "/api/v1/public/join/",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )
    error = assert_error(post(), 400, "invalid_code")
    assert error["field"] == "sms_code"
    for _ in range(20):
        response = post()
        if response.status_code == 429:
            break
    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == "3600"


def _error_dict(node) -> bool:
    return isinstance(node, ast.Dict) and any(
        isinstance(k, ast.Constant) and k.value == "error" for k in node.keys
    )


def _builds_error_body(source: str) -> bool:
    """``{"error": {...}}`` in code (not in text), or ``JsonResponse({"error": ...})``."""
    for node in ast.walk(ast.parse(source)):
        if _error_dict(node) and any(
            isinstance(k, ast.Constant) and k.value == "error" and isinstance(v, ast.Dict)
            for k, v in zip(node.keys, node.values, strict=True)
        ):
            return True
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "JsonResponse"
            and node.args
            and _error_dict(node.args[0])
        ):
            return True
    return False


def test_no_module_builds_an_error_body_of_its_own():
    root = Path(__file__).resolve().parents[3]
    builder = root / "platform" / "api" / "errors.py"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path != builder
        and "tests" not in path.parts
        and "migrations" not in path.parts
        and _builds_error_body(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
