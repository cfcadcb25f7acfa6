"""Demo data: the real Chongqing union tree with fictitious employers, and demo accounts.

Idempotent: every record is looked up by a natural key first, so running it twice changes
nothing. Everything after the bootstrap goes through the normal actions, acted by the demo
system administrator, security administrator and city administrator.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from gonghui.accounts.actions import member_sign_in
from gonghui.accounts.models import User

# The demo's accounts live in demo.accounts (the assistance seeder uses them too); their names
# stay importable from here.
from gonghui.demo.accounts import (  # noqa: F401, E402
    DEMO_MEMBER_PHONE,
    DEMO_PASSWORD,
    DemoAccount,
    _ensure_grant,
    _ensure_user,
)
from gonghui.orgs.actions import create_org, register_employer
from gonghui.orgs.bootstrap import ensure_officer, ensure_root
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.orgs.naming import holding_pool_name, short_union_name
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators import make_uscc_for

DATA = Path(__file__).resolve().parent.parent / "orgs" / "data"
CITY_REGION = "500000"
FUNCTIONAL_ZONES = [
    # (name, short name, host district note) — no GB/T 2260 code of their own.
    ("两江新区总工会", "两江新区", "功能区，跨江北区、渝北区、北碚区部分区域"),
    ("重庆高新区总工会", "高新区", "功能区，跨沙坪坝区、九龙坡区部分区域"),
    ("万盛经开区总工会", "万盛经开区", "经开区，原万盛区 2011 年并入綦江区"),
]
# Districts that get township federations for each street with demo employers.
TOWNSHIP_DISTRICTS = {"500112", "500105", "500103", "500106", "500107", "500101"}


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def union_uscc(key: str, region: str) -> str:
    # 8 = 工会 registration authority, 1 = 基层工会/工会法人 in GB 32100's code table.
    return make_uscc_for(
        zlib.crc32(f"union:{key}".encode()), region_code=region, authority="8", entity_type="1"
    )


def employer_uscc(key: str, region: str) -> str:
    return make_uscc_for(zlib.crc32(f"employer:{key}".encode()), region_code=region)


@dataclass
class SeedResult:
    created_orgs: int = 0
    created_employers: int = 0
    members: dict = field(default_factory=dict)
    assistance: dict = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)


def _child(parent: Org, name: str) -> Org | None:
    return Org.objects.filter(
        path__startswith=parent.path, depth=parent.depth + 1, name=name
    ).first()


def _ensure_org(actor, result: SeedResult, parent: Org, kind: str, name: str, **fields) -> Org:
    existing = _child(parent, name)
    if existing is not None:
        return existing
    result.created_orgs += 1
    return create_org(actor=actor, parent=parent, kind=kind, name=name, **fields)


@transaction.atomic
def seed_demo(*, members_per_union: int = 40) -> SeedResult:
    """Load the demo. ``members_per_union`` is lowered by tests to keep them quick."""
    result = SeedResult()
    root = ensure_root(
        name="重庆市总工会",
        short_name="市总工会",
        region_code=CITY_REGION,
        uscc=union_uscc("city", CITY_REGION),
    )
    sysadmin = ensure_officer(
        username="sysadmin", role="system_admin", password=DEMO_PASSWORD, display_name="系统管理员"
    )
    secadmin = ensure_officer(
        username="secadmin",
        role="security_admin",
        password=DEMO_PASSWORD,
        display_name="安全管理员",
    )
    city_admin = _ensure_user(sysadmin, "city_admin", "市总工会管理员")
    _ensure_grant(secadmin, city_admin, root, "org_admin")

    districts: dict[str, Org] = {}
    for row in _rows("chongqing_districts.csv"):
        name = f"{row['name']}总工会"
        districts[row["code"]] = _ensure_org(
            city_admin,
            result,
            root,
            OrgKind.DISTRICT_FEDERATION,
            name,
            short_name=row["name"],
            region_code=row["code"],
            uscc=union_uscc(row["code"], row["code"]),
            address=f"重庆市{row['name']}",
        )
    zones = []
    for name, short, note in FUNCTIONAL_ZONES:
        zones.append(
            _ensure_org(
                city_admin,
                result,
                root,
                OrgKind.DISTRICT_FEDERATION,
                name,
                short_name=short,
                note=note,
            )
        )
    for parent in [*districts.values(), *zones]:
        _ensure_org(
            city_admin,
            result,
            parent,
            OrgKind.HOLDING_POOL,
            holding_pool_name(parent.short_name or parent.name),
            short_name=holding_pool_name(parent.short_name or parent.name),
            region_code=parent.region_code,
            note="新就业形态劳动者、农民工入会后待分配的周转库",
        )

    industry: dict[str, Org] = {}
    for row in _rows("chongqing_industry_unions.csv"):
        industry[row["code"]] = _ensure_org(
            city_admin,
            result,
            root,
            row["kind"],
            row["name"],
            short_name=row["short_name"],
            region_code=CITY_REGION,
            note=row["note"],
        )

    streets = {r["code"]: r for r in _rows("chongqing_streets.csv")}
    employers = _rows("chongqing_employers.csv")
    townships: dict[str, Org] = {}
    for row in employers:
        district_code, street_code = row["district_code"], row["street_code"]
        if district_code in TOWNSHIP_DISTRICTS and street_code not in townships:
            street = streets[street_code]
            townships[street_code] = _ensure_org(
                city_admin,
                result,
                districts[district_code],
                OrgKind.TOWNSHIP_FEDERATION,
                f"{street['name']}总工会",
                short_name=street["name"],
                region_code=district_code,
            )

    for index, row in enumerate(employers):
        district_code = row["district_code"]
        local = townships.get(row["street_code"]) or districts[district_code]
        union_code = row["industry_union_code"]
        if union_code.endswith("-fed"):
            parent = industry[union_code]
        elif union_code and row["ownership"] == "state":
            parent = industry[union_code]
        else:
            parent = local
        employer_code = employer_uscc(row["key"], district_code)
        unionised = index % 8 != 7  # every eighth employer still has no union
        if Employer.objects.filter(uscc=employer_code).exists():
            continue
        if unionised:
            union = _ensure_org(
                city_admin,
                result,
                parent,
                OrgKind.GRASSROOTS,
                f"{row['name']}工会委员会",
                short_name=short_union_name(row["name"]),
                region_code=district_code,
                uscc=union_uscc(row["key"], district_code),
                contact_name="王**",
            )
        else:
            union = local
        register_employer(
            actor=city_admin,
            org=union,
            name=row["name"],
            uscc=employer_code,
            industry_section=row["industry_section"],
            ownership=row["ownership"],
            headcount=int(row["headcount"]),
            region_code=district_code,
        )
        result.created_employers += 1

    # --- demo accounts: one per level, plus the officers -----------------------------------
    yubei = districts["500112"]
    jiangbei = districts["500105"]
    transport = industry["transport"]
    grassroots = (
        Org.objects.filter(path__startswith=yubei.path, kind=OrgKind.GRASSROOTS)
        .order_by("path")
        .first()
    )
    auditor = _ensure_user(sysadmin, "auditor", "审计管理员")
    _ensure_grant(secadmin, auditor, root, "audit_admin")
    plan = [
        ("yubei_admin", "渝北区总工会管理员", "org_admin", yubei),
        ("jiangbei_admin", "江北区总工会管理员", "org_admin", jiangbei),
        ("industry_admin", "市交通运输工会管理员", "org_admin", transport),
        ("grassroots_admin", "基层工会管理员", "org_admin", grassroots),
    ]
    for username, display, role, org in plan:
        user = _ensure_user(sysadmin, username, display)
        _ensure_grant(secadmin, user, org, role)

    member = User.objects.filter(
        phone_index=index_for("phone", DEMO_MEMBER_PHONE), kind="member"
    ).first()
    if member is None:
        member_sign_in(actor=None, phone=DEMO_MEMBER_PHONE)

    from gonghui.demo.seed_building import seed_union_building
    from gonghui.demo.seed_members import seed_members

    seed_union_building(city_admin)

    result.members = seed_members(
        admin=city_admin, demo_member_org=grassroots, per_union=members_per_union
    )

    result.accounts = [
        DemoAccount("city_admin", "市总工会管理员", "org_admin", root.name),
        DemoAccount("yubei_admin", "渝北区总工会管理员", "org_admin", yubei.name),
        DemoAccount("jiangbei_admin", "江北区总工会管理员", "org_admin", jiangbei.name),
        DemoAccount("industry_admin", "市交通运输工会管理员", "org_admin", transport.name),
        DemoAccount("grassroots_admin", "基层工会管理员", "org_admin", grassroots.name),
        DemoAccount("sysadmin", "系统管理员", "system_admin", root.name),
        DemoAccount("secadmin", "安全管理员", "security_admin", root.name),
        DemoAccount("auditor", "审计管理员", "audit_admin", root.name),
    ]

    # Hardship assistance: its staff accounts, then cases for members of 渝北 unions.
    from gonghui.demo.seed_assistance import seed_assistance

    assistance = seed_assistance(sysadmin=sysadmin, secadmin=secadmin, root=root, yubei=yubei)
    result.accounts += assistance.accounts
    result.assistance = assistance.summary
    # Partner agencies of 渝北 (court, procuratorate, arbitration, justice, a law firm) and the
    # court's and the law firm's logins, before the rights scenarios refer cases to them.
    from gonghui.demo.seed_partners import seed_partners

    result.accounts += seed_partners(officer=User.objects.get(username="yubei_admin"), yubei=yubei)
    # 12351 tickets (issue #15): the hotline and rights officers, a year of tickets.
    from gonghui.demo.seed_rights import seed_rights

    rights = seed_rights(
        sysadmin=sysadmin, secadmin=secadmin, root=root, yubei=yubei, jiangbei=jiangbei
    )
    result.accounts += rights.accounts
    # Mediation and court referrals (issue #15): 渝北's cases in every state, with the
    # partner agencies made above.
    from gonghui.demo.seed_mediation import seed_mediation

    seed_mediation(
        yubei=yubei, officer=User.objects.get(username="yubei_rights"), demo_phone=DEMO_MEMBER_PHONE
    )
    # Legal aid (issue #15): applications to 渝北 in every state, the law firm's cases.
    from gonghui.demo.seed_legalaid import seed_legalaid

    seed_legalaid(
        yubei=yubei, officer=User.objects.get(username="yubei_rights"), demo_phone=DEMO_MEMBER_PHONE
    )
    # Legal consultations (issue #15): answered by the 渝北 law firm's lawyer, in every state.
    from gonghui.demo.seed_consult import seed_consult

    seed_consult(root=root, yubei=yubei, jiangbei=jiangbei, demo_phone=DEMO_MEMBER_PHONE)
    # The demo worker's requests to correct her data (我的数据): one answered, one waiting.
    from gonghui.demo.seed_corrections import seed_corrections

    seed_corrections(phone=DEMO_MEMBER_PHONE, officer=User.objects.get(username="yubei_admin"))
    # The demo back-dates some records directly: count the cockpit summaries afresh.
    from gonghui.cockpit import summaries

    summaries.rebuild()
    # What the nightly run would record tonight: join applications due soon, overdue and
    # escalated (督办), publicity over (gonghui/platform/calendar).
    from gonghui.platform.calendar.evaluate import evaluate_deadlines

    evaluate_deadlines()
    return result
