"""The applicants (current members of 渝北 grassroots unions) and their households."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.assistance.models import HouseholdClaim
from gonghui.members.choices import MembershipState
from gonghui.members.models import Membership, Person
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators import id_check_char

SPOUSE_NAMES = ("陈建国", "刘晓梅", "张志强", "黄丽", "周海燕", "吴俊杰", "赵红梅", "杨伟")
CHILD_GIVEN = ("子涵", "欣怡", "浩然", "梓萱", "宇航", "雨桐", "思远", "佳怡", "一鸣", "嘉怡")
PARENT_GIVEN = ("德明", "秀兰", "桂英", "长福")
POSITIONS = ("操作工", "保洁员", "配送员", "仓管员")
EXTRA_NAMES = ("罗春燕", "谭明亮", "冉小琴", "向永红", "秦德兵", "黎晓丽", "牟大勇", "邓桂芳")


def _schooling(birth: date, today: date) -> str:
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age <= 12:
        return "渝北区两路小学"
    if age <= 15:
        return "渝北区实验中学校（初中部）"
    if age <= 18:
        return "重庆市渝北中学校"
    return "重庆交通大学"


class _Ids:
    """Valid, unused ID numbers for household members (check digit per GB 11643)."""

    def __init__(self):
        self.n = 0

    def make(self, birth: date, region: str = "500112") -> str:
        while True:
            self.n += 1
            body = f"{region}{birth:%Y%m%d}{(870 + self.n) % 1000:03d}"
            number = body + id_check_char(body)
            ix = index_for("id_number", number)
            if not (
                HouseholdClaim.objects.filter(id_index=ix).exists()
                or Person.objects.filter(id_index=ix).exists()
            ):
                return number


def _birth_of(person: Person) -> date:
    if person.birth_date:
        return person.birth_date
    raw = person.id_number
    return date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))


def _household(person: Person, n: int, spec: str, ids: _Ids, today: date) -> list[dict]:
    """``spec`` letters: s = spouse, c = child in school, p = elderly parent."""
    born = _birth_of(person)
    rows = []
    surname = person.name[0]
    for k, kind in enumerate(spec):
        if kind == "s":
            sb = date(born.year - 1 + k % 3, 3 + n % 9, 5 + n % 20)
            rows.append(
                {
                    "name": SPOUSE_NAMES[n % len(SPOUSE_NAMES)],
                    "relation": "spouse",
                    "id_number": ids.make(sb),
                    "monthly_income": "0" if n % 3 == 0 else "1200",
                    "health": "尿毒症，每周透析三次" if n % 4 == 1 else "健康",
                    "school_or_employer": "无业" if n % 3 == 0 else "灵活就业（保洁）",
                }
            )
        elif kind == "c":
            year = min(max(born.year + 27 + k, 2006), today.year - 7)
            cb = date(year, 1 + (n + k) % 12, 10 + n % 15)
            rows.append(
                {
                    "name": surname + CHILD_GIVEN[(n + k) % len(CHILD_GIVEN)],
                    "relation": "child",
                    "id_number": ids.make(cb),
                    "health": "先天性心脏病术后" if n % 5 == 2 and k == 1 else "健康",
                    "school_or_employer": _schooling(cb, today),
                }
            )
        elif kind == "p":
            pb = date(min(born.year - 26, 1960), 6, 1 + n % 25)
            rows.append(
                {
                    "name": surname + PARENT_GIVEN[n % len(PARENT_GIVEN)],
                    "relation": "parent",
                    "id_number": ids.make(pb),
                    "monthly_income": "1450",
                    "health": "脑梗后遗症，长期卧床" if n % 2 else "高血压、糖尿病",
                    "school_or_employer": "退休",
                }
            )
    return rows


def _employer_of(person: Person) -> str:
    membership = person.current_membership()
    if membership is None:
        return ""
    if membership.employer_id:
        return membership.employer.name
    return membership.employer_name or membership.org.name.removesuffix("工会委员会")


# --- people ---------------------------------------------------------------------------------


def _applicants(yubei: Org, admin: User, needed: int, exclude: set[int]) -> list[Person]:
    """Current members of 渝北 grassroots unions; registered through the member action when the
    (test-sized) demo has too few."""
    memberships = (
        Membership.objects.filter(
            org__path__startswith=yubei.path,
            org__kind=OrgKind.GRASSROOTS,
            state=MembershipState.ACTIVE,
        )
        .exclude(person_id__in=exclude)
        .select_related("person", "org")
        .order_by("org__path", "pk")
    )
    # Round-robin over the unions, so that the cases are spread over 渝北's grassroots unions.
    by_union: dict[int, list[Person]] = {}
    seen: set[int] = set()
    for m in memberships:
        if m.person_id not in seen:
            seen.add(m.person_id)
            by_union.setdefault(m.org_id, []).append(m.person)
    people: list[Person] = []
    queues = list(by_union.values())
    while len(people) < needed and any(queues):
        for queue in queues:
            if queue and len(people) < needed:
                people.append(queue.pop(0))
    unions = list(
        Org.objects.filter(path__startswith=yubei.path, kind=OrgKind.GRASSROOTS).order_by("path")
    )
    k = 0
    from gonghui.members.actions import register_member

    while len(people) < needed:
        k += 1
        union = unions[k % len(unions)]
        born = date(1972 + (k * 3) % 20, 1 + k % 12, 1 + (k * 7) % 27)
        body = f"500112{born:%Y%m%d}{(600 + k) % 1000:03d}"
        number = body + id_check_char(body)
        if Person.objects.filter(id_index=index_for("id_number", number)).exists():
            continue
        membership = register_member(
            actor=admin,
            org=union,
            name=EXTRA_NAMES[k % len(EXTRA_NAMES)],
            id_number=number,
            phone=f"1352306{k:04d}",
            employer=union.employers.first(),
            joined_on=timezone.localdate() - timedelta(days=700 + k),
        )
        people.append(membership.person)
    return people[:needed]
