"""The members API: scoped lists and details with masked values, writes through actions,
the review queue, channels, transfers, and the public join endpoint with its rate limits."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.choices import JoinRequestState, MembershipState, TransferState
from gonghui.members.joining import JOIN_RATE_PER_IP_HOUR, JOIN_RATE_PER_PHONE_HOUR
from gonghui.members.models import JoinRequest, Membership, Transfer
from gonghui.members.tests.test_search import join_request, make_id, make_phone, member
from gonghui.members.tokens import join_token
from gonghui.platform.consent.testing import api_join_consent
from gonghui.platform.sms.models import SMSCode
from gonghui.platform.sms.services import send_login_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, tree):
    client.force_login(tree.yubei_admin)
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "request_id" in body["error"]
    return body["error"]


def _post(client, url, data=None, **extra):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **extra)


def _no_plain_pi(response, *values):
    text = response.content.decode()
    for value in values:
        assert value not in text, f"{value} appears in the body"


# --- members ---------------------------------------------------------------------------------


def test_list_is_scoped_masked_and_paginated(api, tree):
    mine = [member(tree, n, "张三") for n in range(1, 4)]
    member(tree, 9, "王五", org=tree.jb_grassroots, actor=tree.jiangbei_admin)
    response = api.get("/api/v1/members/", {"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["items"]) == 2
    item = body["items"][0]
    assert item["name"] == "张*"
    assert item["id_number"].count("*") == 16
    assert "****" in item["phone"]
    _no_plain_pi(response, *(make_id(n) for n in range(1, 4)), *(make_phone(n) for n in (1, 2, 3)))
    assert {i["id"] for i in api.get("/api/v1/members/").json()["items"]} == {m.pk for m in mine}


@pytest.mark.parametrize("text", ["zhangs", "zs", "张三", "ID", "PHONE", "CARD"])
def test_list_search(api, tree, text):
    wanted = member(tree, 1, "张三")
    member(tree, 2, "李四")
    text = {"ID": make_id(1), "PHONE": make_phone(1), "CARD": wanted.card_no}.get(text, text)
    items = api.get("/api/v1/members/", {"q": text}).json()["items"]
    assert [i["id"] for i in items] == [wanted.pk]


def test_list_filters(api, tree):
    old = member(tree, 1, joined_on=timezone.localdate() - timedelta(days=400))
    rider = member(tree, 2, employment_form="food_delivery", org=tree.township)
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=old, transition="lapse", reason="欠费"
    )

    def ids(**params):
        return {i["id"] for i in api.get("/api/v1/members/", params).json()["items"]}

    assert ids(state="lapsed") == {old.pk}
    assert ids(employment_form="food_delivery") == {rider.pk}
    assert ids(org=tree.grassroots.pk) == {old.pk}
    assert ids(org=tree.township.pk) == {old.pk, rider.pk}
    recent = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert ids(joined_from=recent) == {rider.pk}
    assert ids(joined_to=recent) == {old.pk}
    _error(api.get("/api/v1/members/", {"org": tree.jiangbei.pk}), 404, "not_found")
    _error(api.get("/api/v1/members/", {"state": "nonsense"}), 422, "validation_error")


def test_detail_masks_id_and_phone(api, tree):
    m = member(tree, 1, "张三")
    response = api.get(f"/api/v1/members/{m.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id_number"] == make_id(1)[:6] + "********" + make_id(1)[-4:]
    assert body["phone"] == make_phone(1)[:3] + "****" + make_phone(1)[-4:]
    assert body["name"] == "张三" and body["card_no"] == m.card_no
    assert [h["id"] for h in body["history"]] == [m.pk]
    _no_plain_pi(response, make_id(1), make_phone(1))


def test_detail_outside_scope_is_404(api, tree):
    other = member(tree, 1, org=tree.jb_grassroots, actor=tree.jiangbei_admin)
    _error(api.get(f"/api/v1/members/{other.pk}"), 404, "not_found")
    _error(_post(api, f"/api/v1/members/{other.pk}/retain"), 404, "not_found")
    _error(
        _post(api, f"/api/v1/members/{other.pk}/state", {"transition": "retain"}), 404, "not_found"
    )


def test_register_member(api, tree):
    data = {
        "org_id": tree.grassroots.pk,
        "name": "赵六",
        "id_number": make_id(6),
        "phone": make_phone(6),
        "employment_form": "courier",
        "employer_name": "快递公司",
    }
    response = _post(api, "/api/v1/members/", data)
    assert response.status_code == 201, response.content
    _no_plain_pi(response, make_id(6), make_phone(6))
    assert Membership.objects.get().employment_form == "courier"
    _error(_post(api, "/api/v1/members/", data), 400, "already_member")
    bad = {**data, "id_number": "110105194912310021"}
    _error(_post(api, "/api/v1/members/", bad), 400, "invalid_id_number")
    _error(
        _post(api, "/api/v1/members/", {**data, "org_id": tree.jb_grassroots.pk}), 404, "not_found"
    )
    _error(_post(api, "/api/v1/members/", {"name": "x"}), 422, "validation_error")


def test_state_changes(api, tree):
    m = member(tree)
    url = f"/api/v1/members/{m.pk}"
    error = _error(_post(api, f"{url}/withdraw"), 422, "validation_error")
    assert any("reason" in d["loc"] for d in error["details"])  # the field is named
    _error(_post(api, f"{url}/withdraw", {"reason": " "}), 400, "reason_required")
    _error(_post(api, f"{url}/fly"), 404, "not_found")
    _error(_post(api, f"{url}/reinstate"), 409, "invalid_transition")  # not from active
    response = _post(api, f"{url}/lapse", {"reason": "欠费"})
    assert response.status_code == 200 and response.json()["state"] == "lapsed"
    assert {t["name"] for t in response.json()["allowed_transitions"]} == {"reinstate", "expel"}
    assert _post(api, f"{url}/reinstate").json()["state"] == "active"
    assert _post(api, f"{url}/expel", {"reason": "违纪"}).json()["state"] == "expelled"
    assert Membership.objects.get().state == MembershipState.EXPELLED


def test_the_old_state_endpoint_is_gone_and_names_the_new_ones(api, tree):
    m = member(tree)
    error = _error(
        _post(api, f"/api/v1/members/{m.pk}/state", {"transition": "retain"}), 410, "gone"
    )
    paths = [d["message"] for d in error["details"]]
    assert f"POST /api/v1/members/{m.pk}/retain" in paths and len(paths) == 6
    assert f"/api/v1/members/{m.pk}/retain" in error["message"]
    assert Membership.objects.get().state == MembershipState.ACTIVE


def test_a_membership_is_sent_to_another_union(api, tree):
    m = member(tree)
    url = f"/api/v1/members/{m.pk}/transfer"
    _error(_post(api, url, {"to_org": "不存在的工会"}), 400, "invalid_org")
    response = _post(api, url, {"to_org": str(tree.jb_grassroots.pk), "reason": "换工作"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "transferring"
    assert Transfer.objects.get().to_org == tree.jb_grassroots


def test_member_list_query_count(api, tree, django_assert_max_num_queries):
    for n in range(1, 31):
        member(tree, n)
    api.get("/api/v1/members/")
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/members/", {"limit": 30})
    assert len(response.json()["items"]) == 30


# --- join requests ---------------------------------------------------------------------------


def test_join_request_list_detail_approve_reject(api, tree):
    first = join_request(tree, 1, "李四")
    second = join_request(tree, 2, "王五")
    response = api.get("/api/v1/join-requests/")
    assert {i["id"] for i in response.json()["items"]} == {first.pk, second.pk}
    _no_plain_pi(response, make_id(1), make_phone(1), make_id(2), make_phone(2))
    detail = api.get(f"/api/v1/join-requests/{first.pk}").json()
    assert detail["name"] == "李*" and detail["overdue"] is False

    response = _post(api, f"/api/v1/join-requests/{first.pk}/approve")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "approved" and body["card_no"] and body["membership_id"]
    assert body["allowed_transitions"] == []
    _error(_post(api, f"/api/v1/join-requests/{first.pk}/approve"), 409, "invalid_transition")

    _error(_post(api, f"/api/v1/join-requests/{second.pk}/reject", {}), 422, "validation_error")
    _error(
        _post(api, f"/api/v1/join-requests/{second.pk}/reject", {"reason": " "}),
        400,
        "reason_required",
    )
    response = _post(api, f"/api/v1/join-requests/{second.pk}/reject", {"reason": "资料不全"})
    assert response.json()["state"] == "rejected"
    assert api.get("/api/v1/join-requests/").json()["items"] == []
    assert api.get("/api/v1/join-requests/", {"state": "rejected"}).json()["count"] == 1


def test_join_requests_outside_scope(api, tree):
    other = join_request(tree, 1, org=tree.jb_grassroots)
    assert api.get("/api/v1/join-requests/").json()["items"] == []
    _error(api.get(f"/api/v1/join-requests/{other.pk}"), 404, "not_found")
    _error(_post(api, f"/api/v1/join-requests/{other.pk}/approve"), 404, "not_found")
    assert JoinRequest.objects.get().state == JoinRequestState.PENDING


def test_overdue_filter(api, tree, settings):
    settings.GONGHUI_JOIN_REVIEW_WORKING_DAYS = 15
    old = join_request(tree, 1)
    fresh = join_request(tree, 2)
    JoinRequest.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    items = api.get("/api/v1/join-requests/", {"overdue": True}).json()["items"]
    assert [i["id"] for i in items] == [old.pk] and items[0]["overdue"] is True
    assert items[0]["working_days_waiting"] > 15
    items = api.get("/api/v1/join-requests/", {"overdue": False}).json()["items"]
    assert [i["id"] for i in items] == [fresh.pk]


# --- join channels ---------------------------------------------------------------------------


def test_channels_create_list_revoke(api, tree):
    response = _post(api, "/api/v1/join-channels/", {"org_id": tree.grassroots.pk, "label": "海报"})
    assert response.status_code == 201, response.content
    channel = response.json()
    assert channel["usable"] and channel["join_token"]
    assert [c["id"] for c in api.get("/api/v1/join-channels/").json()["items"]] == [channel["id"]]
    response = _post(api, f"/api/v1/join-channels/{channel['id']}/revoke")
    assert response.json()["usable"] is False and response.json()["join_token"] is None
    _error(
        _post(api, "/api/v1/join-channels/", {"org_id": tree.grassroots.pk, "label": " "}),
        400,
        "required",
    )
    _error(
        _post(api, "/api/v1/join-channels/", {"org_id": tree.jb_grassroots.pk, "label": "x"}),
        404,
        "not_found",
    )


# --- transfers -------------------------------------------------------------------------------


def test_transfer_approved_by_the_receiving_side_only(client, tree):
    m = member(tree)
    t = actions.request_transfer(
        actor=tree.yubei_admin, membership=m, to_org=tree.jb_grassroots, initiated_by="sender"
    )
    client.force_login(tree.yubei_admin)
    assert [i["id"] for i in client.get("/api/v1/transfers/").json()["items"]] == [t.pk]
    # The sending union sees the transfer but the step is the receiving union's: 403.
    _error(_post(client, f"/api/v1/transfers/{t.pk}/approve_receiving"), 403, "permission_denied")
    assert Transfer.objects.get().state == TransferState.PENDING_RECEIVER

    client.force_login(tree.jiangbei_admin)
    detail = client.get(f"/api/v1/transfers/{t.pk}").json()
    assert detail["member_name"] == "张*"
    assert [a["name"] for a in detail["allowed_transitions"]] == [
        "approve_receiving",
        "reject",
        "cancel",
    ]
    error = _error(_post(client, f"/api/v1/transfers/{t.pk}/approve"), 410, "gone")
    assert f"POST /api/v1/transfers/{t.pk}/approve_receiving" in error["message"]
    response = _post(client, f"/api/v1/transfers/{t.pk}/approve_receiving")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved" and response.json()["new_membership_id"]


def test_transfer_reject(client, tree):
    m = member(tree)
    t = actions.request_transfer(
        actor=tree.yubei_admin, membership=m, to_org=tree.jb_grassroots, initiated_by="sender"
    )
    client.force_login(tree.jiangbei_admin)
    response = _post(client, f"/api/v1/transfers/{t.pk}/reject", {"reason": "不接收"})
    assert response.json()["state"] == "rejected"
    assert Membership.objects.get().state == MembershipState.ACTIVE


# --- the public join endpoint ----------------------------------------------------------------


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


def _application(channel, n=1, **overrides):
    data = {
        "token": join_token(channel),
        "name": "孙七",
        "id_number": make_id(n),
        "phone": make_phone(n),
        "sms_code": send_login_code(phone=make_phone(n), ip=None, purpose="join").code,
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
        "is_migrant": True,
        "residence_region": "500112",
        **api_join_consent(),
    }
    data.update(overrides)
    return data


def test_public_join_creates_a_pending_request(client, channel):
    response = _post(client, "/api/v1/public/join/", _application(channel))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["org_name"] == channel.org.name and "state" not in body
    _no_plain_pi(response, make_id(1), make_phone(1))
    request = JoinRequest.objects.get()
    assert request.channel == channel and request.is_migrant and request.phone == make_phone(1)
    assert request.state == "pending"


def test_public_join_auto_approves_when_the_channel_says_so(client, tree):
    channel = actions.create_join_channel(
        actor=tree.yubei_admin, org=tree.grassroots, label="自动", auto_approve=True
    )
    response = _post(client, "/api/v1/public/join/", _application(channel))
    # The answer does not say (a member's ID would get a different one); the SMS does.
    assert response.status_code == 201 and "state" not in response.json()
    assert Membership.objects.get().person.name == "孙七"
    assert JoinRequest.objects.get().state == "approved"


def test_public_join_refuses_bad_input(client, tree, channel):
    url = "/api/v1/public/join/"
    _error(_post(client, url, {"token": "x"}), 422, "validation_error")
    cases = [
        ({"employment_form": "pilot"}, 422, "validation_error"),
        ({"sms_code": "12345"}, 422, "validation_error"),
        ({"residence_region": "abc"}, 422, "validation_error"),
        ({"token": "forged"}, 400, "channel_closed"),
        ({"sms_code": "000000"}, 400, "invalid_code"),
        ({"id_number": "110105194912310021"}, 400, "invalid_id_number"),
        ({"phone": "12345678901"}, 400, "invalid_mobile"),
    ]
    for n, (overrides, status, code) in enumerate(cases, start=1):
        _error(_post(client, url, _application(channel, n, **overrides)), status, code)
    actions.revoke_join_channel(actor=tree.yubei_admin, channel=channel)
    _error(_post(client, url, _application(channel, 21)), 400, "channel_closed")
    assert JoinRequest.objects.count() == 0


def test_public_join_needs_no_login_and_ignores_a_session(client, tree, channel):
    client.force_login(tree.yubei_admin)
    response = _post(client, "/api/v1/public/join/", _application(channel))
    assert response.status_code == 201


def test_public_join_rate_limit_per_phone(client, tree, channel):
    phone = make_phone(1)
    for n in range(JOIN_RATE_PER_PHONE_HOUR):
        request = join_request(tree, 10 + n, phone=phone)
        actions.reject_join_request(actor=tree.yubei_admin, request=request, reason="重复")
    response = _post(client, "/api/v1/public/join/", _application(channel, 1, phone=phone))
    _error(response, 429, "rate_limited")
    assert response["Retry-After"]


def test_public_join_rate_limit_per_ip(client, channel):
    url = "/api/v1/public/join/"
    for n in range(JOIN_RATE_PER_IP_HOUR):
        response = _post(client, url, _application(channel, n + 1, sms_code="000000"))
        assert response.status_code == 400
    response = _post(client, url, _application(channel, 50))
    _error(response, 429, "rate_limited")
    # another network is not affected
    response = _post(client, url, _application(channel, 51), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 201


def test_public_join_code(client, channel):
    url = "/api/v1/public/join/code"
    data = {"token": join_token(channel), "phone": make_phone(1)}
    response = _post(client, url, data)
    assert response.status_code == 202, response.content
    assert SMSCode.objects.get().purpose == "join"
    _no_plain_pi(response, make_phone(1))
    _error(_post(client, url, data), 429, "rate_limited")  # one code a minute
    _error(_post(client, url, {**data, "token": "forged"}), 400, "channel_closed")
    _error(_post(client, url, {**data, "phone": "12345678901"}), 400, "invalid_mobile")
    _error(_post(client, url, {"phone": make_phone(2)}), 422, "validation_error")


def test_public_routes_answer_get_without_500(client):
    assert client.get("/api/v1/public/join/").status_code == 405
