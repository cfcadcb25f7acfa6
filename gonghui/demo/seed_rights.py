"""12351 tickets for the demo (issue #15, first slice): the hotline operator at the city, rights
officers in 渝北, one of its townships and 江北, and three dozen tickets over the past year in
every state and class — some overdue, so the nightly run escalates them (督办) — plus two of
the demo worker's own (one resolved and waiting for her rating, one being handled), documents on
some tickets, and the 问答库 with consultations closed at intake from it
(``seed_rights_extra.py``).

Every ticket goes through the real actions; only the timestamps are then moved back in time
(directly, like the other seeders' back-dating), so the clocks show the past year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import F

from gonghui.accounts.models import User
from gonghui.demo.accounts import DEMO_MEMBER_PHONE, DemoAccount, _ensure_grant, _ensure_user
from gonghui.demo.seed_rights_extra import attach_documents, consultation_answer, seed_answers
from gonghui.members.models import Person
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.pii.fields import index_for
from gonghui.rights import actions
from gonghui.rights.choices import Complexity, Rating, TicketState
from gonghui.rights.models import Ticket, TicketStep

S = TicketState
STAMPS = (
    "received_at",
    "classified_at",
    "dispatched_at",
    "accepted_at",
    "resolved_at",
    "visited_at",
    "closed_at",
)
CASES = [
    ("complaint-arrears", "外卖平台站点拖欠骑手三个月配送费", "要求站点结清拖欠的费用"),
    ("complaint-arrears", "建筑工地拖欠农民工工资共四万元", "要求总包单位支付工资"),
    ("complaint-injury", "在车间操作时手指受伤，公司不申报工伤", "要求公司申报工伤并支付医疗费"),
    ("complaint-dismissal", "怀孕后被公司以考核不合格为由辞退", "要求恢复劳动关系"),
    ("complaint-hours", "每天工作12小时，加班费从未发放", "要求支付加班费"),
    ("consult-contract", "试用期满公司不签劳动合同", "想了解应如何维权"),
    ("consult-insurance", "公司没有缴纳社会保险", "想了解补缴办法"),
    ("service-hardship", "家人重病，生活困难", "希望申请困难帮扶"),
    ("legal-aid-dispute", "劳动仲裁需要律师代理", "申请工会法律援助"),
    ("suggestion-union", "希望园区多办技能培训", "建议工会组织培训"),
]
NAMES = ["陈静", "刘洋", "张敏", "王磊", "杨帆", "赵丽", "黄勇", "周婷", "吴刚", "徐娟"]
# The state each ticket is taken to, in turn; the last ones of the year stay open.
PATH = [
    S.CLOSED,
    S.CLOSED,
    S.VISITED,
    S.RESOLVED,
    S.HANDLING,
    S.DISPATCHED,
    S.CLASSIFIED,
    S.RECEIVED,
    S.CLOSED,
    S.HANDLING,
    "extension",
    "returned",
]


@dataclass
class RightsSeed:
    accounts: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


@dataclass
class _Staff:
    operator: User
    yubei: User
    township: User
    jiangbei: User


def _staff(sysadmin, secadmin, root, yubei, township, jiangbei) -> tuple[_Staff, list]:
    plan = [
        ("hotline_city", "12351热线话务员", "hotline_operator", root),
        ("yubei_rights", "渝北区总工会维权干部", "rights_officer", yubei),
        ("township_rights", "街道工会维权干部", "rights_officer", township),
        ("jiangbei_rights", "江北区总工会维权干部", "rights_officer", jiangbei),
    ]
    users, accounts = [], []
    for username, display, role, org in plan:
        user = _ensure_user(sysadmin, username, display)
        _ensure_grant(secadmin, user, org, role)
        users.append(user)
        accounts.append(DemoAccount(username, display, role, org.name))
    return _Staff(*users), accounts


def _back_date(ticket: Ticket, days: int) -> None:
    delta = timedelta(days=days)
    Ticket.objects.filter(pk=ticket.pk).update(
        **{f: F(f) - delta for f in STAMPS if getattr(ticket, f) is not None}
    )
    TicketStep.objects.filter(ticket=ticket).update(at=F("at") - delta)


def _advance(staff: _Staff, ticket: Ticket, target, handler: User, org: Org, district: Org):
    complexity = (Complexity.GENERAL, Complexity.DIFFICULT, Complexity.COMPLEX)[ticket.pk % 3]
    if target == S.RECEIVED:
        return ticket
    t = actions.classify(
        actor=staff.operator,
        ticket=ticket,
        category=ticket.category,
        complexity=complexity,
        is_petition=ticket.pk % 7 == 0,
    )
    if target == S.CLASSIFIED:
        return t
    t = actions.dispatch(actor=staff.operator, ticket=t, to_org=district.pk, note="请核实处理")
    if org != district:
        officer = staff.yubei if district.pk == staff.yubei_org.pk else staff.jiangbei
        t = actions.dispatch(actor=officer, ticket=t, to_org=org.pk)
    if target == "returned":
        return actions.return_ticket(actor=handler, ticket=t, reason="企业不在本辖区，请改派")
    if target == S.DISPATCHED:
        return t
    t = actions.accept(actor=handler, ticket=t)
    if target == "extension":
        return actions.request_extension(actor=handler, ticket=t, reason="需要人社部门协同调查")
    if target == S.HANDLING:
        return t
    arrears = ticket.category.code == "complaint-arrears"
    t = actions.resolve(
        actor=handler,
        ticket=t,
        reply="经工会协调，企业已同意按期支付并书面承诺。",
        arrears_recovered=Decimal("12800.00") if arrears else None,
        arrears_workers=3 if arrears else 0,
    )
    if target == S.RESOLVED:
        return t
    rating = (Rating.SATISFIED, Rating.FAIRLY, Rating.UNSATISFIED)[ticket.pk % 3]
    t = actions.visit_back(actor=staff.operator, ticket=t, rating=rating, note="电话回访")
    if target == S.VISITED:
        return t
    if t.rating == Rating.UNSATISFIED:
        t = actions.reopen(actor=staff.operator, ticket=t, reason="职工不满意，重新办理")
        t = actions.resolve(actor=handler, ticket=t, reply="再次协调后企业已全部支付。")
        t = actions.visit_back(actor=staff.operator, ticket=t, rating=Rating.SATISFIED)
    if t.quality_required:
        t = actions.quality_check(actor=staff.operator, ticket=t, note="办理规范，答复完整")
    return actions.close(actor=staff.operator, ticket=t)


def seed_rights(*, sysadmin, secadmin, root: Org, yubei: Org, jiangbei: Org) -> RightsSeed:
    """Accounts always; the tickets once (nothing is added when a ticket exists)."""
    township = (
        Org.objects.filter(path__startswith=yubei.path, kind=OrgKind.TOWNSHIP_FEDERATION)
        .order_by("path")
        .first()
    ) or yubei
    staff, accounts = _staff(sysadmin, secadmin, root, yubei, township, jiangbei)
    result = RightsSeed(accounts=accounts)
    seed_answers(staff.operator)  # the 问答库, once
    if Ticket.objects.exists():
        return result
    staff.yubei_org = yubei
    # Where each ticket goes: 渝北's township mostly, 渝北 itself, and 江北.
    places = [
        (township, staff.township, yubei),
        (yubei, staff.yubei, yubei),
        (jiangbei, staff.jiangbei, jiangbei),
    ]
    for i in range(36):
        code, facts, ask = CASES[i % len(CASES)]
        ticket = actions.take_call(
            actor=staff.operator,
            category=code,
            caller_name=NAMES[i % len(NAMES)],
            caller_phone=f"1390000{i:04d}",
            employer_name="渝北区某企业",
            facts=facts,
            request=ask,
        )
        target = PATH[i % len(PATH)]
        org, handler, district = places[i % 3]
        if i % 4 == 1 and not code.startswith("consult"):
            attach_documents(staff.operator, ticket, i)  # what the caller sent in
        found = consultation_answer(code) if code.startswith("consult") else None
        if found is not None and target in (S.CLOSED, S.VISITED, S.RESOLVED):
            # Answered on the call from the 问答库: closed at intake.
            ticket = actions.answer_and_close(actor=staff.operator, ticket=ticket, answer=found)
        elif code.startswith("consult") and target == S.CLOSED:
            ticket = actions.answer_and_close(
                actor=staff.operator, ticket=ticket, reply="已当场解答相关政策规定。"
            )
        else:
            ticket = _advance(staff, ticket, target, handler, org, district)
        ticket.refresh_from_db()
        _back_date(ticket, max(1, 360 - i * 10))
    worker = User.objects.filter(
        kind="member", phone_index=index_for("phone", DEMO_MEMBER_PHONE)
    ).first()
    person = Person.objects.filter(user=worker).first() if worker else None
    if worker is not None:
        for target in (S.RESOLVED, S.HANDLING):
            own = actions.file_ticket(
                actor=worker,
                person=person,
                category="complaint-arrears",
                employer_name="渝北区某物流有限公司",
                facts="2026年8月至10月工资未发放，共一万五千元",
                request="要求公司支付拖欠的工资",
            )
            attach_documents(worker, own, 0)  # her pay slip and a photo, sent from /m/
            _advance(staff, own, target, staff.township, township, yubei)
    result.summary = {
        state: Ticket.objects.filter(state=state).count() for state in TicketState.values
    }
    return result
