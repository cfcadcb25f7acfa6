"""The e-card's QR opens a short URL a staff phone camera can use (/v/<token>); a scanner gun
still verifies it at /console/verify/; posters encode a short URL too (issue #14)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.testing import MembershipFactory, PersonFactory
from gonghui.members.tokens import card_token, long_card_token, verify_card
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import TEST_PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
PHONE = "13912345678"


@pytest.fixture
def membership(tree):
    return MembershipFactory(
        org=tree.grassroots,
        person=PersonFactory(org=tree.grassroots, name="张三丰", id_number=ID, phone=PHONE),
    )


def card_url_on_the_card(client, membership) -> str:
    """Open the worker's card page and read the URL its QR encodes (segno puts it nowhere
    readable, so the page's data attribute gives the token and the host is the test's)."""
    user = MemberFactory(phone=PHONE)
    membership.person.user = user
    membership.person.save(update_fields=["user"])
    client.force_login(user)
    html = client.get("/m/card/").content.decode()
    client.logout()
    token = re.search(r'data-card-token="([^"]+)"', html).group(1)
    return f"http://testserver/v/{token}"


def test_the_card_qr_holds_a_short_url(client, membership):
    url = card_url_on_the_card(client, membership)
    assert len(url) < 60
    assert verify_card(url).valid
    assert verify_card(url.removeprefix("http://testserver")).membership == membership


def test_staff_phone_logs_in_and_lands_on_a_valid_member(client, tree, membership, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    path = card_url_on_the_card(client, membership).removeprefix("http://testserver")
    response = client.get(path)
    assert response.status_code == 302
    target = response["Location"]
    assert target.startswith("/console/verify/")
    response = client.get(target)
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    login = client.post(
        response["Location"],
        {"username": tree.yubei_admin.username, "password": TEST_PASSWORD},
    )
    assert login.status_code == 302 and login["Location"] == target
    html = client.get(target).content.decode()
    assert "有效会员" in html
    assert 'id="verify-name">张**<' in html and "张三丰" not in html
    assert membership.card_no in html
    assert 'id="verify-form"' not in html  # no scanner field popping the phone's keyboard
    event = AuditEvent.objects.get(action="members.verify_card")
    assert event.details == {"valid": True, "via": "link"}


def test_staff_of_another_district_is_refused(client, tree, membership):
    token = card_token(membership)
    client.force_login(tree.jiangbei_admin)
    response = client.get(f"/console/verify/{token}/")
    assert response.status_code == 404
    assert "张**" not in response.content.decode()


def test_a_worker_opening_the_link_is_sent_to_the_console_login(client, membership):
    client.force_login(MemberFactory())
    response = client.get(f"/console/verify/{card_token(membership)}/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_expired_or_altered_codes_are_not_valid(client, tree, membership):
    client.force_login(tree.yubei_admin)
    old = card_token(membership, now=timezone.now() - timedelta(days=31))
    html = client.get(f"/console/verify/{old}/").content.decode()
    assert 'data-valid="0"' in html and "expired" in html
    token = card_token(membership)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    html = client.get(f"/console/verify/{forged}/").content.decode()
    assert 'data-valid="0"' in html and "not a genuine" in html
    other = MembershipFactory(org=tree.grassroots)
    swapped = "-".join([card_token(other).split("-")[0], *token.split("-")[1:]])
    assert not verify_card(swapped).valid


def test_a_scanner_gun_typing_the_url_still_verifies(client, tree, membership):
    url = f"https://gonghui.example/v/{card_token(membership)}"
    client.force_login(tree.yubei_admin)
    html = client.post("/console/verify/", {"code": url + "\n"}).content.decode()
    assert 'data-valid="1"' in html and membership.card_no in html
    # and a code of the older, long form issued before the change
    html = client.post("/console/verify/", {"code": long_card_token(membership)}).content.decode()
    assert 'data-valid="1"' in html


def test_an_ended_membership_reads_not_valid_on_the_phone(client, tree, membership):
    token = card_token(membership)
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=membership, transition="withdraw", reason="本人申请"
    )
    client.force_login(tree.yubei_admin)
    html = client.get(f"/console/verify/{token}/").content.decode()
    assert 'data-valid="0"' in html and "This membership has ended." in html


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


def test_poster_encodes_a_short_url_that_opens_the_join_form(client, tree, channel):
    client.force_login(tree.yubei_admin)
    html = client.get(f"/console/members/joinchannel/{channel.pk}/poster/").content.decode()
    url = f"http://testserver/j/{channel.token}"
    assert url in html and len(url) < 60
    client.logout()
    response = client.get(f"/j/{channel.token}")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "渝北测试公司工会" in page.content.decode()
    assert client.get("/j/not-a-channel").status_code == 404


def test_a_revoked_poster_link_says_so(client, tree, channel):
    actions.revoke_join_channel(actor=tree.yubei_admin, channel=channel)
    response = client.get(f"/j/{channel.token}", follow=True)
    assert response.status_code == 404
