"""The demo cases: the state each ends in, its household, causes and the aid asked for."""

from __future__ import annotations

import zlib
from decimal import Decimal

from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import HardshipFile
from gonghui.demo.seed_assistance.households import POSITIONS, _employer_of
from gonghui.members.models import Person

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
        # Its publicity (PUBLICITY: GONGHUI_ASSISTANCE_PUBLICITY_WORKING_DAYS working days) is
        # over; the open objection holds it there.
        "publicity_over": True,
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


def _file_data(case: dict, n: int, person: Person, household: list[dict]) -> dict:
    """The file's answers. The household's monthly income is the applicant's own plus what
    each member earns (and, in some households, a little from odd jobs), so it is never lower
    than the applicant's."""
    size = 1 + len(case["household"])
    personal = Decimal(1200 + 150 * (n % 6))
    members = sum((Decimal(m.get("monthly_income") or 0) for m in household), start=Decimal(0))
    monthly = personal + members + Decimal(100 * (n % 4))
    return {
        "main_cause": case["cause"],
        "secondary_causes": case.get("secondary", []),
        "employer_position": f"{_employer_of(person)} {POSITIONS[n % len(POSITIONS)]}",
        "personal_monthly_income": str(personal),
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
