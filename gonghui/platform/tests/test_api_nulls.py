"""Sending null in a field of a PATCH or PUT body is a 422 when the field is not nullable, never
a 500 (issue #11, finding 9: ``PATCH /api/v1/orgs/{id}`` with ``"address": null`` reached the
NOT NULL column). Every PATCH and PUT operation of the OpenAPI schema is walked, each field
sent as null on a real object the caller may change; an operation added later fails
``test_every_patch_and_put_operation_has_a_target`` until it is given one below."""

from __future__ import annotations

import json

import pytest

from config.api import api

pytestmark = pytest.mark.django_db

# (METHOD, path) -> the path parameters of an object the city admin may change.
TARGETS = {
    ("PATCH", "/api/v1/orgs/{org_id}"): lambda tree: {"org_id": tree.grassroots.pk},
}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _nullable(prop: dict) -> bool:
    options = prop.get("anyOf") or prop.get("oneOf") or [prop]
    return any(o.get("type") == "null" for o in options) or prop.get("nullable") is True


def _writes():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method not in ("patch", "put"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body = _resolve(schema, content.get("application/json", {}).get("schema", {}))
            fields = {name: _nullable(prop) for name, prop in body.get("properties", {}).items()}
            yield method.upper(), path, fields


WRITES = list(_writes())


def test_every_patch_and_put_operation_has_a_target():
    missing = sorted(f"{m} {p}" for m, p, _f in WRITES if (m, p) not in TARGETS)
    assert not missing, "give these operations a target in TARGETS:\n" + "\n".join(missing)
    assert WRITES, "the walk found no PATCH operation"


@pytest.mark.parametrize(
    ("method", "path", "fields"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES]
)
def test_null_in_every_field_is_refused_or_stored_never_a_server_error(
    client, tree, method, path, fields
):
    client.force_login(tree.city_admin)
    url = path.format(**TARGETS[(method, path)](tree))
    send = getattr(client, method.lower())
    for name, nullable in fields.items():
        response = send(url, json.dumps({name: None}), content_type="application/json")
        assert response.status_code != 500, f"{method} {path} {name}: 500"
        if nullable:
            assert response.status_code == 200, f"{name}: {response.content[:300]}"
            assert response.json().get(name, None) is None, name
        else:
            assert response.status_code == 422, f"{name}: {response.status_code}"
            error = response.json()["error"]
            assert error["code"] == "validation_error"
            assert error["details"][0]["loc"][-1] == name


def test_patching_an_org_changes_only_the_fields_sent(client, tree):
    client.force_login(tree.city_admin)
    org = tree.grassroots
    org.address, org.contact_name = "旧地址", "张三"
    org.save()
    response = client.patch(
        f"/api/v1/orgs/{org.pk}", json.dumps({"address": ""}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.address == "" and org.contact_name == "张三"


def test_the_openapi_schema_does_not_offer_null_for_org_text_fields():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    patch = schema["paths"]["/api/v1/orgs/{org_id}"]["patch"]
    ref = patch["requestBody"]["content"]["application/json"]["schema"]
    props = _resolve(schema, ref)["properties"]
    for name in ("name", "short_name", "address", "contact_name", "contact_phone", "uscc"):
        assert props[name]["type"] == "string" and "default" not in props[name], name
    assert _nullable(props["founded_on"])
