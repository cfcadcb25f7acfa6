"""Demo data for union building: committee terms (some overdue, some due within 90 days) with
their officials, the three teams, this year's duty lists with responsibility letters (some
not signed), and two founding applications (one waiting for review, one registered).

Idempotent: each record is looked up by a natural key first, so a second run writes nothing.
Every write goes through the actions of :mod:`gonghui.orgs.building`, acted by the city
administrator. Names and phone numbers are fictitious.
"""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from gonghui.orgs import building
from gonghui.orgs.choices import OrgKind, OrgStatus
from gonghui.orgs.models import (
    DutyLetter,
    DutyLevel,
    DutyList,
    DutyListState,
    Employer,
    FoundingApplication,
    FoundingKind,
    FoundingState,
    Org,
    Team,
    TeamMember,
    Term,
    add_years,
)
from gonghui.platform.validators import make_uscc_for

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "小红", "伟", "芳", "秀英", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "娟"]

# Days until each demo term is due, cycled over the orgs: overdue, due soon, and later.
TERM_DUE_IN_DAYS = [-45, -10, 20, 60, 85, 200, 400, 700, 1000, 1300]

DUTIES = {
    DutyLevel.CITY: [
        "统筹全市工会建会入会工作，制定年度目标并督促落实",
        "指导区县总工会、产业工会开展换届选举和组织建设",
        "建立健全职工维权服务体系，督办12351职工热线工单",
        "组织开展劳动和技能竞赛、劳模评选表彰工作",
    ],
    DutyLevel.DISTRICT: [
        "推进辖区内企业依法建会，新就业形态劳动者应入尽入",
        "督促基层工会按期换届，建立届期到期提醒台账",
        "做好困难职工帮扶和送温暖活动",
        "指导基层工会开展集体协商和厂务公开",
    ],
    DutyLevel.INDUSTRY: [
        "推进本产业系统单位建会入会工作",
        "开展行业性集体协商，签订行业集体合同",
        "组织本产业劳动和技能竞赛",
    ],
    DutyLevel.GRASSROOTS: [
        "组织职工加入工会，及时维护会员信息",
        "依法召开职代会，推行厂务公开",
        "配齐劳动安全信息员、劳动法律监督员、劳动保护监督检查员",
        "按期换届选举，规范工会经费管理",
    ],
}

LIST_TITLES = {
    DutyLevel.CITY: "市总工会工作责任清单",
    DutyLevel.DISTRICT: "区县总工会工作责任清单",
    DutyLevel.INDUSTRY: "产业工会工作责任清单",
    DutyLevel.GRASSROOTS: "基层工会工作责任清单",
}


@dataclass
class BuildingSeedResult:
    terms: int = 0
    officials: int = 0
    team_members: int = 0
    duty_lists: int = 0
    letters: int = 0
    founding_applications: int = 0


