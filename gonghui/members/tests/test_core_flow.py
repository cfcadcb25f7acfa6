"""The core member flows: join, approve, constraint, transfer, card."""

import pytest
from django.db import IntegrityError, transaction

from gonghui.members import actions
from gonghui.members.choices import MembershipState, TransferState
from gonghui.members.models import Membership, Person
from gonghui.members.tokens import card_token, channel_for_token, join_token, verify_card
from gonghui.orgs.choices import OrgKind
from gonghui.platform.testing.factories import make_org
from gonghui.platform.workflow.base import ActionError, OutOfScope

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def join(tree, org=None, **kw):
    data = {
        "org": org or tree.grassroots,
        "name": "张三",
        "id_number": ID,
        "phone": "13800138000",
        "employer_name": "某某公司",
        "employment_form": "standard",
    }
    data.update(kw)
    return actions.submit_join_request(actor=None, **data)


def test_join_approve_makes_one_member_with_card(tree):
    request = join(tree)
    membership = actions.approve_join_request(actor=tree.yubei_admin, request=request)
    assert membership.state == MembershipState.ACTIVE
    assert membership.card_no and membership.person.gender == "F"
    assert membership.person.name_pinyin == "zhangsan"
    assert Person.objects.count() == 1
    check = verify_card(card_token(membership))
    assert check.valid and check.membership == membership


def test_existing_member_waits_for_review_and_db_refuses_second_current(tree):
    membership = actions.approve_join_request(actor=tree.yubei_admin, request=join(tree))
    # The join answers as for anyone (issue #11); the receiving union cannot approve it and
    # is not told where she is a member (that union is outside its scope).
    again = join(tree, org=tree.jb_grassroots, phone="13900139000")
    with pytest.raises(ActionError) as err:
        actions.approve_join_request(actor=tree.jiangbei_admin, request=again)
    assert err.value.code == "already_member"
    assert tree.grassroots.name not in " ".join(err.value.messages)
    # From the phone on file she is told on the spot (she may know where she is a member).
    with pytest.raises(ActionError) as err:
        join(tree, org=tree.jb_grassroots)
    assert err.value.code == "already_member"
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=membership.person,
            org=tree.jb_grassroots,
            source="manual",
            joined_on=membership.joined_on,
        )


def test_outsider_cannot_approve(tree):
    request = join(tree)
    with pytest.raises(OutOfScope):
        actions.approve_join_request(actor=tree.jiangbei_admin, request=request)


def test_transfer_between_districts(tree):
    membership = actions.approve_join_request(actor=tree.yubei_admin, request=join(tree))
    transfer = actions.request_transfer(
        actor=tree.yubei_admin,
        membership=membership,
        to_org=tree.jb_grassroots,
        initiated_by="sender",
    )
    assert Membership.objects.get(pk=membership.pk).state == MembershipState.TRANSFERRING
    with pytest.raises(OutOfScope):
        actions.approve_transfer(actor=tree.yubei_admin, transfer=transfer)
    new = actions.approve_transfer(actor=tree.jiangbei_admin, transfer=transfer)
    assert new.org == tree.jb_grassroots and new.state == MembershipState.ACTIVE
    assert Membership.objects.get(pk=membership.pk).state == MembershipState.TRANSFERRED
    transfer.refresh_from_db()
    assert transfer.state == TransferState.APPROVED
    assert Person.objects.get().org == tree.jb_grassroots
    assert not verify_card(card_token(Membership.objects.get(pk=membership.pk))).valid


def test_withdrawn_card_does_not_verify(tree):
    membership = actions.approve_join_request(actor=tree.yubei_admin, request=join(tree))
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=membership, transition="withdraw", reason="本人申请"
    )
    assert not verify_card(card_token(membership)).valid


def test_channel_tokens_are_signed_and_revocable(tree):
    pool = make_org(tree.yubei, OrgKind.HOLDING_POOL, name="渝北区周转库")
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=pool, label="海报")
    token = join_token(channel)
    assert channel_for_token(token) == channel
    assert channel_for_token(token[:-2] + "xx") is None
    actions.revoke_join_channel(actor=tree.yubei_admin, channel=channel)
    assert channel_for_token(token) is None


def test_lapse_flagging_flags_only_quiet_members_without_dues(tree):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    quiet = actions.approve_join_request(actor=tree.yubei_admin, request=join(tree))
    old = timezone.localdate() - timedelta(days=400)
    Membership.objects.filter(pk=quiet.pk).update(joined_on=old)
    busy = actions.approve_join_request(
        actor=tree.yubei_admin,
        request=join(tree, name="李四", id_number="440524188001010014", phone="13912345678"),
    )
    Membership.objects.filter(pk=busy.pk).update(
        joined_on=old, last_activity_on=timezone.localdate() - timedelta(days=10)
    )
    out = StringIO()
    call_command("flag_lapsing_members", stdout=out)
    assert "1 memberships flagged" in out.getvalue()
    assert Membership.objects.get(pk=quiet.pk).lapse_flagged_at is not None
    assert Membership.objects.get(pk=busy.pk).lapse_flagged_at is None
    assert Membership.objects.get(pk=quiet.pk).state == MembershipState.ACTIVE
