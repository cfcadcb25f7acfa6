"""Joining by QR code at /m/join/<token>/: the anonymous worker's application."""

import re

import pytest

from gonghui.members import actions
from gonghui.members.choices import JoinRequestState, MembershipState
from gonghui.members.models import JoinRequest, Membership
from gonghui.members.tokens import join_token
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.sms.models import SMSCode
from gonghui.platform.testing.factories import make_org
from gonghui.platform.validators import id_check_char

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def id_number(body17="11010519900307123"):
    return body17 + id_check_char(body17)


ID = id_number()


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(
        actor=tree.yubei_admin, org=tree.grassroots, label="食堂海报"
    )


@pytest.fixture
def pools(tree):
    yubei_pool = make_org(
        tree.yubei, OrgKind.HOLDING_POOL, name="渝北区周转库", region_code="500112"
    )
    jb_pool = make_org(
        tree.jiangbei, OrgKind.HOLDING_POOL, name="江北区周转库", region_code="500105"
    )
    return yubei_pool, jb_pool


def url(channel):
    return f"/m/join/{join_token(channel)}/"


def fields(**overrides):
    data = {
        "name": "李四",
        "id_number": ID,
        "phone": PHONE,
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
        "ethnicity": "汉族",
        "education": "senior",
        # the privacy notice and the separate consent for the ID number, ticked
        "privacy_notice": "on",
        "sensitive_consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def apply(client, django_capture_on_commit_callbacks):
    """Send a code for the phone, then submit with it (or with ``code``)."""

    def _apply(channel, code=None, **overrides):
        data = fields(**overrides)
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(url(channel), {**data, "step": "send_code"})
        assert sent.status_code == 200
        if code is None:
            code = re.search(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1]).group(0)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url(channel), {**data, "code": code, "step": "submit"})

    return _apply


def test_page_shows_the_union_and_the_five_fields(client, channel):
    response = client.get(url(channel))
    assert response.status_code == 200
    html = response.content.decode()
    assert "渝北测试公司工会" in html
    for name in ("name", "id_number", "phone", "employment_form", "code"):
        assert f'name="{name}"' in html
    assert 'value="send_code"' in html  # works without JavaScript
    assert "Food delivery rider" in html


def test_happy_path_creates_pending_request_and_texts_the_applicant(
    client, channel, apply, settings
):
    settings.SMS_SHOW_CODE_ON_PAGE = True
    response = apply(channel)
    assert response.status_code == 302
    assert response["Location"] == "/m/join/done/"
    request = JoinRequest.objects.get()
    assert request.state == JoinRequestState.PENDING
    assert request.org == channel.org and request.channel == channel
    assert request.employment_form == "food_delivery"
    assert request.extra == {"ethnicity": "汉族", "education": "senior"}
    phones = [phone for phone, _ in LocmemBackend.outbox]
    assert phones == [PHONE, PHONE]  # the code, then "we received your application"
    assert "received your application" in LocmemBackend.outbox[-1][1]
    assert SMSCode.objects.get().purpose == "join"
    done = client.get(response["Location"])
    html = done.content.decode()
    assert "Application received" in html
    assert "15 working days" in html
    assert "SMS" in html


def test_send_code_shows_the_demo_code_and_keeps_the_typed_fields(
    client, channel, settings, django_capture_on_commit_callbacks
):
    settings.SMS_SHOW_CODE_ON_PAGE = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(channel), {**fields(), "step": "send_code"})
    html = response.content.decode()
    code = re.search(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1]).group(0)
    assert f'id="demo-code">{code}<' in html
    assert 'value="李四"' in html
    assert "139****5678" in html
    assert not JoinRequest.objects.exists()


def test_no_demo_code_outside_demo_mode(
    client, channel, settings, django_capture_on_commit_callbacks
):
    settings.SMS_SHOW_CODE_ON_PAGE = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(channel), {**fields(), "step": "send_code"})
    assert 'id="demo-code"' not in response.content.decode()
    assert LocmemBackend.outbox  # the SMS still goes out


def test_invalid_token_is_a_plain_404(client, channel):
    response = client.get(url(channel)[:-3] + "xx/")
    assert response.status_code == 404
    assert "does not work" in response.content.decode()
    assert client.get("/m/join/nonsense/").status_code == 404


def test_revoked_channel_is_refused(client, tree, channel):
    actions.revoke_join_channel(actor=tree.yubei_admin, channel=channel)
    response = client.get(url(channel))
    assert response.status_code == 404
    assert client.post(url(channel), {**fields(), "step": "send_code"}).status_code == 404
    assert not LocmemBackend.outbox


