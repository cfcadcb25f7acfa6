"""Demo members: a few thousand workers spread over the demo tree, every membership state,
pending join applications (some overdue), join channels, and a transfer in flight.

Deterministic (a fixed random seed) and idempotent: it does nothing once demo members exist.
Everything goes through the member actions, as a union administrator would do it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from gonghui.members import actions
from gonghui.members.choices import EmploymentForm, MembershipState
from gonghui.members.deadlines import JOIN_REVIEW
from gonghui.members.models import JoinChannel, JoinRequest, Membership
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.deadlines import start_of_day
from gonghui.platform.validators import id_check_char

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕红梅小红"
    "丹丹雪梅晓东俊杰浩然子涵欣怡宇航梓萱一鸣思远佳怡文博嘉怡鑫磊雨桐婷婷"
)
CHONGQING_REGIONS = (
    "500101",
    "500103",
    "500105",
    "500106",
    "500107",
    "500108",
    "500112",
    "500113",
    "500115",
    "500116",
    "500118",
    "500120",
    "500228",
    "500229",
)
MIGRANT_REGIONS = ("510107", "522101", "430102", "420106", "533001", "511602")
NEW_FORMS = (
    EmploymentForm.FOOD_DELIVERY,
    EmploymentForm.COURIER,
    EmploymentForm.RIDE_HAILING,
    EmploymentForm.TRUCK_DRIVER,
)


class _People:
    def __init__(self, seed: int = 2023):
        self.rng = random.Random(seed)  # noqa: S311 - reproducible fake demo people, not secrets
        self.ids: set[str] = set()
        self.phones: set[str] = set()

    def name(self) -> str:
        given = self.rng.choice([1, 2, 2, 2])
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(given))

    def id_number(self, migrant: bool) -> str:
        while True:
            region = self.rng.choice(MIGRANT_REGIONS if migrant else CHONGQING_REGIONS)
            born = date(1965, 1, 1) + timedelta(days=self.rng.randrange(0, 39 * 365))
            body = f"{region}{born:%Y%m%d}{self.rng.randrange(0, 1000):03d}"
            number = body + id_check_char(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            prefix = self.rng.choice(
                ("138", "139", "150", "151", "158", "177", "186", "187", "188", "199")
            )
            phone = f"{prefix}{self.rng.randrange(10**8):08d}"
            if phone not in self.phones and phone != DEMO_MEMBER["phone"]:
                self.phones.add(phone)
                return phone


DEMO_MEMBER = {"name": "李娜", "id_number": "500112199203150026", "phone": "13800138000"}


def seed_members(*, admin, demo_member_org=None, per_union: int = 40) -> dict:
    """Create demo members under every grassroots union and holding pool ``admin`` manages."""
    if Membership.objects.exists():
        return {"members": 0}
    people = _People()
    rng = people.rng
    unions = list(
        Org.objects.restrict(admin, "members.add_membership")
        .filter(kind__in=[OrgKind.GRASSROOTS, OrgKind.HOLDING_POOL, OrgKind.UNION_FEDERATION])
        .order_by("path")
    )
    today = timezone.localdate()
    created: list[Membership] = []
    for union in unions:
        employers = list(union.employers.all())
        pool = union.kind == OrgKind.HOLDING_POOL
        fed = union.kind == OrgKind.UNION_FEDERATION
        count = per_union // 4 if pool else per_union
        for _ in range(count):
            migrant = rng.random() < (0.6 if (pool or fed) else 0.2)
            form = (
                rng.choice(NEW_FORMS)
                if (pool or fed)
                else (rng.choice(NEW_FORMS) if rng.random() < 0.05 else EmploymentForm.STANDARD)
            )
            employer = rng.choice(employers) if employers and not pool else None
            membership = actions.register_member(
                actor=admin,
                org=union,
                name=people.name(),
                id_number=people.id_number(migrant),
                phone=people.phone(),
                employment_form=form,
                employer=employer,
                employer_name=""
                if employer
                else rng.choice(
                    ("美团", "饿了么", "顺丰速运", "京东物流", "滴滴出行", "货拉拉", "中通快递")
                ),
                is_migrant=migrant,
                joined_on=today - timedelta(days=rng.randrange(10, 8 * 365)),
            )
            created.append(membership)
    if demo_member_org is not None:
        # The demo worker's phone (printed by load_demo) belongs to a real member with a card.
        actions.register_member(
            actor=admin,
            org=demo_member_org,
            employment_form=EmploymentForm.STANDARD,
            employer=demo_member_org.employers.first(),
            joined_on=today - timedelta(days=400),
            **DEMO_MEMBER,
        )
    # Every state is represented.
    rng.shuffle(created)
    plan = ["retain"] * 30 + ["withdraw"] * 20 + ["lapse"] * 15 + ["expel"] * 2
    for membership, transition in zip(created, plan, strict=False):
        actions.change_membership_state(
            actor=admin, membership=membership, transition=transition, reason="演示数据"
        )
    # Some active members have paid no dues for a long time: the lapse check flags them.
    stale = [m.pk for m in created[len(plan) : len(plan) + 25]]
    Membership.objects.filter(pk__in=stale).update(
        last_dues_on=today - timedelta(days=300), joined_on=today - timedelta(days=900)
    )
    actions.flag_lapsing_memberships()

    # A transfer in flight between two grassroots unions.
    grassroots = [u for u in unions if u.kind == OrgKind.GRASSROOTS]
    movers = [m for m in created[len(plan) + 25 :] if m.org.kind == OrgKind.GRASSROOTS][:3]
    for mover in movers:
        target = next(u for u in grassroots if u.pk != mover.org_id)
        actions.request_transfer(
            actor=admin, membership=mover, to_org=target, initiated_by="sender", employer_name=""
        )

    # Join channels and pending applications. Their ages are counted on the holiday calendar
    # (JOIN_REVIEW): one submitted the working day before today, and one per union that is
    # alternately due within the warning (3 working days) or overdue, which the nightly
    # evaluate_deadlines escalates (督办) to the union above.
    for union in unions:
        if not JoinChannel.objects.filter(org=union).exists():
            actions.create_join_channel(actor=admin, org=union, label="入会海报")
    pending = 0
    review = JOIN_REVIEW.days
    # Spread over the whole tree so that every district's reviewers have work.
    for k, union in enumerate(unions[::3]):
        channel = JoinChannel.objects.filter(org=union).first()
        for working_days_ago in (1, review - 1 if k % 2 else review + 5):
            request = actions.submit_join_request(
                actor=None,
                org=union,
                channel=channel,
                name=people.name(),
                id_number=people.id_number(True),
                phone=people.phone(),
                employer_name="美团"
                if union.kind == OrgKind.HOLDING_POOL
                else (union.name.removesuffix("工会委员会")),
                employment_form=rng.choice(NEW_FORMS),
                is_migrant=True,
            )
            submitted = workdays.add_working_days(today, -working_days_ago)
            JoinRequest.objects.filter(pk=request.pk).update(
                submitted_at=start_of_day(submitted) + timedelta(hours=9, minutes=k % 60)
            )
            pending += 1
    # Claims a reviewer must check first (members/identity.py): two former members come back
    # with a new phone, and one application names a current member's ID from another phone.
    withdrawn = [m for m, t in zip(created, plan, strict=False) if t == "withdraw"][:2]
    current = created[len(plan) + 25 + len(movers) :][:1]
    for claimed in (*withdrawn, *current):
        person = claimed.person
        actions.submit_join_request(
            actor=None,
            org=claimed.org,
            channel=JoinChannel.objects.filter(org=claimed.org).first(),
            name=person.name,
            id_number=person.id_number,
            phone=people.phone(),
            employer_name=claimed.employer_name or "美团",
            employment_form=claimed.employment_form,
            is_migrant=claimed.is_migrant,
        )
        pending += 1
    return {
        "members": len(created),
        "active": Membership.objects.filter(state=MembershipState.ACTIVE).count(),
        "pending_requests": pending,
        "transfers": len(movers),
    }
