"""The portal's join form and the public API apply through one action (members.joining): the
same rate limits count both faces, and the holding-pool routing works through either."""

from __future__ import annotations

import json

import pytest

from gonghui.members import actions
from gonghui.members.joining import JOIN_RATE_PER_IP_HOUR, JOIN_RATE_PER_PHONE_HOUR
from gonghui.members.models import JoinRequest
from gonghui.members.tests.test_search import join_request, make_id, make_phone
from gonghui.members.tokens import join_token
from gonghui.orgs.choices import OrgKind
from gonghui.platform.consent.testing import api_join_consent
from gonghui.platform.sms.models import SMSCode
from gonghui.platform.sms.services import send_login_code
from gonghui.platform.testing.factories import make_org

pytestmark = pytest.mark.django_db

API = "/api/v1/public/join/"
FACES = ["portal", "api"]


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


@pytest.fixture
def pools(tree):
    yubei_pool = make_org(
        tree.yubei, OrgKind.HOLDING_POOL, name="渝北区周转库", region_code="500112"
    )
    jb_pool = make_org(
        tree.jiangbei, OrgKind.HOLDING_POOL, name="江北区周转库", region_code="500105"
    )
    return yubei_pool, jb_pool


# The join form's privacy notice and separate consent, ticked.
CONSENT = {"privacy_notice": "on", "sensitive_consent": "on"}


def _fields(n: int, phone: str | None = None) -> dict:
    return {
        "name": "孙七",
        "id_number": make_id(n),
        "phone": phone or make_phone(n),
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
    }


def apply(face, client, channel, n, *, code=None, pool=None, phone=None, ip="127.0.0.1"):
    """Apply through ``face`` with a fresh code (or ``code``); returns the response."""
    data = _fields(n, phone)
    if code is None:
        SMSCode.objects.update(created_at="2000-01-01T00:00:00Z")  # past the resend wait
        code = send_login_code(phone=data["phone"], ip=None, purpose="join").code
    if face == "portal":
        form = {**data, **CONSENT, "code": code, "step": "submit"}
        if pool is not None:
            form.update(no_union="on", pool=str(pool.pk))
        return client.post(f"/m/join/{join_token(channel)}/", form, REMOTE_ADDR=ip)
    body = {"token": join_token(channel), **data, "sms_code": code, **api_join_consent()}
    if pool is not None:
        body["pool_id"] = pool.pk
    return client.post(API, json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)


def refused_for_rate(face, response) -> bool:
    if face == "portal":
        return response.status_code == 200 and "Too many applications" in response.content.decode()
    return response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"


def accepted(face, response) -> bool:
    return response.status_code == (302 if face == "portal" else 201)


@pytest.mark.parametrize("last", FACES)
def test_attempts_from_one_network_are_counted_across_both_faces(client, channel, last):
    # Wrong codes, alternately through the portal and the API, from one network.
    for n in range(JOIN_RATE_PER_IP_HOUR):
        face = FACES[n % 2]
        response = apply(face, client, channel, n + 1, code="000000")
        assert not accepted(face, response) and not refused_for_rate(face, response)
    response = apply(last, client, channel, 40)
    assert refused_for_rate(last, response)
    assert not JoinRequest.objects.exists()
    # The refusal did not touch the code: another network applies with it.
    assert accepted(last, apply(last, client, channel, 41, ip="10.0.0.9"))


@pytest.mark.parametrize("face", FACES)
def test_applications_per_phone_are_limited_through_both_faces(client, tree, channel, face):
    phone = make_phone(1)
    for n in range(JOIN_RATE_PER_PHONE_HOUR):
        earlier = join_request(tree, 10 + n, phone=phone)
        actions.reject_join_request(actor=tree.yubei_admin, request=earlier, reason="重复")
    response = apply(face, client, channel, 1, phone=phone)
    assert refused_for_rate(face, response)
    assert SMSCode.objects.get().used_at is None  # the code is still good
    assert JoinRequest.objects.count() == JOIN_RATE_PER_PHONE_HOUR
    if face == "api":
        assert response["Retry-After"] == "3600"


@pytest.mark.parametrize("face", FACES)
def test_no_union_at_work_goes_to_the_chosen_districts_pool(client, tree, pools, face):
    _, jb_pool = pools
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.township, label="街道")
    assert accepted(face, apply(face, client, channel, 1, pool=jb_pool))
    request = JoinRequest.objects.get()
    assert request.org == jb_pool and request.channel == channel
    assert request.residence_region == "500105"


def test_the_api_refuses_an_org_that_is_no_holding_pool(client, tree, channel):
    response = apply("api", client, channel, 1, pool=tree.jb_grassroots)
    error = response.json()["error"]
    assert response.status_code == 400
    assert (error["code"], error["field"]) == ("invalid_pool", "pool_id")
    assert SMSCode.objects.get().used_at is None
    assert not JoinRequest.objects.exists()


def test_a_pools_own_code_takes_no_other_district(client, tree, pools):
    yubei_pool, jb_pool = pools
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=yubei_pool, label="骑手站")
    response = apply("api", client, channel, 1, pool=jb_pool)
    assert response.json()["error"]["code"] == "invalid_pool"
    assert accepted("api", apply("api", client, channel, 2))
    request = JoinRequest.objects.get()
    assert request.org == yubei_pool and request.residence_region == "500112"


def test_the_pool_routing_answers_like_any_application(client, tree, pools):
    """Routed to a pool, the answer names the pool and nothing about the records."""
    _, jb_pool = pools
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.township, label="街道")
    response = apply("api", client, channel, 1, pool=jb_pool)
    body = response.json()
    assert set(body) == {"id", "org_name", "message"} and body["org_name"] == "江北区周转库"
    assert body["message"] == "Your application was received. We will tell you the result by SMS."
