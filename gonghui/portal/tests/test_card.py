"""The member's side of the portal: home (membership, applications, transfers) and e-card."""

import html as htmllib
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.choices import (
    JoinRequestState,
    MembershipSource,
    MembershipState,
    TransferState,
)
from gonghui.members.models import Membership, Person, Transfer
from gonghui.members.testing import JoinRequestFactory, MembershipFactory, PersonFactory
from gonghui.members.tokens import verify_card
from gonghui.orgs.choices import OrgKind
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import MemberFactory, make_org
from gonghui.platform.testing.workflow import rendered_transitions

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
ID = "11010519491231002X"


def make_member(tree, phone=PHONE, org=None):
    """张三, a current member with a card number and no account yet, and the approved join
    application that made her one (test set-up)."""
    org = org or tree.grassroots
    person = PersonFactory(org=org, name="张三", id_number=ID, phone=phone)
    membership = MembershipFactory(org=org, person=person, source=MembershipSource.QR)
    JoinRequestFactory(
        org=org,
        name=person.name,
        id_number=ID,
        phone=phone,
        employer_name=membership.employer_name,
        state=JoinRequestState.APPROVED,
        decided_at=timezone.now(),
        decided_by=tree.yubei_admin,
        membership=membership,
    )
    return membership


@pytest.fixture
def member_client(client):
    def _login(phone=PHONE):
        user = MemberFactory(phone=phone)
        client.force_login(user)
        return user

    return _login


def card_token_of(response) -> str:
    match = re.search(r'data-card-token="([^"]+)"', response.content.decode())
    return htmllib.unescape(match.group(1))


def test_card_shows_a_qr_whose_code_verifies(client, tree, member_client):
    membership = make_member(tree)
    member_client()
    response = client.get("/m/card/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "<svg" in html and 'class="qr"' in html
    assert membership.card_no in html
    assert "渝北测试公司工会" in html and "张三" in html
    check = verify_card(card_token_of(response))
    assert check.valid and check.membership == membership


def test_card_links_the_account_by_phone_once_and_audits_it(client, tree, member_client):
    membership = make_member(tree)
    user = member_client()
    assert Person.objects.get().user is None  # approved before the account existed
    client.get("/m/card/")
    assert Person.objects.get().user == user
    events = AuditEvent.objects.filter(action="members.link_account")
    assert events.count() == 1
    client.get("/m/")
    assert events.count() == 1
    assert membership.person.pk == Person.objects.get(user=user).pk


def test_card_code_renews_on_each_visit(client, tree, member_client):
    make_member(tree)
    member_client()
    first = card_token_of(client.get("/m/card/"))
    later = timezone.now() + timedelta(seconds=5)
    with mock.patch("gonghui.members.tokens.timezone.now", return_value=later):
        second = card_token_of(client.get("/m/card/"))
    assert first != second
    assert verify_card(second).valid


def test_no_membership_explains_how_to_join(client, tree, member_client):
    member_client()
    response = client.get("/m/card/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-card"' in html and "scan the QR code" in html
    assert "data-card-token" not in html


def test_another_member_cannot_see_my_card(client, tree, member_client):
    make_member(tree)
    member_client(phone="13700000001")
    html = client.get("/m/card/").content.decode()
    assert "data-card-token" not in html and "张三" not in html


def test_card_needs_login(client):
    response = client.get("/m/card/")
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")


def test_home_shows_membership_and_applications(client, tree, member_client):
    make_member(tree)
    member_client()
    html = client.get("/m/").content.decode()
    assert 'id="my-union">渝北测试公司工会<' in html
    assert 'id="my-status">Active<' in html
    assert "/m/card/" in html
    assert 'id="my-applications"' in html and "Approved" in html
    assert 'id="my-phone">139****5678<' in html


def test_home_shows_a_pending_application_before_any_person_exists(client, tree, member_client):
    actions.submit_join_request(
        actor=None,
        org=tree.grassroots,
        name="张三",
        id_number=ID,
        phone=PHONE,
        employer_name="某某公司",
        employment_form="standard",
    )
    member_client()
    html = client.get("/m/").content.decode()
    assert 'id="no-membership"' in html
    assert "Pending review" in html and "渝北测试公司工会" in html


def test_transfer_search_request_and_cancel(client, tree, member_client):
    membership = make_member(tree)
    member_client()
    pool = make_org(tree.jiangbei, OrgKind.HOLDING_POOL, name="江北区周转库")
    html = client.get("/m/", {"q": "江北"}).content.decode()
    assert "江北测试公司工会" in html and "江北区周转库" in html
    assert "江北区总工会<" not in html  # a federation is not a transfer target here

    response = client.post(
        "/m/transfer/", {"to_org": tree.jb_grassroots.pk, "employer_name": "江北新公司"}
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.to_org == tree.jb_grassroots and transfer.initiated_by == "member"
    assert transfer.state == TransferState.PENDING_RECEIVER
    assert Membership.objects.get(pk=membership.pk).state == MembershipState.TRANSFERRING
    html = client.get("/m/").content.decode()
    assert "Waiting for the receiving union" in html
    assert rendered_transitions(html) == {"cancel": True}  # the declared portal face
    assert "transfer request to 江北测试公司工会 was sent" in html

    response = client.post(f"/m/transfer/{transfer.pk}/cancel/")
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.state == TransferState.CANCELLED
    assert Membership.objects.get(pk=membership.pk).state == MembershipState.ACTIVE
    assert pool  # unused target stays available
    assert "The transfer request was withdrawn." in client.get("/m/").content.decode()


def test_transfer_search_finds_a_union_by_its_short_name_or_number(client, tree, member_client):
    """A worker knows her new union as people call it (its short name) or by the number on a
    poster, not only by its full registered name."""
    make_member(tree)
    member_client()
    target = make_org(tree.jiangbei, OrgKind.GRASSROOTS, name="重庆两江新区某物流有限公司工会")
    target.short_name = "两江物流工会"
    target.save(update_fields=["short_name"])
    assert "重庆两江新区某物流有限公司工会" in client.get("/m/", {"q": "两江物流"}).content.decode()
    by_number = client.get("/m/", {"q": str(target.pk)}).content.decode()
    assert f'value="{target.pk}"' in by_number


def test_transfer_to_the_same_union_is_refused_with_a_message(client, tree, member_client):
    make_member(tree)
    member_client()
    client.post("/m/transfer/", {"to_org": tree.grassroots.pk})
    assert not Transfer.objects.exists()
    assert "already belongs to this union" in client.get("/m/").content.decode()


def test_cannot_cancel_someone_elses_transfer(client, tree, member_client):
    membership = make_member(tree)
    transfer = actions.request_transfer(
        actor=tree.yubei_admin,
        membership=membership,
        to_org=tree.jb_grassroots,
        initiated_by="sender",
    )
    member_client(phone="13700000001")
    assert client.post(f"/m/transfer/{transfer.pk}/cancel/").status_code == 404
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PENDING_RECEIVER


def test_member_without_membership_cannot_request_a_transfer(client, tree, member_client):
    member_client()
    assert client.post("/m/transfer/", {"to_org": tree.jb_grassroots.pk}).status_code == 404