def _name(seed: int) -> str:
    return SURNAMES[seed % len(SURNAMES)] + GIVEN[(seed // len(SURNAMES)) % len(GIVEN)]


def _phone(seed: int) -> str:
    return f"1380023{seed % 10000:04d}"


def _demo_orgs() -> list[Org]:
    """A stable sample: every district and industry union, and the first grassroots unions."""
    active = Org.objects.filter(status=OrgStatus.ACTIVE)
    federations = list(
        active.filter(kind__in=[OrgKind.DISTRICT_FEDERATION, OrgKind.INDUSTRY_UNION]).order_by(
            "path"
        )[:20]
    )
    grassroots = list(active.filter(kind=OrgKind.GRASSROOTS).order_by("path")[:30])
    return federations + grassroots


def _seed_terms(actor, orgs: list[Org], today: datetime.date, result: BuildingSeedResult):
    for index, org in enumerate(orgs):
        if Term.objects.filter(org=org).exists():
            continue
        years = 5 if index % 3 else 3
        ends_on = today + datetime.timedelta(days=TERM_DUE_IN_DAYS[index % len(TERM_DUE_IN_DAYS)])
        started_on = add_years(ends_on, -years)
        seed = zlib.crc32(f"term:{org.pk}".encode())
        officials = [
            {"name": _name(seed), "position": "chair", "full_time": index % 2 == 0},
            {"name": _name(seed + 1), "position": "vice_chair", "phone": _phone(seed + 1)},
            {"name": _name(seed + 2), "position": "committee_member"},
            {"name": _name(seed + 3), "position": "audit_chair"},
            {"name": _name(seed + 4), "position": "women_chair"},
        ]
        building.start_term(
            actor=actor, org=org, started_on=started_on, years=years, officials=officials
        )
        result.terms += 1
        result.officials += len(officials)


def _seed_teams(actor, orgs: list[Org], today: datetime.date, result: BuildingSeedResult):
    grassroots = [org for org in orgs if org.kind == OrgKind.GRASSROOTS][:12]
    for index, org in enumerate(grassroots):
        if TeamMember.objects.filter(org=org).exists():
            continue
        seed = zlib.crc32(f"team:{org.pk}".encode())
        for offset, team in enumerate(Team.values):
            building.appoint_team_member(
                actor=actor,
                org=org,
                team=team,
                name=_name(seed + offset),
                phone=_phone(seed + offset),
                employer_name=org.name.removesuffix("工会委员会"),
                appointed_on=today - datetime.timedelta(days=30 * (index + offset + 1)),
            )
            result.team_members += 1


def _seed_duty_lists(actor, root: Org, orgs, today: datetime.date, result: BuildingSeedResult):
    year = today.year
    lists = {}
    for level, items in DUTIES.items():
        duty_list = DutyList.objects.filter(org=root, level=level, year=year).first()
        if duty_list is None:
            duty_list = building.create_duty_list(
                actor=actor,
                org=root,
                level=level,
                year=year,
                title=f"{year}年{LIST_TITLES[level]}",
                items=items,
            )
            result.duty_lists += 1
        if duty_list.state == DutyListState.DRAFT:
            duty_list = building.publish_duty_list(actor=actor, duty_list=duty_list)
        lists[level] = duty_list
    signers = [root, *orgs]
    for index, org in enumerate(signers):
        # Every third org has not signed yet: the "not signed" page has work to show.
        if index % 3 == 2:
            continue
        for duty_list in building.lists_for_org(org, year).filter(
            pk__in=[li.pk for li in lists.values()]
        ):
            if DutyLetter.objects.filter(org=org, list=duty_list).exists():
                continue
            building.sign_duty_letter(
                actor=actor,
                org=org,
                duty_list=duty_list,
                signed_on=datetime.date(year, 1, 1) + datetime.timedelta(days=20 + index),
                signed_by=_name(zlib.crc32(f"letter:{org.pk}".encode())),
            )
            result.letters += 1


def _seed_founding(actor, today: datetime.date, result: BuildingSeedResult):
    # Approving moves an employer out of the candidates, so a rerun would pick the next one:
    # the applications are seeded once, or not at all.
    if FoundingApplication.objects.exists():
        return
    candidates = list(
        Employer.objects.exclude(org__kind=OrgKind.GRASSROOTS)
        .filter(org__status=OrgStatus.ACTIVE)
        .exclude(org__kind=OrgKind.HOLDING_POOL)
        .select_related("org")
        .order_by("uscc")[:2]
    )
    plan = [("pending", FoundingState.SUBMITTED), ("registered", FoundingState.APPROVED)]
    for (key, target), employer in zip(plan, candidates, strict=False):
        name = f"{employer.name}工会委员会"
        seed = zlib.crc32(f"founding:{employer.uscc}".encode())
        application = building.create_founding_application(
            actor=actor,
            parent=employer.org,
            name=name,
            kind=FoundingKind.GRASSROOTS,
            employer=employer,
            proposed_chair=_name(seed),
            committee=[
                {"name": _name(seed + 1), "position": "vice_chair"},
                {"name": _name(seed + 2), "position": "committee_member"},
                {"name": _name(seed + 3), "position": "women_chair"},
            ],
            meeting_date=today - datetime.timedelta(days=14 if key == "pending" else 120),
            term_years=5,
            member_count=max(employer.headcount // 2, 25),
            contact_name=_name(seed + 4),
            contact_phone=_phone(seed + 4),
        )
        building.submit_founding_application(actor=actor, application=application)
        if target == FoundingState.APPROVED:
            region = employer.region_code or employer.org.region_code or "500000"
            building.approve_founding_application(
                actor=actor,
                application=application,
                certificate_no=f"工法证字第{region}{seed % 100000:05d}号",
                union_uscc=make_uscc_for(
                    zlib.crc32(f"union:founding:{employer.uscc}".encode()),
                    region_code=region,
                    authority="8",
                    entity_type="1",
                ),
            )
        result.founding_applications += 1


@transaction.atomic
def seed_union_building(city_admin, *, today: datetime.date | None = None) -> BuildingSeedResult:
    """Add the union-building demo records to the demo tree (see the module docstring)."""
    today = today or timezone.localdate()
    result = BuildingSeedResult()
    root = Org.objects.get_root_nodes().first()
    if root is None:
        return result
    _seed_founding(city_admin, today, result)
    orgs = _demo_orgs()  # after founding: the registered union is part of the sample
    _seed_terms(city_admin, orgs, today, result)
    _seed_teams(city_admin, orgs, today, result)
    _seed_duty_lists(city_admin, root, orgs, today, result)
    return result
