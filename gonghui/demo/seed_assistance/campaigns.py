"""The seasonal campaigns (两节送温暖, 金秋助学) and their condolence visits."""

from __future__ import annotations

from datetime import date, timedelta

from gonghui.assistance import actions
from gonghui.demo.seed_assistance.staff import AssistanceStaff
from gonghui.orgs.models import Org


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
