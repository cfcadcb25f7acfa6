"""Console: verifying a scanned e-card and printing join posters (QR codes)."""

import io

import pytest
import segno  # noqa: F401 - the QR library the posters use

from gonghui.members import actions
from gonghui.members.testing import MembershipFactory, PersonFactory
from gonghui.members.tokens import card_token
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import MemberFactory, staff_with_role

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


@pytest.fixture
def membership(tree):
    return MembershipFactory(
        org=tree.grassroots,
        person=PersonFactory(org=tree.grassroots, name="张三丰", id_number=ID, phone="13912345678"),
    )


def verify(client, user, code):
    client.force_login(user)
    return client.post("/console/verify/", {"code": code})


def test_valid_card_in_scope_shows_masked_details(client, tree, membership):
    response = verify(client, tree.yubei_admin, card_token(membership))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-valid="1"' in html and "Valid membership card." in html
    assert 'id="verify-name">张**<' in html
    assert "张三丰" not in html
    assert "渝北测试公司工会" in html
    assert membership.card_no in html
    event = AuditEvent.objects.get(action="members.verify_card")
    assert event.details["valid"] is True
    assert event.object_id == str(membership.pk)


def test_forged_code_is_invalid(client, tree, membership):
    token = card_token(membership)
    response = verify(client, tree.yubei_admin, token[:-3] + "abc")
    html = response.content.decode()
    assert 'data-valid="0"' in html and "not a genuine membership card" in html
    assert 'id="verify-name"' not in html
    assert AuditEvent.objects.get(action="members.verify_card").details["valid"] is False


def test_withdrawn_card_is_invalid(client, tree, membership):
    token = card_token(membership)
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=membership, transition="withdraw", reason="本人申请"
    )
    html = verify(client, tree.yubei_admin, token).content.decode()
    assert 'data-valid="0"' in html and "This membership has ended." in html
    assert "Withdrawn" in html  # in scope: the state is shown


def test_outsider_sees_only_the_masked_name_and_the_union(client, tree, membership):
    response = verify(client, tree.jiangbei_admin, card_token(membership))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-valid="1"' in html
    assert 'id="verify-name">张**<' in html and "渝北测试公司工会" in html
    assert membership.card_no not in html
    assert 'id="verify-state"' not in html and 'id="verify-outside"' in html


def test_verify_needs_a_console_user_with_view_membership(client, tree, membership):
    assert client.get("/console/verify/").status_code == 302  # anonymous → console login
    client.force_login(MemberFactory())
    response = client.get("/console/verify/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    auditor = staff_with_role(tree.city, "audit_admin")
    client.force_login(auditor)
    assert client.get("/console/verify/").status_code == 403
    client.force_login(tree.yubei_admin)
    assert client.get("/console/verify/").status_code == 200


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


def test_poster_for_an_insider(client, tree, channel):
    client.force_login(tree.yubei_admin)
    response = client.get(f"/console/members/joinchannel/{channel.pk}/poster/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "渝北测试公司工会" in html and "<svg" in html
    assert f"http://testserver/j/{channel.token}" in html
    assert "@media print" in html and "A4" in html


def test_qr_downloads(client, tree, channel):
    client.force_login(tree.yubei_admin)
    png = client.get(f"/console/members/joinchannel/{channel.pk}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"].startswith("attachment;")
    svg = client.get(f"/console/members/joinchannel/{channel.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert client.get(f"/console/members/joinchannel/{channel.pk}/qr.gif").status_code == 404


def test_qr_encodes_the_join_url(client, tree, channel):
    from gonghui.members.posters import qr_file

    content, _ = qr_file(f"http://testserver/j/{channel.token}", "svg")
    client.force_login(tree.yubei_admin)
    svg = client.get(f"/console/members/joinchannel/{channel.pk}/qr.svg")
    assert svg.content == content
    assert io.BytesIO(svg.content).read(5) == b"<?xml"


def test_poster_and_qr_are_404_for_an_outsider(client, tree, channel):
    client.force_login(tree.jiangbei_admin)
    for path in ("poster/", "qr.png", "qr.svg"):
        response = client.get(f"/console/members/joinchannel/{channel.pk}/{path}")
        assert response.status_code == 404, path
    assert b"\xe6\xb8\x9d\xe5\x8c\x97" not in response.content  # "渝北" nowhere
    client.force_login(tree.yubei_admin)
    assert client.get("/console/members/joinchannel/999999/poster/").status_code == 404
