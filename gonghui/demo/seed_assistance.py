"""Demo data for hardship assistance (困难帮扶"一件事").

Staff of 渝北区总工会 (the district assistance centre) and of the city run a set of household
files and applications through every state of the review path, budgets for the year are
partly spent, two payment batches went to the bank (one with a failed transfer), the district
ran its annual review with the 30 % spot-check draw, and two seasonal campaigns recorded
condolence visits.

Everything after the staff accounts goes through :mod:`gonghui.assistance.actions` (and, when
the tiny test demo has too few members in 渝北, :func:`gonghui.members.actions.register_member`),
so every step has its audit event. Deterministic and idempotent: once any hardship file exists
in 渝北 the seeder only makes sure the accounts exist.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import ItemState, ReviewOutcome
from gonghui.assistance.models import AidItem, Application, HardshipFile, HouseholdClaim
from gonghui.members.choices import MembershipState
from gonghui.members.models import Membership, Person
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.calendar import workdays
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators import id_check_char

DEMO_NOTE = "演示数据"
# 渝北 budgets and the city's, in yuan, per money aid type.
YUBEI_BUDGETS = {"living": 300_000, "medical": 500_000, "education": 200_000, "warmth": 150_000}
CITY_BUDGETS = {
    "living": 20_000_000,
    "medical": 30_000_000,
    "education": 15_000_000,
    "warmth": 60_000_000,
}


@dataclass
class AssistanceStaff:
    officer: User  # yubei_assist
    reviewer: User  # yubei_center
    approver: User  # yubei_approver
    city_approver: User
    finance: User  # yubei_finance
    city_finance: User
    city_officer: User  # city_assist


@dataclass
class AssistanceSeed:
    accounts: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


# --- generated documents --------------------------------------------------------------------


def _png(width: int = 24, height: int = 16) -> bytes:
    """A small valid greyscale PNG (a 'scanned' signature form)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00"
        + bytes(0 if (y == height // 2 and 3 < x < width - 3) else 255 for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _pdf(text: str) -> bytes:
    """A one-page PDF (ASCII text only, the standard fonts have no Chinese)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _upload(n: int, what: str) -> SimpleUploadedFile:
    if n % 2:
        return SimpleUploadedFile(f"{what}.pdf", _pdf(f"gonghui demo: {what}"), "application/pdf")
    return SimpleUploadedFile(f"{what}.png", _png(), "image/png")


# --- people and households ------------------------------------------------------------------

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


# --- the cases ------------------------------------------------------------------------------

# Each case: the state it ends in, the household, causes, the aid asked for. Items are
# (aid, yuan); "education" is per child of the household. ``approve`` overrides amounts.
CASES: list[dict] = [
    {
        "key": "draft",
        "target": S.DRAFT,
        "household": "sc",
        "cause": "unemployment",
        "secondary": ["education"],
        "items": [("living", 2000), ("employment", None)],
        "situation": "所在企业停产，本人待岗半年，家庭仅靠爱人打零工维持。",
    },
    {
        "key": "withdrawn",
        "target": S.WITHDRAWN,
        "household": "s",
        "cause": "low_wage",
        "items": [("living", 1500)],
        "situation": "收入偏低，房租压力大。",
        "reason": "职工家庭情况好转，本人主动撤回申请",
    },
    {
        "key": "submitted",
        "target": S.SUBMITTED,
        "household": "scc",
        "cause": "illness",
        "secondary": ["education"],
        "health": "乳腺癌术后化疗中",
        "items": [("medical", 6000), ("education", 2000), ("education", 2000)],
        "situation": "本人乳腺癌术后化疗，两个孩子上学，医疗费自付部分约 4 万元。",
    },
    {
        "key": "home_visit",
        "target": S.HOME_VISIT,
        "household": "sp",
        "cause": "elder_care",
        "secondary": ["illness"],
        "items": [("living", 3000), ("warmth", 800)],
        "situation": "父亲脑梗后长期卧床，爱人无固定收入。",
    },
    {
        "key": "verification",
        "target": S.VERIFICATION,
        "household": "c",
        "cause": "single_parent",
        "single_parent": True,
        "items": [("living", 3000), ("education", 2500)],
        "situation": "离异独自抚养孩子，外卖配送收入不稳定。",
    },
    {
        "key": "publicity_objection",
        "target": S.PUBLICITY,
        "household": "sc",
        "cause": "disability",
        "disability": "肢体残疾三级",
        "items": [("living", 4000), ("education", 2000)],
        "situation": "本人工伤致残后转岗，收入减半。",
        "objection": ("有群众反映申请人家中另有门面出租收入", "同小区居民（匿名来电）", None),
        # Its 5 working days of publicity are over; the open objection holds it there.
        "verified_working_days_ago": 7,
        "tier": "relative",
    },
    {
        "key": "approval",
        "target": S.APPROVAL,
        "household": "sp",
        "cause": "illness",
        "health": "慢性肾衰竭，规律透析",
        "items": [("medical", 5000), ("living", 2000)],
        "situation": "本人规律透析，医疗费用负担重。",
        "tier": "deep",
    },
    {
        "key": "approval_city",
        "target": S.APPROVAL,
        "household": "scc",
        "cause": "accident",
        "secondary": ["illness", "education"],
        "health": "交通事故致颅脑损伤，术后康复中",
        "items": [("medical", 15000), ("living", 5000), ("education", 3000)],
        "situation": "本人上班途中遭遇交通事故，肇事方无力赔付，手术及康复费用超过 20 万元。",
        "tier": "accident",
    },
    {
        "key": "approved",
        "target": S.APPROVED,
        "household": "sc",
        "cause": "illness",
        "secondary": ["education"],
        "health": "类风湿关节炎",
        "items": [("living", 3000), ("medical", 4000), ("education", 2000), ("warmth", 600)],
        "approve": {"medical": 3500},
        "situation": "本人长期服药，孩子读初中。",
        "objection": (
            "反映申请人名下有一辆小轿车",
            "同单位职工",
            "经核查，该车辆已于前年转让，异议不成立",
        ),
        "tier": "relative",
    },
    {
        "key": "approved_batch",
        "target": S.APPROVED,
        "household": "scp",
        "cause": "zero_employment",
        "zero_employment": True,
        "items": [("living", 3500), ("education", 2500), ("employment", None)],
        "situation": "夫妻双方均失业，老人患病，孩子读高中。",
        "tier": "deep",
        "batch": "failed",
    },
    {
        "key": "closed",
        "target": S.CLOSED,
        "household": "sc",
        "cause": "illness",
        "health": "白血病化疗",
        "items": [("medical", 8000), ("living", 2000)],
        "situation": "孩子患白血病，长期住院化疗。",
        "tier": "deep",
        "batch": "paid",
    },
    {
        "key": "closed_city",
        "target": S.CLOSED,
        "household": "sp",
        "cause": "illness",
        "secondary": ["elder_care"],
        "health": "肝癌介入治疗",
        "items": [("medical", 12000), ("living", 3000), ("warmth", 1000)],
        "situation": "本人肝癌介入治疗，父亲患病需照顾。",
        "tier": "deep",
        "batch": "paid",
    },
    {
        "key": "closed_file",
        "target": S.CLOSED,
        "household": "s",
        "cause": "disaster",
        "items": [("living", 3000), ("warmth", 500)],
        "situation": "夏季暴雨致住房受损，家庭财产损失严重。",
        "tier": "accident",
        "batch": "paid",
        "close_file": "房屋已修复，家庭收入恢复并连续 6 个月高于当地低保标准，经本人同意撤档",
    },
    {
        "key": "returned",
        "target": S.RETURNED,
        "at": S.VERIFICATION,
        "household": "sc",
        "cause": "illness",
        "health": "重度抑郁",
        "items": [("medical", 3000), ("education", 1500)],
        "situation": "本人患病无法正常工作。",
        "reason": "请补充二级以上医院诊断证明和近半年医疗费用发票",
    },
    {
        "key": "rejected",
        "target": S.REJECTED,
        "at": S.HOME_VISIT,
        "household": "s",
        "cause": "low_wage",
        "items": [("living", 3000)],
        "situation": "工资低，生活困难。",
        "reason": "入户调查发现家庭有两套住房及一辆营运车辆，不符合困难职工认定条件",
    },
]
LI_NA_CASE = {
    "key": "li_na",
    "target": S.PUBLICITY,
    "household": "sc",
    "cause": "illness",
    "secondary": ["education"],
    "health": "甲状腺癌术后，需长期服药复查",
    "items": [("living", 3000), ("medical", 5000), ("education", 2000)],
    "situation": "本人甲状腺癌术后需长期服药复查，爱人打零工，孩子上小学，房租每月 1500 元。",
    "tier": "relative",
}
ORDER = [S.DRAFT, S.SUBMITTED, S.HOME_VISIT, S.VERIFICATION, S.PUBLICITY, S.APPROVAL, S.APPROVED]


def _file_data(case: dict, n: int, person: Person) -> dict:
    size = 1 + len(case["household"])
    monthly = Decimal(900 + 350 * (n % 5) + 300 * size)
    return {
        "main_cause": case["cause"],
        "secondary_causes": case.get("secondary", []),
        "employer_position": f"{_employer_of(person)} {POSITIONS[n % len(POSITIONS)]}",
        "personal_monthly_income": str(Decimal(1200 + 150 * (n % 6))),
        "housing": ("rented", "own", "public_rental", "relatives")[n % 4],
        "housing_area": str(35 + 7 * (n % 6)),
        "household_size": size,
        "household_monthly_income": str(monthly),
        "household_annual_income": str(monthly * 12),
        "single_parent": case.get("single_parent", False),
        "zero_employment": case.get("zero_employment", False),
        "health": case.get("health", ""),
        "disability": case.get("disability", ""),
        "bank_name": (
            "中国工商银行重庆渝北支行",
            "重庆农村商业银行渝北支行",
            "中国建设银行重庆两路支行",
        )[n % 3],
        "bank_account": f"6222{3100 + n:04d}{zlib.crc32(person.id_number.encode()) % 10**11:011d}",
    }


def _items(case: dict, file: HardshipFile) -> list[dict]:
    children = list(file.household.filter(relation="child").order_by("pk"))
    out, k = [], 0
    for aid, amount in case["items"]:
        row = {"aid_type": aid}
        if amount is not None:
            row["amount_requested"] = str(amount)
        if aid == "education":
            child = children[k % len(children)]
            k += 1
            row["beneficiary"] = child.pk
            row["school"] = child.school_or_employer
        out.append(row)
    return out


def _objection(staff: AssistanceStaff, app: Application, case: dict) -> None:
    """An objection during publicity: dismissed when the case has a decision for it."""
    if not case.get("objection") or app.objections.exists():
        return
    content, raised_by, decision = case["objection"]
    obj = actions.record_objection(
        actor=staff.reviewer, application=app, content=content, raised_by=raised_by
    )
    if decision is not None:
        actions.decide_objection(actor=staff.reviewer, objection=obj, upheld=False, note=decision)


def _drive(staff: AssistanceStaff, app: Application, case: dict, n: int, today: date):
    """Run ``app`` through the real actions until it reaches the case's state."""
    target = case.get("at", case["target"])
    if target in (S.WITHDRAWN,):
        target = S.SUBMITTED
    if target == S.CLOSED:
        target = S.APPROVED
    while ORDER.index(app.state) < ORDER.index(target):
        state = app.state
        if state == S.DRAFT:
            app = actions.submit_application(actor=staff.officer, application=app)
        elif state == S.SUBMITTED:
            app = actions.first_review(
                actor=staff.officer,
                application=app,
                opinion="经初审，申请材料齐全，情况基本属实，同意入户调查",
            )
        elif state == S.HOME_VISIT:
            app = actions.record_home_visit(
                actor=staff.officer,
                application=app,
                visit_date=today - timedelta(days=n % 3),
                visitors="基层工会 王主席、区帮扶中心 刘干事",
                findings=(
                    f"入户核实：家庭{1 + len(case['household'])}口人，"
                    f"{'租住' if n % 4 == 0 else '居住'}{35 + 7 * (n % 6)}平方米，"
                    "家具陈旧，与申报情况一致。已签署收入核对授权书。"
                ),
                authorisation=_upload(n, "income-check-authorisation"),
            )
        elif state == S.VERIFICATION:
            # Publicity runs on the holiday calendar from the day of verification; a case
            # verified some working days ago shows a publicity that has run its course.
            ago = case.get("verified_working_days_ago", 0)
            verified_on = workdays.add_working_days(today, -ago)
            app = actions.verify(
                actor=staff.reviewer,
                application=app,
                today=verified_on,
                civil_affairs_result="eligible",
                checked_on=verified_on - timedelta(days=1),
                tier=case.get("tier", "relative"),
                level="city",
                note="民政部门家庭经济状况核对：人均收入低于当地低保标准 2 倍",
                opinion="经区帮扶中心核实，符合困难职工建档条件，同意公示",
            )
        elif state == S.PUBLICITY:
            _objection(staff, app, case)
            app = actions.end_publicity(
                actor=staff.reviewer,
                application=app,
                today=app.publicity_end + timedelta(days=1),
            )
        elif state == S.APPROVAL:
            cut = case.get("approve", {})
            amounts = {
                i.pk: str(cut.get(i.aid_type, i.amount_requested))
                for i in app.items.all()
                if i.amount_requested
            }
            total = sum((Decimal(v) for v in amounts.values()), Decimal(0))
            approver = staff.city_approver if total > Decimal("10000") else staff.approver
            app = actions.approve(
                actor=approver,
                application=app,
                amounts=amounts,
                opinion="同意帮扶" if not cut else "同意帮扶，医疗救助按自付费用比例核减",
            )
        else:  # pragma: no cover - the loop only runs over ORDER
            raise AssertionError(state)
        app.refresh_from_db()
    if app.state == S.PUBLICITY:
        _objection(staff, app, case)  # a case left in publicity: its objection is pending
    if case["target"] == S.WITHDRAWN:
        app = actions.withdraw_application(
            actor=staff.officer, application=app, reason=case["reason"]
        )
    elif case["target"] == S.RETURNED:
        actor = staff.reviewer if app.state == S.VERIFICATION else staff.officer
        app = actions.return_application(actor=actor, application=app, reason=case["reason"])
    elif case["target"] == S.REJECTED:
        actor = staff.officer if app.state in (S.SUBMITTED, S.HOME_VISIT) else staff.reviewer
        app = actions.reject_application(actor=actor, application=app, reason=case["reason"])
    return app


def _open_case(staff, org, person, case, n, ids, today) -> Application:
    household = _household(person, n, case["household"], ids, today)
    file = actions.save_file(
        actor=staff.officer,
        org=org,
        applicant=person,
        data=_file_data(case, n, person),
        household=household,
    )
    if case.get("health") and n % 2 == 0:
        actions.upload_attachment(
            actor=staff.officer,
            file=file,
            kind="medical_certificate",
            upload=_upload(n + 1, "medical-certificate"),
        )
    return actions.save_application(
        actor=staff.officer, file=file, items=_items(case, file), situation=case["situation"]
    )


def _li_na_case(staff, person, n, ids, today) -> Application:
    """The demo worker applies in the portal: a first draft, then school aid added, submitted."""
    case = LI_NA_CASE
    user = person.user
    data = _file_data(case, n, person)
    household = _household(person, n, case["household"], ids, today)
    first = [{"aid_type": "living", "amount_requested": "3000"}]
    app = actions.member_save_application(
        actor=user, file_data=data, household=household, items=first, situation=case["situation"]
    )
    app = actions.member_save_application(
        actor=user,
        file_data=data,
        household=household,
        items=_items(case, app.file),
        situation=case["situation"],
    )
    actions.upload_attachment(
        actor=user,
        file=app.file,
        application=app,
        kind="medical_certificate",
        upload=_upload(1, "medical-certificate"),
    )
    app = actions.submit_application(actor=user, application=app)
    return _drive(staff, app, case, n, today)


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


# --- accounts -------------------------------------------------------------------------------


def ensure_staff(*, sysadmin, secadmin, root: Org, yubei: Org) -> tuple[AssistanceStaff, list]:
    from gonghui.demo.seed import DemoAccount, _ensure_grant, _ensure_user

    plan = [
        (
            "officer",
            "yubei_assist",
            "渝北区帮扶专干",
            "assistance_officer",
            yubei,
            "files cases, first review and home visits for 渝北's grassroots unions",
        ),
        (
            "reviewer",
            "yubei_center",
            "渝北区困难职工帮扶中心",
            "assistance_reviewer",
            yubei,
            "帮扶中心: verification, publicity and objections, annual review",
        ),
        (
            "approver",
            "yubei_approver",
            "渝北区总工会审批人",
            "assistance_approver",
            yubei,
            "approves aid up to 10,000 yuan per application",
        ),
        (
            "city_approver",
            "city_approver",
            "市总工会帮扶审批人",
            "assistance_approver",
            root,
            "approves aid over 10,000 yuan (one case waits for you)",
        ),
        (
            "finance",
            "yubei_finance",
            "渝北区总工会财务",
            "finance_officer",
            yubei,
            "budgets, payment batches, bank file, paid/failed",
        ),
        (
            "city_finance",
            "city_finance",
            "市总工会财务",
            "finance_officer",
            root,
            "the city's assistance budgets",
        ),
        (
            "city_officer",
            "city_assist",
            "市总工会帮扶专干",
            "assistance_officer",
            root,
            "city campaigns (两节送温暖) and condolence visits",
        ),
    ]
    users, accounts = {}, []
    for attr, username, display, role, org, note in plan:
        user = _ensure_user(sysadmin, username, display)
        _ensure_grant(secadmin, user, org, role)
        users[attr] = user
        accounts.append(DemoAccount(username, display, role, org.name, note))
    return AssistanceStaff(**users), accounts


# --- the seeder -----------------------------------------------------------------------------


def seed_assistance(*, sysadmin, secadmin, root: Org, yubei: Org) -> AssistanceSeed:
    """Accounts always; the data once (nothing is added when a 渝北 hardship file exists)."""
    staff, accounts = ensure_staff(sysadmin=sysadmin, secadmin=secadmin, root=root, yubei=yubei)
    result = AssistanceSeed(accounts=accounts)
    if HardshipFile.objects.filter(org__path__startswith=yubei.path).exists():
        return result
    today = timezone.localdate()
    year = today.year
    ids = _Ids()

    budgets = {}
    for aid, amount in YUBEI_BUDGETS.items():
        budgets[aid] = actions.set_budget(
            actor=staff.finance,
            org=yubei,
            year=year,
            aid_type=aid,
            amount=str(amount),
            note=f"{year}年度困难职工帮扶资金（{DEMO_NOTE}）",
        )
    for aid, amount in CITY_BUDGETS.items():
        actions.set_budget(
            actor=staff.city_finance,
            org=root,
            year=year,
            aid_type=aid,
            amount=str(amount),
            note=f"{year}年度市级帮扶资金（{DEMO_NOTE}）",
        )

    li_na = None
    from gonghui.demo.seed_members import DEMO_MEMBER

    candidate = Person.objects.filter(
        id_index=index_for("id_number", DEMO_MEMBER["id_number"])
    ).first()
    if (
        candidate is not None
        and candidate.user_id
        and (m := candidate.current_membership()) is not None
        and m.org.path.startswith(yubei.path)
    ):
        li_na = candidate
    admin = User.objects.filter(username="yubei_admin").first() or staff.officer
    cases = list(CASES) if li_na else [*CASES, LI_NA_CASE]
    people = _applicants(yubei, admin, len(cases), {li_na.pk} if li_na else set())

    apps: dict[str, Application] = {}
    for n, (case, person) in enumerate(zip(cases, people, strict=True)):
        org = person.current_membership().org
        app = _open_case(staff, org, person, case, n, ids, today)
        apps[case["key"]] = _drive(staff, app, case, n, today)
    if li_na is not None:
        apps["li_na"] = _li_na_case(staff, li_na, len(cases), ids, today)

    # Payments: one batch paid in full (those cases complete), one with a failed transfer.
    paid_items = [
        i
        for key, app in apps.items()
        if next((c for c in cases if c["key"] == key), {}).get("batch") == "paid"
        for i in app.items.filter(state=ItemState.APPROVED).order_by("pk")
    ]
    batch = actions.create_batch(actor=staff.finance, org=yubei, items=paid_items)
    actions.export_bank_file(actor=staff.finance, batch=batch, fmt="xlsx")
    for item in AidItem.objects.filter(payments__batch=batch).order_by("pk"):
        actions.record_payment(
            actor=staff.finance, item=item, bank_reference=f"ICBC{year}{item.pk:08d}"
        )
    mixed = list(apps["approved_batch"].items.filter(state=ItemState.APPROVED).order_by("pk"))
    batch2 = actions.create_batch(actor=staff.finance, org=yubei, items=mixed)
    actions.export_bank_file(actor=staff.finance, batch=batch2, fmt="csv")
    actions.record_payment(
        actor=staff.finance, item=mixed[0], bank_reference=f"ICBC{year}{mixed[0].pk:08d}"
    )
    actions.record_payment_failure(
        actor=staff.finance,
        item=mixed[1],
        reason="收款账户已销户，银行退回，请核实新账号后重新支付",
    )

    # 撤档 of a household that recovered.
    for case in cases:
        if case.get("close_file"):
            actions.close_file(
                actor=staff.officer, file=apps[case["key"]].file, reason=case["close_file"]
            )

    # The district's annual review: every filed file listed, ≥ 30 % drawn for spot checks.
    review = actions.start_annual_review(
        actor=staff.reviewer, org=yubei, year=year, seed=f"yubei-{year}-demo"
    )
    entries = list(review.entries.select_related("file").order_by("-spot_check", "pk"))
    if entries:
        actions.decide_review_entry(
            actor=staff.reviewer,
            entry=entries[0],
            outcome=ReviewOutcome.KEEP,
            note="抽查入户核实，困难情况未发生变化，继续在档",
        )
    if len(entries) > 1:
        file = entries[1].file
        actions.decide_review_entry(
            actor=staff.reviewer,
            entry=entries[1],
            outcome=ReviewOutcome.CHANGE_TIER,
            new_tier="deep" if file.tier != "deep" else "relative",
            note="家庭成员病情变化，调整困难类别",
        )

    visits = _campaigns(staff, root, yubei, apps, today)
    result.summary = {
        "files": HardshipFile.objects.filter(org__path__startswith=yubei.path).count(),
        "applications": Application.objects.filter(org__path__startswith=yubei.path).count(),
        "in_publicity": Application.objects.filter(state=S.PUBLICITY).count(),
        "review_entries": len(entries),
        "visits": visits,
    }
    return result


def _spread(start: date, end: date, n: int) -> list[date]:
    if n <= 1 or end <= start:
        return [end] * n
    span = (end - start).days
    return [start + timedelta(days=span * i // (n - 1)) for i in range(n)]


def _campaigns(staff: AssistanceStaff, root: Org, yubei: Org, apps: dict, today: date) -> int:
    festival = actions.save_campaign(
        actor=staff.city_officer,
        org=root,
        name=f"{today.year}年两节送温暖",
        kind="festivals",
        starts_on=date(today.year - 1, 12, 15),
        ends_on=date(today.year, 2, 28),
        budget="1000000",
        description="元旦春节期间走访慰问困难职工、一线职工和新就业形态劳动者。",
    )
    autumn_year = today.year if today >= date(today.year, 8, 1) else today.year - 1
    autumn = actions.save_campaign(
        actor=staff.officer,
        org=yubei,
        name=f"{autumn_year}年金秋助学",
        kind="autumn_school",
        starts_on=date(autumn_year, 8, 1),
        ends_on=date(autumn_year, 9, 30),
        budget="300000",
        description="资助困难职工家庭子女入学，每名学生 1000–3000 元。",
    )
    count = 0

    groups = [
        (
            "慰问外卖骑手（渝北区美团、饿了么站点）",
            120,
            "0",
            "24000",
            "市总工会领导、渝北区总工会主席",
        ),
        ("慰问环卫工人（江北区环卫所）", 80, "16000", "8000", "市总工会副主席"),
        ("慰问春运货车司机（两路寸滩综合保税区）", 60, "0", "9000", "市总工会领导"),
    ]
    people = [
        a.applicant for key, a in apps.items() if key in ("closed", "closed_city", "approved")
    ]
    last = min(festival.ends_on, today)
    dates = _spread(festival.starts_on, last, len(groups) + len(people))
    for (recipient, head, cash, goods, leaders), day in zip(groups, dates, strict=False):
        actions.record_visit(
            actor=staff.city_officer,
            org=root,
            campaign=festival,
            recipient=recipient,
            head_count=head,
            cash=cash,
            goods_value=goods,
            visited_on=day,
            leaders=leaders,
            note="米、油、棉衣等慰问品",
        )
        count += 1
    for person, day in zip(people, dates[len(groups) :], strict=False):
        actions.record_visit(
            actor=staff.city_officer,
            org=root,
            campaign=festival,
            person=person,
            cash="2000",
            goods_value="300",
            visited_on=day,
            leaders="市总工会领导",
            note="春节前入户慰问困难职工",
        )
        count += 1

    school = [
        a
        for key, a in apps.items()
        if a.items.filter(aid_type="education").exists()
        and key in ("approved", "approved_batch", "li_na", "publicity_objection")
    ]
    last = min(autumn.ends_on, today)
    dates = _spread(autumn.starts_on, last, len(school) + 1)
    for app, day in zip(school, dates, strict=False):
        actions.record_visit(
            actor=staff.officer,
            org=yubei,
            campaign=autumn,
            person=app.applicant,
            cash="2000",
            goods_value="200",
            visited_on=day,
            leaders="渝北区总工会副主席",
            note="金秋助学：送去助学金和书包文具",
        )
        count += 1
    actions.record_visit(
        actor=staff.officer,
        org=yubei,
        campaign=autumn,
        recipient="农民工子女（空港工业园区）",
        head_count=30,
        cash="30000",
        goods_value="3000",
        visited_on=dates[-1],
        leaders="渝北区总工会主席",
        note="每人助学金 1000 元及学习用品",
    )
    return count + 1
