"""The demo data: real Chongqing divisions, valid codes, idempotent, logins that work."""

import csv
import io

import pytest
from django.core.management import call_command

from gonghui.accounts.models import User
from gonghui.demo.seed import DATA, DEMO_MEMBER_PHONE, DEMO_PASSWORD, seed_demo
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.chain import verify_chain
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators import check_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return seed_demo(members_per_union=4)


def test_tree_has_every_chongqing_district_with_gbt2260_codes(demo):
    with open(DATA / "chongqing_districts.csv", encoding="utf-8") as handle:
        expected = {row["code"]: row["name"] for row in csv.DictReader(handle)}
    assert len(expected) == 38
    districts = Org.objects.filter(kind=OrgKind.DISTRICT_FEDERATION)
    by_code = {o.region_code: o.name for o in districts if o.region_code}
    assert by_code == {code: f"{name}总工会" for code, name in expected.items()}
    assert by_code["500112"] == "渝北区总工会"
    zones = {o.name for o in districts if not o.region_code}
    assert zones == {"两江新区总工会", "重庆高新区总工会", "万盛经开区总工会"}
    # a holding pool under every district-level federation
    for district in districts:
        assert (
            Org.objects.filter(
                path__startswith=district.path, depth=district.depth + 1, kind=OrgKind.HOLDING_POOL
            ).count()
            == 1
        )


def test_industry_unions_federations_townships_and_grassroots(demo):
    root = Org.objects.get(depth=1)
    assert root.name == "重庆市总工会"
    industry = Org.objects.filter(kind=OrgKind.INDUSTRY_UNION, depth=2)
    assert industry.count() >= 9
    feds = set(Org.objects.filter(kind=OrgKind.UNION_FEDERATION).values_list("name", flat=True))
    assert {"重庆市快递行业工会联合会", "重庆市外卖配送行业工会联合会"} <= feds
    assert Org.objects.filter(kind=OrgKind.TOWNSHIP_FEDERATION).count() >= 10
    assert Org.objects.filter(kind=OrgKind.GRASSROOTS).count() >= 40
    # grassroots unions sit under federations, never under another grassroots union
    for org in Org.objects.filter(kind=OrgKind.GRASSROOTS):
        parent = Org.objects.get_parent(org)
        assert parent.kind != OrgKind.GRASSROOTS


def test_every_code_is_valid_and_unique(demo):
    codes = list(Employer.objects.values_list("uscc", flat=True))
    codes += [c for c in Org.objects.values_list("uscc", flat=True) if c]
    assert len(codes) == len(set(codes))
    for code in codes:
        result = check_uscc(code)
        assert result.checksum_ok and result.org_code_ok, code
    # some employers have no union yet: the federation responsible for them holds them
    assert Employer.objects.exclude(org__kind=OrgKind.GRASSROOTS).exists()


def test_loading_twice_changes_nothing(demo):
    counts = (
        Org.objects.count(),
        Employer.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        AuditEvent.objects.count(),
    )
    again = seed_demo(members_per_union=4)
    assert again.created_orgs == 0 and again.created_employers == 0
    assert (
        Org.objects.count(),
        Employer.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_demo_accounts_and_their_scopes(demo, client):
    yubei = User.objects.get(username="yubei_admin")
    names = set(restrict(Org, yubei).values_list("name", flat=True))
    assert "渝北区总工会" in names and "江北区总工会" not in names and "重庆市总工会" not in names
    assert all(n for n in names)
    for account in demo.accounts:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
    # officers are separate people and see no business data
    for officer in ("sysadmin", "secadmin", "auditor"):
        assert not restrict(Org, User.objects.get(username=officer)).exists()
    member = User.objects.get(kind="member", phone_index=index_for("phone", DEMO_MEMBER_PHONE))
    assert member.phone == "13800138000"
    assert client.login(username="yubei_admin", password=DEMO_PASSWORD)


def test_members_cover_every_state_with_pending_work(demo):
    from gonghui.members.choices import MembershipState
    from gonghui.members.models import JoinRequest, Membership, Transfer

    states = set(Membership.objects.values_list("state", flat=True))
    assert {
        MembershipState.ACTIVE,
        MembershipState.RETAINED,
        MembershipState.WITHDRAWN,
        MembershipState.LAPSED,
        MembershipState.TRANSFERRING,
    } <= states
    assert JoinRequest.objects.filter(state="pending").count() >= 3
    assert Transfer.objects.filter(state="pending_receiver").exists()
    demo_member = User.objects.get(phone_index=index_for("phone", DEMO_MEMBER_PHONE), kind="member")
    assert demo_member.person.current_membership() is not None


def test_every_write_of_the_seed_is_audited_and_chained(demo):
    assert AuditEvent.objects.filter(action="orgs.create_org").count() == Org.objects.count() - 1
    assert AuditEvent.objects.filter(action="orgs.register_employer").count() == (
        Employer.objects.count()
    )
    checked, broken, _ = verify_chain(AuditEvent.objects.all())
    assert broken is None and checked == AuditEvent.objects.count()


def test_load_demo_command_prints_logins(monkeypatch):
    from gonghui.demo import seed

    real = seed.seed_demo
    monkeypatch.setattr(
        "gonghui.demo.management.commands.load_demo.seed_demo",
        lambda: real(members_per_union=2),
    )
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for username in (
        "city_admin",
        "yubei_admin",
        "industry_admin",
        "grassroots_admin",
        "secadmin",
        "13800138000",
        DEMO_PASSWORD,
    ):
        assert username in text


def test_cockpit_summaries_match_the_demo_records(demo):
    from gonghui.cockpit import summaries

    assert summaries.check() == []
