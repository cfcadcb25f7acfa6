"""The tables a deployment starts with: the category table (the five national categories of
the 2023 design, S24, with the subcategories a union meets most) and the default deadline table
(working days per complexity and step). No official day counts were found (domain.md §2.3), so
every deadline row ships with an empty source and a union corrects it in the console.

Migration 0002 publishes them; :func:`ensure_tables` publishes them again wherever a table is
empty (a flushed test database, a table cleared by hand), so intake never offers no category."""

from __future__ import annotations

CATEGORIES = [
    (
        "consultation",
        "问题咨询",
        [
            ("consult-contract", "劳动合同"),
            ("consult-wages", "工资报酬"),
            ("consult-insurance", "社会保险"),
            ("consult-union", "工会政策"),
        ],
    ),
    (
        "service",
        "服务帮扶",
        [
            ("service-hardship", "困难帮扶"),
            ("service-jobs", "就业创业"),
            ("service-wellbeing", "心理疏导"),
        ],
    ),
    (
        "complaint",
        "信访投诉",
        [
            ("complaint-arrears", "拖欠工资"),
            ("complaint-injury", "工伤待遇"),
            ("complaint-dismissal", "违法解除劳动合同"),
            ("complaint-hours", "加班与休息休假"),
        ],
    ),
    (
        "legal-aid",
        "法律援助",
        [
            ("legal-aid-dispute", "劳动争议代理"),
            ("legal-aid-advice", "法律文书代书"),
        ],
    ),
    (
        "suggestion",
        "意见建议",
        [
            ("suggestion-union", "对工会工作的意见"),
        ],
    ),
]

# working days per complexity and step: 签收, 办结, 延期 (added when approved), 回访
DEFAULT_DAYS = {
    "general": {"accept": 1, "finish": 5, "extension": 5, "visit": 3},
    "difficult": {"accept": 1, "finish": 15, "extension": 10, "visit": 3},
    "complex": {"accept": 2, "finish": 30, "extension": 15, "visit": 5},
}


def ensure_tables(Category, Deadline) -> None:
    """Create the default rows of each table that holds none (the model classes are passed:
    the historical ones in the migration)."""
    if not Category.objects.exists():
        for i, (code, name, children) in enumerate(CATEGORIES):
            parent = Category.objects.create(code=code, name=name, position=i * 10)
            for j, (child_code, child_name) in enumerate(children):
                Category.objects.create(
                    code=child_code, name=child_name, parent=parent, position=i * 10 + j + 1
                )
    if not Deadline.objects.exists():
        Deadline.objects.bulk_create(
            Deadline(complexity=complexity, step=step, days=days, source="")
            for complexity, steps in DEFAULT_DAYS.items()
            for step, days in steps.items()
        )
