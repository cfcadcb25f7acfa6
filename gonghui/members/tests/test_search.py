"""The one search box of member lists, and the age arithmetic of the join review queue."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.models import Membership, Person
from gonghui.members.search import (
    overdue_join_requests,
    search_memberships,
    search_people,
    submitted_before_for_age,
)
from gonghui.platform.validators.idcard import id_check_char

pytestmark = pytest.mark.django_db


def make_id(n: int, region: str = "500112") -> str:
    """A valid 18-character ID number, different for each ``n``."""
    body = f"{region}{1970 + n % 30}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
    return body + id_check_char(body)


def make_phone(n: int) -> str:
    return f"138{n:08d}"


def member(tree, n: int = 1, name: str = "张三", org=None, actor=None, **kw) -> Membership:
    """Register a member through the action, as staff would."""
    return actions.register_member(
        actor=actor or tree.yubei_admin,
        org=org or tree.grassroots,
        name=name,
        id_number=kw.pop("id_number", make_id(n)),
        phone=kw.pop("phone", make_phone(n)),
        employer_name=kw.pop("employer_name", "某某公司"),
        **kw,
    )


def join_request(tree, n: int = 1, name: str = "李四", org=None, **kw):
    return actions.submit_join_request(
        actor=None,
        org=org or tree.grassroots,
        name=name,
        id_number=kw.pop("id_number", make_id(n)),
        phone=kw.pop("phone", make_phone(n)),
        employer_name=kw.pop("employer_name", "某某外卖平台"),
        employment_form=kw.pop("employment_form", "food_delivery"),
        **kw,
    )


@pytest.fixture
def people(tree):
    return {
        "zhangsan": member(tree, 1, "张三"),
        "lisi": member(tree, 2, "李四"),
        "zhangsanfeng": member(tree, 3, "张三丰"),
    }


def _found(text):
    return set(search_memberships(Membership.objects.all(), text))


def test_empty_text_returns_everything(people):
    assert len(_found("")) == 3
    assert len(_found("   ")) == 3


def test_chinese_name_contains(people):
    assert _found("张三") == {people["zhangsan"], people["zhangsanfeng"]}
    assert _found("三丰") == {people["zhangsanfeng"]}
    assert _found("王五") == set()


def test_pinyin_and_initials(people):
    assert _found("zhang") == {people["zhangsan"], people["zhangsanfeng"]}
    assert _found("ZhangSan") == {people["zhangsan"], people["zhangsanfeng"]}
    assert _found("zsf") == {people["zhangsanfeng"]}
    assert _found("ls") == {people["lisi"]}
    assert _found("sanfeng") == {people["zhangsanfeng"]}  # contains, 3+ letters


def test_exact_id_number_through_the_blind_index(people):
    assert _found(make_id(2)) == {people["lisi"]}
    assert _found(make_id(2).lower()) == {people["lisi"]}
    assert _found(make_id(2)[:10]) == set()  # no partial ID matching
    assert _found(make_id(99)) == set()


def test_exact_phone_through_the_blind_index(people):
    assert _found(make_phone(3)) == {people["zhangsanfeng"]}
    assert _found("138 0000 0003") == {people["zhangsanfeng"]}
    assert _found("+86" + make_phone(3)) == {people["zhangsanfeng"]}
    assert _found(make_phone(3)[:7]) == set()


def test_card_number(people):
    card = people["lisi"].card_no
    assert len(card) == 18
    assert _found(card) == {people["lisi"]}


def test_search_people_by_name_id_phone_and_card(people):
    lisi = people["lisi"].person
    qs = Person.objects.all()
    assert set(search_people(qs, "ls")) == {lisi}
    assert set(search_people(qs, make_id(2))) == {lisi}
    assert set(search_people(qs, make_phone(2))) == {lisi}
    assert set(search_people(qs, people["lisi"].card_no)) == {lisi}
    assert search_people(qs, "").count() == 3


def test_search_keeps_the_scope_of_the_queryset(tree, people):
    other = member(tree, 4, "张三", org=tree.jb_grassroots, actor=tree.jiangbei_admin)
    scoped = Membership.objects.restrict(tree.yubei_admin, "view")
    found = set(search_memberships(scoped, "张三"))
    assert other not in found and people["zhangsan"] in found


def test_age_cutoff_counts_working_days():
    # Monday 2026-03-16: more than 5 working days old means submitted before Monday 03-09
    cutoff = submitted_before_for_age(5, today=date(2026, 3, 16))
    assert timezone.localtime(cutoff).date() == date(2026, 3, 9)
    assert actions.working_days_between(date(2026, 3, 8), date(2026, 3, 16)) == 6
    assert actions.working_days_between(date(2026, 3, 9), date(2026, 3, 16)) == 5


def test_overdue_queryset_agrees_with_is_overdue(tree, settings):
    settings.GONGHUI_JOIN_REVIEW_WORKING_DAYS = 15
    old = join_request(tree, 1)
    fresh = join_request(tree, 2)
    old.submitted_at = timezone.make_aware(datetime(2020, 1, 6, 9, 0))
    old.save(update_fields=["submitted_at"])
    from gonghui.members.models import JoinRequest

    found = set(overdue_join_requests(JoinRequest.objects.all()))
    assert found == {old}
    assert actions.is_overdue(old) and not actions.is_overdue(fresh)