def test_bad_id_and_phone_get_messages_and_nothing_is_sent(client, channel):
    bad_id = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    response = client.post(url(channel), {**fields(id_number=bad_id), "code": "123456"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The ID number is not valid" in html
    assert not JoinRequest.objects.exists()

    response = client.post(url(channel), {**fields(phone="12345678901"), "step": "send_code"})
    assert "Enter a valid 11-digit mainland mobile number." in response.content.decode()
    assert not LocmemBackend.outbox

    response = client.post(url(channel), {**fields(phone="1391234"), "code": "123456"})
    assert "Enter a valid 11-digit mainland mobile number." in response.content.decode()


def test_page_carries_the_client_side_checks(client, channel):
    html = client.get(url(channel)).content.decode()
    assert "10X98765432" in html  # the MOD 11-2 check characters
    assert "^1[3-9]\\d{9}$" in html


def test_wrong_sms_code_is_refused_and_the_right_one_still_works(client, channel, apply):
    response = apply(channel, code="000000")
    assert response.status_code == 200
    assert "The code is not correct." in response.content.decode()
    assert not JoinRequest.objects.exists()
    assert SMSCode.objects.get().attempts == 1  # the wrong guess counted
    code = re.search(r"(?<!\d)\d{6}(?!\d)", LocmemBackend.outbox[-1][1]).group(0)
    response = client.post(url(channel), {**fields(), "code": code})
    assert response.status_code == 302
    assert JoinRequest.objects.count() == 1


def test_missing_code_is_asked_for(client, channel):
    response = client.post(url(channel), fields())
    assert "Enter the code we sent by SMS." in response.content.decode()


def test_existing_member_from_the_phone_on_file_is_told_and_offered_login(
    client, tree, channel, apply
):
    other = actions.create_join_channel(
        actor=tree.jiangbei_admin, org=tree.jb_grassroots, label="x"
    )
    request = actions.submit_join_request(
        actor=None,
        org=tree.jb_grassroots,
        channel=other,
        name="李四",
        id_number=ID,
        phone=PHONE,
        employer_name="江北公司",
        employment_form="standard",
    )
    actions.approve_join_request(actor=tree.jiangbei_admin, request=request)
    LocmemBackend.outbox.clear()
    response = apply(channel)
    html = response.content.decode()
    assert response.status_code == 200
    assert "You are already a member of" in html
    assert "江北测试公司工会" not in html  # the union is named masked
    assert 'id="login-to-transfer"' in html and "/m/login/?next=/m/" in html
    assert JoinRequest.objects.count() == 1
    # The refused submission did not use up the code.
    assert SMSCode.objects.filter(used_at__isnull=True).count() == 1


def test_grassroots_channel_locks_the_employer(client, tree, apply):
    employer = EmployerFactory(org=tree.grassroots, name="渝北测试有限公司")
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="x")
    html = client.get(url(channel)).content.decode()
    assert "渝北测试有限公司" in html
    response = apply(channel, employer_name="随便写的")
    assert response.status_code == 302
    request = JoinRequest.objects.get()
    assert request.employer == employer and request.employer_name == "渝北测试有限公司"


def test_no_union_routes_to_the_chosen_districts_holding_pool(client, tree, pools, apply):
    yubei_pool, jb_pool = pools
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.township, label="街道")
    html = client.get(url(channel)).content.decode()
    assert "江北区总工会" in html and "渝北区总工会" in html  # districts by name
    response = apply(channel, no_union="on", pool=str(jb_pool.pk))
    assert response.status_code == 302
    request = JoinRequest.objects.get()
    assert request.org == jb_pool
    assert request.channel == channel
    assert request.residence_region == "500105"


def test_no_union_requires_a_district(client, tree, pools, apply):
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.township, label="街道")
    response = apply(channel, no_union="on", pool="")
    assert response.status_code == 200
    assert "Choose the district where you live." in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_without_no_union_the_channel_org_gets_the_request(client, tree, pools, apply):
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.township, label="街道")
    assert apply(channel, pool=str(pools[1].pk)).status_code == 302
    assert JoinRequest.objects.get().org == tree.township


def test_holding_pool_channel_submits_to_its_pool(client, tree, pools, apply):
    yubei_pool, _ = pools
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=yubei_pool, label="骑手站")
    html = client.get(url(channel)).content.decode()
    assert 'id="fixed-district">渝北区总工会<' in html
    assert apply(channel).status_code == 302
    request = JoinRequest.objects.get()
    assert request.org == yubei_pool and request.residence_region == "500112"


def test_auto_approve_channel_makes_a_member_at_once(client, tree, apply):
    channel = actions.create_join_channel(
        actor=tree.yubei_admin, org=tree.grassroots, label="自动", auto_approve=True
    )
    response = apply(channel)
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert membership.state == MembershipState.ACTIVE and membership.org == tree.grassroots
    assert membership.person.name == "李四" and membership.card_no
    assert JoinRequest.objects.get().state == JoinRequestState.APPROVED
    html = client.get("/m/join/done/").content.decode()
    # The page is the one every applicant sees (a member's ID must not answer differently).
    assert "Your application to join 渝北测试公司工会 was received." in html
    assert "You are now a member" not in html
    assert "Welcome" in LocmemBackend.outbox[-1][1]


def test_second_application_while_pending_is_refused(client, channel, apply):
    assert apply(channel).status_code == 302
    SMSCode.objects.update(created_at="2000-01-01T00:00:00Z")  # past the 60 s resend wait
    response = apply(channel)
    assert "already being reviewed" in response.content.decode()
    assert JoinRequest.objects.count() == 1


def test_done_page_without_an_application_goes_home(client):
    response = client.get("/m/join/done/")
    assert response.status_code == 302


@pytest.mark.chinese
def test_page_renders_in_chinese(client, channel):
    response = client.get(url(channel))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_expired_channel_is_refused(client, channel):
    from django.utils import timezone

    type(channel).objects.filter(pk=channel.pk).update(
        expires_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    assert client.get(url(channel)).status_code == 404


def test_rate_limited_resend_is_explained(client, channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(channel), {**fields(), "step": "send_code"})
        response = client.post(url(channel), {**fields(), "step": "send_code"})
    assert "Please wait" in response.content.decode()
    assert len(LocmemBackend.outbox) == 1


def test_the_pages_say_the_review_length_the_settings_give(client, settings):
    settings.GONGHUI_JOIN_REVIEW_WORKING_DAYS = 10
    from django.template.loader import render_to_string

    html = render_to_string("portal/join_done.html", {"done": {"phone": "138****0000"}})
    assert "within 10 working days" in html and "15" not in html
