"""Short names in lists are whole words, and a holding pool says which district it is
(issue #14: "重庆弹子石村镇银行股份有工会"; all 41 holding pools read "周转库")."""

from __future__ import annotations

import pytest

from gonghui.accounts.testing import verified_client
from gonghui.members.testing import make_member
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.naming import short_union_name
from gonghui.orgs.testing import OrgFactory
from gonghui.platform.testing.factories import staff_with_role


def test_a_short_name_drops_the_legal_form_instead_of_cutting_a_word():
    assert short_union_name("重庆弹子石村镇银行股份有限公司") == "重庆弹子石村镇银行工会"
    assert short_union_name("重庆两江智造汽车零部件有限公司") == "重庆两江智造汽车零部件工会"
    # a branch keeps its own name after the company's
    assert short_union_name("重庆鲜达即时配送服务有限公司沙坪坝站点") == (
        "重庆鲜达即时配送服务沙坪坝站点工会"
    )


def test_a_name_without_a_legal_form_stays_whole():
    assert short_union_name("重庆市渝北区回兴社区卫生服务中心") == (
        "重庆市渝北区回兴社区卫生服务中心工会"
    )
    # too long for the field: no short name, the list shows the full name
    assert short_union_name("长" * 59) == ""


@pytest.mark.django_db
def test_the_demo_unions_short_names_are_whole_words_and_pools_name_their_district():
    from gonghui.demo.seed import seed_demo
    from gonghui.orgs.models import Org

    seed_demo(members_per_union=1)
    bank = Org.objects.get(name="重庆弹子石村镇银行股份有限公司工会委员会")
    assert bank.display_name == "重庆弹子石村镇银行工会"
    for org in Org.objects.filter(kind=OrgKind.GRASSROOTS):
        assert "股份有工" not in org.display_name and "有限工" not in org.display_name, org.name
    pools = list(Org.objects.filter(kind=OrgKind.HOLDING_POOL))
    assert len(pools) > 1
    assert len({p.display_name for p in pools}) == len(pools)
    for pool in pools:
        parent = Org.objects.get(path=pool.path[:-4])
        assert pool.display_name.startswith(parent.short_name or parent.name), pool.display_name


@pytest.mark.django_db
def test_the_member_list_names_a_pools_district_even_where_its_short_name_does_not(client):
    district = OrgFactory(name="重庆市渝北区总工会", short_name="渝北区")
    # a pool as older databases hold it: short name 周转库 alone
    pool = OrgFactory(
        parent=district, kind=OrgKind.HOLDING_POOL, name="渝北区周转库", short_name="周转库"
    )
    make_member(pool)
    client = verified_client(staff_with_role(district, "org_admin"), client)
    html = client.get("/console/members/membership/").content.decode()
    assert 'title="渝北区周转库">渝北区周转库</span>' in html
    assert ">周转库<" not in html
