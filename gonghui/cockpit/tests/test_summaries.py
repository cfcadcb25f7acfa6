"""The cockpit summary rows stay equal to the records through every write path, and the
scoped reads answer from them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gonghui.cockpit import queries, summaries
from gonghui.cockpit.models import OrgMonthStat
from gonghui.members import actions
from gonghui.members.choices import MembershipState
from gonghui.members.models import Membership
from gonghui.members.roster import COLUMNS, import_roster
from gonghui.orgs import actions as org_actions
from gonghui.orgs.choices import OrgKind
from gonghui.platform.testing.factories import UserFactory, make_org, staff_with_role
from gonghui.platform.validators import id_check_char

pytestmark = pytest.mark.django_db
HEADER = [c.title for c in COLUMNS]


def id_number(serial: int, born: str = "19900101") -> str:
    body = f"500112{born}{serial:03d}"
    return body + id_check_char(body)


def register(tree, serial, org=None, **kw):
    return actions.register_member(
        actor=tree.city_admin,
        org=org or tree.grassroots,
        name="张三",
        id_number=id_number(serial),
        phone=f"138{serial:08d}",
        employer_name="某某公司",
        **kw,
    )


def assert_in_step():
    assert summaries.check() == []


def stat(org, month=None):
    rows = OrgMonthStat.objects.filter(org=org)
    if month:
        rows = rows.filter(month=month)
    return {
        c: sum(getattr(r, c) for r in rows)
        for c in (
            "members_joined",
            "members_current",
            "members_new_form",
            "members_migrant",
            "members_ended",
            "unions_founded",
        )
    }


def test_joins_count_in_the_org_and_every_ancestor(tree):
    register(tree, 1, joined_on=date(2024, 3, 5), employment_form="food_delivery")
    register(tree, 2, joined_on=date(2024, 3, 20), is_migrant=True)
    register(tree, 3, org=tree.jb_grassroots, joined_on=date(2025, 1, 1))
    assert_in_step()
    march = date(2024, 3, 1)
    for org in (tree.grassroots, tree.township, tree.yubei, tree.city):
        got = stat(org, march)
        assert got["members_joined"] == 2 and got["members_current"] == 2
        assert got["members_new_form"] == 1 and got["members_migrant"] == 1
    assert stat(tree.jiangbei)["members_current"] == 1
    assert stat(tree.city)["members_current"] == 3
    assert not OrgMonthStat.objects.filter(org=tree.industry).exists()


def test_join_request_approval_and_state_changes(tree):
    request = actions.submit_join_request(
        actor=None,
        org=tree.grassroots,
        name="李四",
        id_number=id_number(5),
        phone="13900000005",
        employer_name="平台",
        employment_form="courier",
    )
    assert_in_step()  # a request is not a member yet
    membership = actions.approve_join_request(actor=tree.yubei_admin, request=request)
    assert stat(tree.yubei)["members_new_form"] == 1
    for transition in ("retain", "withdraw"):
        actions.change_membership_state(
            actor=tree.yubei_admin, membership=membership, transition=transition, reason="x"
        )
        assert_in_step()
    membership.refresh_from_db()
    assert membership.state == MembershipState.WITHDRAWN
    got = stat(tree.yubei)
    assert got["members_joined"] == 1 and got["members_current"] == 0
    assert got["members_ended"] == 1 and got["members_new_form"] == 0
    lapsing = register(tree, 6)
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=lapsing, transition="lapse", reason="欠缴会费"
    )
    assert_in_step()
    assert stat(tree.yubei)["members_current"] == 0
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=lapsing, transition="reinstate"
    )
    assert_in_step()
    assert stat(tree.yubei)["members_current"] == 1 and stat(tree.yubei)["members_ended"] == 1


def test_transfer_moves_the_count_between_districts(tree):
    membership = register(tree, 7)
    transfer = actions.request_transfer(
        actor=tree.yubei_admin,
        membership=membership,
        to_org=tree.jb_grassroots,
        initiated_by="sender",
    )
    assert_in_step()
    assert stat(tree.yubei)["members_current"] == 1  # transferring is still current
    actions.approve_transfer(actor=tree.jiangbei_admin, transfer=transfer)
    assert_in_step()
    assert stat(tree.yubei)["members_current"] == 0 and stat(tree.yubei)["members_ended"] == 1
    assert stat(tree.jiangbei)["members_current"] == 1
    assert stat(tree.city)["members_current"] == 1 and stat(tree.city)["members_joined"] == 2

    other = register(tree, 8)
    refused = actions.request_transfer(
        actor=tree.yubei_admin, membership=other, to_org=tree.jb_grassroots, initiated_by="sender"
    )
    actions.reject_transfer(actor=tree.jiangbei_admin, transfer=refused, reason="不符合")
    assert_in_step()


def test_orgs_founded_changed_and_moved(tree):
    union = org_actions.create_org(
        actor=tree.city_admin,
        parent=tree.township,
        kind=OrgKind.GRASSROOTS,
        name="新建工会",
        founded_on=date(2024, 6, 1),
    )
    assert_in_step()
    assert stat(tree.city)["unions_founded"] == 1 and stat(tree.yubei)["unions_founded"] == 1
    org_actions.update_org(actor=tree.city_admin, org=union, founded_on=date(2023, 2, 2))
    assert_in_step()
    assert stat(tree.city, date(2023, 2, 1))["unions_founded"] == 1
    register(tree, 9, org=union)
    register(tree, 10, org=tree.grassroots)
    # the township (two unions, two members) moves to 江北
    org_actions.move_org(actor=tree.city_admin, org=tree.township, new_parent=tree.jiangbei)
    assert_in_step()
    assert stat(tree.yubei)["members_current"] == 0 and stat(tree.yubei)["unions_founded"] == 0
    assert stat(tree.jiangbei)["members_current"] == 2
    assert stat(tree.jiangbei)["unions_founded"] == 1
    assert stat(tree.city)["members_current"] == 2


def test_roster_import_counts_new_and_changed_memberships(tree):
    existing = register(tree, 11, joined_on=date(2020, 5, 5))
    rows = [
        [
            f"王{i}",
            id_number(20 + i),
            f"1500000{i:04d}",
            tree.grassroots.pk,
            "某某公司",
            "外卖骑手",
            "是",
            "2024-04-01",
            *[""] * 7,
        ]
        for i in range(30)
    ]
    # the existing member's row changes their form of employment and start date
    rows.append(
        [
            "张三",
            existing.person.id_number,
            existing.person.phone,
            tree.grassroots.pk,
            "某某公司",
            "快递员",
            "",
            "2021-07-07",
            *[""] * 7,
        ]
    )
    stats = import_roster([HEADER, *rows], actor=tree.yubei_admin, org=tree.yubei, batch_size=8)
    assert stats.created == 30 and stats.updated == 1, stats
    assert_in_step()
    april = stat(tree.yubei, date(2024, 4, 1))
    assert april["members_joined"] == 30 and april["members_migrant"] == 30
    assert stat(tree.yubei, date(2020, 5, 1))["members_joined"] == 0
    assert stat(tree.yubei, date(2021, 7, 1))["members_new_form"] == 1


def test_rebuild_and_check_find_and_mend_drift(tree, capsys):
    register(tree, 12)
    call_command("rebuild_summaries", "--check")
    row = OrgMonthStat.objects.filter(org=tree.city).first()
    row.members_current += 5
    row.save()
    Membership.objects.update(employment_form="courier")  # behind the write paths' back
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_summaries", "--check")
    out = capsys.readouterr().out
    assert "members_current" in out and "members_new_form" in out
    call_command("rebuild_summaries")
    call_command("rebuild_summaries", "--check")
    assert stat(tree.city)["members_current"] == 1


def test_queries_answer_within_scope_only(tree):
    register(tree, 13, joined_on=date(2024, 2, 2))
    register(tree, 14, org=tree.jb_grassroots, joined_on=date(2024, 8, 8))
    union = org_actions.create_org(
        actor=tree.city_admin,
        parent=tree.township,
        kind=OrgKind.GRASSROOTS,
        name="今年新建",
        founded_on=date(2024, 9, 9),
    )
    assert queries.members_by_month(tree.city_admin, tree.city) == {"2024-02": 1, "2024-08": 1}
    assert queries.new_members_of_year(tree.city_admin, tree.city, 2024) == 2
    assert queries.new_members_of_year(tree.city_admin, tree.city, 2023) == 0
    assert queries.new_unions_of_year(tree.city_admin, tree.city, 2024) == 1
    assert queries.child_totals(tree.city_admin, tree.city) == {
        tree.yubei.pk: 1,
        tree.jiangbei.pk: 1,
        tree.industry.pk: 0,
    }
    assert queries.totals(tree.yubei_admin, tree.yubei)["current"] == 1
    # out of scope: nothing, the same as an org with no members
    assert queries.members_by_month(tree.yubei_admin, tree.jiangbei) == {}
    assert queries.members_by_month(tree.yubei_admin, tree.city) == {}
    assert queries.totals(tree.jiangbei_admin, tree.yubei)["current"] == 0
    assert queries.child_totals(tree.yubei_admin, tree.city) == {tree.yubei.pk: 1}
    assert queries.new_unions_of_year(tree.jiangbei_admin, union, 2024) == 0
    nobody = UserFactory(username="nobody")
    assert queries.totals(nobody, tree.city)["current"] == 0
    # finance sees the org tree and union counts but no member counts
    finance = staff_with_role(tree.yubei, "finance_officer", username="finance")
    assert queries.members_by_month(finance, tree.yubei) == {}
    assert queries.new_unions_of_year(finance, tree.yubei, 2024) == 1


def test_summaries_equal_live_counts_after_a_bigger_import(tree):
    unions = [make_org(tree.township, OrgKind.GRASSROOTS, name=f"工会{i}") for i in range(5)]
    rows = [
        [
            f"赵{i}",
            id_number(100 + i, born=f"19{70 + i % 20}0{1 + i % 9}1{i % 9}"),
            f"1860000{i:04d}",
            unions[i % 5].pk,
            "某某公司",
            ["标准劳动关系职工", "外卖骑手", "快递员"][i % 3],
            "是" if i % 4 == 0 else "否",
            f"20{18 + i % 7}-{1 + i % 12:02d}-15",
            *[""] * 7,
        ]
        for i in range(600)
    ]
    stats = import_roster([HEADER, *rows], actor=tree.yubei_admin, org=tree.yubei)
    assert stats.created == 600 and stats.errors == 0
    assert_in_step()
    live = Membership.objects.filter(org__path__startswith=tree.yubei.path).count()
    assert queries.totals(tree.yubei_admin, tree.yubei)["current"] == live == 600
