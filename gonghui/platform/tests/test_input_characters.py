"""Control characters in text input are refused with a 400 naming the field, on every route and
every API operation, the same on SQLite and PostgreSQL (issue #11, finding 4: a NUL in the
public join, member create, a join-channel label, a reason or ``?q=`` answered 500 on
PostgreSQL while SQLite stored it). The walkers below cover routes and operations added later
without a change here."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from config.api import api
from gonghui.platform.security.input import inspect_request
from gonghui.platform.security.text import find_control_character, has_control_character
from gonghui.platform.tests.test_url_walker import ROUTES

pytestmark = pytest.mark.django_db

REFUSED = [
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x0e",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x80",
    "\x9f",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
]
ALLOWED = ["张三", "line\nbreak", "tab\there", "crlf\r\n", "emoji 😀", "\u00a0nbsp", "€ \u3000"]


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_control_characters_are_refused(char):
    assert has_control_character(f"张{char}三")
    assert find_control_character(f"ok{char}") == f"U+{ord(char):04X}"


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_text_tabs_and_line_breaks_are_allowed(text):
    assert not has_control_character(text)


# --- every route -----------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, tree):
    # Signed in with city-wide rights: were the check missing, the requests below would reach
    # the views (console lists, searches, forms) instead of a login redirect.
    client.force_login(tree.city_admin)
    return client


def assert_refused(response, url: str, field: str) -> None:
    assert response.status_code == 400, f"{url}: {response.status_code}"
    if url.startswith("/api/"):
        error = response.json()["error"]
        assert error["code"] == "invalid_character", url
        assert error["field"] == field, url
        assert error["details"][0]["loc"][-1] == field
    else:
        page = response.content.decode()
        assert f"“{field}” contains a control character" in page, url


ROUTE_IDS = [r.template or "(root)" for r in ROUTES]


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_route_refuses_a_control_character_in_any_text_input(staff_client, route):
    url = route.url
    assert_refused(staff_client.get(url, {"q": "张\x00三"}), url, "q")
    assert_refused(staff_client.get(url, {"page\x01": "1"}), url, "page\\x01")
    assert_refused(staff_client.post(url + "?ok=1", {"reason": "不同意\x00"}), url, "reason")
    multipart = {"label": "扫码\x1f入会", "file": SimpleUploadedFile("a.png", b"\x89PNG\x00")}
    assert_refused(staff_client.post(url, multipart), url, "label")
    body = json.dumps({"org_id": 1, "people": [{"name": "ok"}, {"name": "李\u0000四"}]})
    assert_refused(
        staff_client.post(url, body, content_type="application/json"), url, "people[1].name"
    )
    assert_refused(
        staff_client.patch(url, json.dumps({"bad\x00key": 1}), content_type="application/json"),
        url,
        "bad\\x00key",
    )
    assert_refused(staff_client.get(url.rstrip("/") + "%00/"), url, "path")


# --- every API operation, every parameter and field --------------------------------------------


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _operations():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            url = path
            for param in operation.get("parameters", []):
                if param["in"] == "path":
                    url = url.replace("{" + param["name"] + "}", "1")
            queries = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            fields, form_fields = [], []
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _resolve(schema, content["application/json"]["schema"])
                fields = list(body.get("properties", {}))
            if "multipart/form-data" in content:
                body = _resolve(schema, content["multipart/form-data"]["schema"])
                form_fields = [
                    name
                    for name, prop in body.get("properties", {}).items()
                    if _resolve(schema, prop).get("format") != "binary"
                ]
            yield pytest.param(
                method, url, queries, fields, form_fields, id=f"{method.upper()} {path}"
            )


OPERATIONS = list(_operations())


def test_the_operation_walk_sees_queries_json_fields_and_form_fields():
    ids = {p.id: p.values for p in OPERATIONS}
    assert "q" in ids["GET /api/v1/members/"][2]
    assert "name" in ids["POST /api/v1/members/"][3]
    assert "address" in ids["PATCH /api/v1/orgs/{org_id}"][3]
    assert "name" in ids["POST /api/v1/public/join/"][3]
    assert "kind" in ids["POST /api/v1/assistance/applications/{application_id}/attachments"][4]


@pytest.mark.parametrize(("method", "url", "queries", "fields", "form_fields"), OPERATIONS)
def test_every_api_operation_refuses_a_control_character_in_each_input(
    staff_client, method, url, queries, fields, form_fields
):
    send = getattr(staff_client, method)
    for name in queries:
        assert_refused(send(f"{url}?{name}=1%00"), url, name)
    for name in fields:
        body = json.dumps({name: "值\x00"})
        assert_refused(send(url, body, content_type="application/json"), url, name)
    for name in form_fields:
        upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\x00\x01")
        assert_refused(staff_client.post(url, {name: "x\x0b", "file": upload}), url, name)


# --- real flows from the issue, end to end -------------------------------------------------------


def test_member_search_with_nul_is_a_400_naming_q_and_not_a_server_error(staff_client, tree):
    for url in ("/api/v1/members/", "/api/v1/orgs/", "/console/members/membership/"):
        response = staff_client.get(url, {"q": "\x00"})
        assert_refused(response, url, "q")


def test_public_join_with_a_nul_in_the_name_is_refused_before_anything_is_stored(client, tree):
    from gonghui.members.models import JoinRequest, Person

    body = {
        "token": "x",
        "name": "邓\x00某",
        "id_number": "110105198001010012",
        "phone": "13900000001",
        "code": "123456",
        "employer_name": "某公司",
    }
    response = client.post(
        "/api/v1/public/join/", json.dumps(body), content_type="application/json"
    )
    assert_refused(response, "/api/v1/public/join/", "name")
    assert not JoinRequest.objects.exists() and not Person.objects.exists()


def test_tabs_line_breaks_and_chinese_text_reach_the_view(staff_client, tree):
    address = "渝北区\t回兴街道\r\n1号 😀"
    response = staff_client.patch(
        f"/api/v1/orgs/{tree.yubei.pk}",
        json.dumps({"address": address}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    tree.yubei.refresh_from_db()
    assert tree.yubei.address == address
    assert staff_client.get("/api/v1/orgs/", {"q": "渝北\t"}).status_code == 200


def test_uploaded_file_contents_are_not_inspected():
    upload = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    request = RequestFactory().post("/m/assistance/1/upload/", {"kind": "id_card", "file": upload})
    assert inspect_request(request) is None


@pytest.mark.chinese
def test_the_refusal_page_and_api_error_speak_chinese(client):
    page = client.get("/m/login/", {"phone": "139\x00"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "“phone”中含有控制字符" in text and "无法接受提交的内容" in text
    assert "control character" not in text
    error = client.get("/api/v1/orgs/", {"q": "\x00"}).json()["error"]
    assert error["message"].startswith("“q”中含有控制字符")


def test_a_session_cookie_with_a_nul_is_no_session(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/m/")
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
