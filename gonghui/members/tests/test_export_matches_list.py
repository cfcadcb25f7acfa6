"""The member export has exactly the rows of the member list it was started from: the same
search (an ID number or a mobile by blind index, a name, pinyin or initials, a card number)
and the same filters. It once wrote its own ``q`` filter: searching an ID number showed one
row and exported none (issue #12)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gonghui.members import actions
from gonghui.members.models import Membership
from gonghui.members.roster import EXPORT_FILTERS, EXPORT_SEARCH_AND_OWN_FILTERS
from gonghui.members.tests.test_search import make_id, make_phone, member

pytestmark = pytest.mark.django_db

LIST = "console:members_membership_changelist"
EXPORT = "console:members_export"
CARD_COLUMN = 10  # 会员卡号 in roster.EXPORT_HEADERS


@pytest.fixture
def roster(tree):
    today = timezone.localdate()
    people = {
        "lisi": member(tree, 2, "李四", joined_on=today - timedelta(days=400)),
        "zhangsan": member(tree, 1, "张三"),
        "wangwu": member(
            tree, 3, "王五", employment_form="food_delivery", is_migrant=True, org=tree.township
        ),
        "zhangsanfeng": member(tree, 4, "张三丰"),
        "elsewhere": member(tree, 5, "李四", org=tree.jb_grassroots, actor=tree.jiangbei_admin),
    }
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=people["zhangsanfeng"], transition="withdraw", reason="x"
    )
    Membership.objects.filter(pk=people["zhangsan"].pk).update(lapse_flagged_at=timezone.now())
    return people


def list_cards(client, params) -> set[str]:
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return {m.card_no for m in response.context["cl"].result_list}


def export_cards(client, params) -> set[str]:
    response = client.get(reverse(EXPORT), params)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    return {row[CARD_COLUMN] for row in rows[1:]}


def searches(people) -> dict[str, dict]:
    lisi = people["lisi"]
    return {
        "ID number": {"q": make_id(2)},
        "ID number typed with spaces": {"q": f" {make_id(2)[:6]} {make_id(2)[6:]} "},
        "mobile": {"q": make_phone(2)},
        "mobile with +86": {"q": f"+86{make_phone(2)}"},
        "name": {"q": "李四"},
        "part of a name": {"q": "张三"},
        "pinyin": {"q": "lisi"},
        "initials": {"q": "zs"},
        "card number": {"q": lisi.card_no},
        "state": {"state__exact": "withdrawn"},
        "employment form": {"employment_form__exact": "food_delivery"},
        "migrant worker": {"is_migrant__exact": "1"},
        "subtree": {"subtree": str(people["lisi"].org_id)},
        "lapsing": {"lapsing": "only"},
        "joined from": {"joined_on_from": str(timezone.localdate() - timedelta(days=10))},
        "joined until": {"joined_on_to": str(timezone.localdate() - timedelta(days=10))},
        "search and filter": {"q": "张三", "state__exact": "active"},
    }


@pytest.mark.parametrize(
    "case",
    [
        "ID number",
        "ID number typed with spaces",
        "mobile",
        "mobile with +86",
        "name",
        "part of a name",
        "pinyin",
        "initials",
        "card number",
        "state",
        "employment form",
        "migrant worker",
        "subtree",
        "lapsing",
        "joined from",
        "joined until",
        "search and filter",
    ],
)
def test_the_export_has_the_rows_of_the_list(client, tree, roster, case):
    client.force_login(tree.yubei_admin)
    params = searches(roster)[case]
    shown = list_cards(client, params)
    assert shown, "the list shows someone, so the comparison means something"
    assert export_cards(client, params) == shown
    # Never a member outside the exporter's scope, whatever the search.
    assert roster["elsewhere"].card_no not in shown


def test_an_id_search_shows_and_exports_one_member(client, tree, roster):
    client.force_login(tree.yubei_admin)
    expected = {roster["lisi"].card_no}
    assert list_cards(client, {"q": make_id(2)}) == expected
    assert export_cards(client, {"q": make_id(2)}) == expected
    assert export_cards(client, {"q": make_phone(2)}) == expected


def test_every_filter_of_the_list_is_honoured_by_the_export(client, tree, roster):
    """A filter added to the member list without the export knowing it fails here."""
    client.force_login(tree.yubei_admin)
    cl = client.get(reverse(LIST)).context["cl"]
    parameters = {p for spec in cl.filter_specs for p in spec.expected_parameters()}
    parameters.add("q")  # the search box
    honoured = set(EXPORT_FILTERS) | set(EXPORT_SEARCH_AND_OWN_FILTERS)
    # Django's boolean/choice filters also accept __isnull, which these fields never are.
    parameters = {p for p in parameters if not p.endswith("__isnull")}
    assert parameters - honoured == set()
