"""Oversized and unreadable request bodies get a 4xx on every route, never a 500 (issue #11,
finding 9: a 12 MB anonymous join and a multipart body without a boundary reached django-ninja,
which answered 500). Uploads keep their own, larger limits."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from gonghui.platform.security.input import body_limit
from gonghui.platform.tests.test_url_walker import ROUTES

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
LIMIT = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
# One body just over the limit, built once: every route gets the same bytes.
OVERSIZED_JSON = b'{"name": "' + b"x" * LIMIT + b'"}'


def assert_status(response, url: str, status: int, code: str) -> None:
    assert response.status_code == status, f"{url}: {response.status_code}"
    if url.startswith("/api/"):
        error = response.json()["error"]
        assert error["code"] == code and error["message"] and "request_id" in error, url
    else:
        assert b'id="request-refused"' in response.content, url


@pytest.fixture
def staff_client(client, tree):
    client.force_login(tree.city_admin)
    return client


@pytest.mark.parametrize("route", ROUTES, ids=[r.template or "(root)" for r in ROUTES])
def test_every_route_answers_413_over_the_limit_and_400_to_a_broken_multipart(staff_client, route):
    url = route.url
    response = staff_client.post(url, OVERSIZED_JSON, content_type="application/json")
    assert_status(response, url, 413, "request_too_large")
    response = staff_client.post(url, b"--x\r\n", content_type="multipart/form-data")
    assert_status(response, url, 400, "malformed_request")
    response = staff_client.patch(url, b"x", content_type="multipart/form-data; boundary=")
    assert_status(response, url, 400, "malformed_request")


def test_the_anonymous_join_answers_413_to_12_mb(client):
    body = json.dumps({"token": "x", "name": "x" * (12 * MB)})
    response = client.post("/api/v1/public/join/", body, content_type="application/json")
    assert_status(response, "/api/v1/public/join/", 413, "request_too_large")
    assert "5 MB" in response.json()["error"]["message"]
    form = {"name": "x" * (6 * MB)}
    assert_status(client.post("/m/join/x/", form), "/m/join/x/", 413, "request_too_large")


def test_a_413_is_answered_from_content_length_before_the_body_is_read():
    class Unread:
        def read(self, *args):
            raise AssertionError("the body was read")

    request = RequestFactory().post("/api/v1/public/join/", content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(LIMIT + 1)
    request._stream = Unread()
    from gonghui.platform.security.input import inspect_request

    assert inspect_request(request).status == 413


def test_too_many_query_parameters_are_a_400_not_a_500(staff_client):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = staff_client.get(f"/api/v1/members/?{query}")
    assert_status(response, "/api/v1/members/", 400, "malformed_request")


def test_form_fields_over_5_mb_in_an_upload_are_a_413_not_a_500(staff_client):
    data = {"kind": "other", "note": "x" * (LIMIT + 1), "file": SimpleUploadedFile("a.png", b"1")}
    response = staff_client.post("/api/v1/assistance/applications/1/attachments", data)
    assert_status(response, "/api/v1/assistance/applications/", 413, "request_too_large")


# --- uploads keep their own limits ---------------------------------------------------------------


def _upload_limits():
    from gonghui.assistance import actions as assistance_actions
    from gonghui.assistance import visits_import
    from gonghui.platform.imports import actions as import_actions

    attachment = assistance_actions.MAX_UPLOAD_BYTES
    return [
        ("/console/imports/importjob/add/", import_actions.MAX_UPLOAD_BYTES),
        ("/console/assistance/visit/import/", visits_import.MAX_UPLOAD_BYTES),
        ("/console/assistance/application/1/change/", attachment),
        ("/m/assistance/1/upload/", attachment),
        ("/api/v1/assistance/applications/1/attachments", attachment),
    ]


@pytest.mark.parametrize(("url", "file_limit"), _upload_limits())
def test_upload_routes_take_a_file_at_their_own_limit(url, file_limit):
    request = RequestFactory().post(url, content_type="multipart/form-data; boundary=x")
    # The largest file plus the form's other fields and the multipart framing.
    assert body_limit(request) >= file_limit + 64 * 1024, url
    request = RequestFactory().post(url, content_type="application/json")
    assert body_limit(request) == LIMIT


def test_a_10_mb_attachment_is_stored_through_the_api_and_11_mb_is_a_413(client, tree):
    from gonghui.assistance.testing import PNG, Staff, make_person, staff_application

    staff = Staff(tree)
    application = staff_application(staff, tree.grassroots, make_person(tree.grassroots, 1))
    client.force_login(staff.officer)
    url = f"/api/v1/assistance/applications/{application.pk}/attachments"
    ten_mb = PNG + b"\x00" * (10 * MB - len(PNG))
    upload = SimpleUploadedFile("bill.png", ten_mb, content_type="image/png")
    response = client.post(url, {"kind": "hospital_bills", "file": upload})
    assert response.status_code == 201, response.content
    assert response.json()["size"] == 10 * MB
    upload = SimpleUploadedFile("bill.png", ten_mb + b"\x00" * MB, content_type="image/png")
    response = client.post(url, {"kind": "hospital_bills", "file": upload})
    assert_status(response, url, 413, "request_too_large")
