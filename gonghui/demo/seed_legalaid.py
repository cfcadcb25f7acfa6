"""Legal aid for the demo (issue #15): a dozen applications to 渝北区总工会 in every state —
waiting for review (one past its 7 days), documents asked for, under review (past its 7
days), granted and waiting for a lawyer (one past its 3 days), refused, assigned to the law
firm 重庆渝工律师事务所, being handled by its lawyer, and closed won, settled, lost and
withdrawn — plus two of the demo worker's own (one with a lawyer, one waiting for documents)
and one turned from a 12351 legal-aid ticket.

Every application goes through the real actions; only the timestamps are then moved back in
time (directly, like the other seeders' back-dating), so the clocks show the past months. The
law firm is made by the partners seeder, which runs first (found here by name, made if absent),
and its lawyer's login ``lawfirm_partner`` takes up and closes the firm's cases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import F

from gonghui.accounts.models import User
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.pii.fields import index_for
from gonghui.rights.choices import PartnerKind
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid import lawyer as lawyer_steps
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.models import AidApplication, AidStep
from gonghui.rights.models import PartnerAgency, Ticket

S = AidState
FIRM = "重庆渝工律师事务所"
STAMPS = (
    "applied_at",
    "complete_at",
    "hardship_assessed_at",
    "decided_at",
    "assigned_at",
    "taken_up_at",
    "closed_at",
)
CASES = [
    ("wages", "建筑工地拖欠农民工工资共四万元，包工头失联", "要求总包单位支付拖欠工资"),
    ("work_injury", "在车间操作冲床时右手受伤，公司拒绝申报工伤", "要求认定工伤并赔偿"),
    ("dismissal", "怀孕后被公司以考核不合格为由辞退", "要求恢复劳动关系或支付赔偿金"),
    ("labour_contract", "工作两年公司一直未签劳动合同", "要求支付二倍工资差额"),
    ("social_insurance", "公司三年未缴纳社会保险", "要求补缴社会保险"),
    ("wages", "外卖站点拖欠骑手三个月配送费", "要求结清拖欠的配送费"),
]
NAMES = [
    "何伟",
    "罗芳",
    "郑强",
    "谢丽",
    "韩磊",
    "唐敏",
    "冯军",
    "曹静",
    "彭涛",
    "邓红",
    "许亮",
    "萧雪",
]
# (the state each application is taken to, days back it was applied, outcome if closed)
PLAN = [
    (S.SUBMITTED, 2, ""),
    (S.SUBMITTED, 12, ""),  # past the 7 days: escalated tonight
    (S.CORRECTION, 9, ""),
    (S.REVIEWING, 11, ""),  # past the 7 days
    (S.GRANTED, 5, ""),
    (S.GRANTED, 14, ""),  # granted 10 days ago, no lawyer: past the 3 days
    (S.REFUSED, 40, ""),
    (S.ASSIGNED, 8, ""),
    (S.HANDLING, 60, ""),
    (S.CLOSED, 200, "won"),
    (S.CLOSED, 150, "settled"),
    (S.CLOSED, 120, "lost"),
    (S.CLOSED, 90, "withdrawn"),
]
ORDER = [S.SUBMITTED, S.REVIEWING, S.GRANTED, S.ASSIGNED, S.HANDLING, S.CLOSED]


def _firm(yubei: Org) -> PartnerAgency:
    firm = PartnerAgency.objects.filter(name=FIRM).first()
    if firm is None:
        firm = PartnerAgency.objects.create(name=FIRM, kind=PartnerKind.LAW_FIRM, org=yubei)
    return firm


def _advance(app, target, officer, firm, lawyer, outcome=""):
    if target == S.CORRECTION:
        return actions.request_correction(
            actor=officer, application=app, documents="请补充劳动合同、工资条和身份证复印件"
        )
    if target == S.SUBMITTED:
        return app
    app = actions.start_review(actor=officer, application=app)
    if target == S.REFUSED:
        return actions.refuse(
            actor=officer, application=app, reason="申请事项已超过仲裁时效，且不属于援助范围"
        )
    app = actions.assess_hardship(
        actor=officer, application=app, hardship="certified", note="街道出具的经济困难证明"
    )
    if target == S.REVIEWING:
        return app
    app = actions.grant(actor=officer, application=app, note="符合工会法律援助条件")
    if target == S.GRANTED:
        return app
    if lawyer is not None:
        app = lawyer_steps.assign_lawyer(actor=officer, application=app, lawyer_account=lawyer.pk)
    else:
        app = lawyer_steps.assign_lawyer(
            actor=officer, application=app, agency=firm.pk, lawyer_name="渝工所律师"
        )
    if target == S.ASSIGNED:
        return app
    handler = lawyer or officer
    app = lawyer_steps.take_up(actor=handler, application=app)
    app = lawyer_steps.record_progress(
        actor=handler, application=app, note="已向劳动人事争议仲裁委员会提交仲裁申请"
    )
    if target == S.HANDLING:
        return app
    amount = {"won": "23800.00", "settled": "12000.00"}.get(outcome)
    return lawyer_steps.close_case(
        actor=handler,
        application=app,
        outcome=outcome,
        amount_recovered=Decimal(amount) if amount else None,
        note="仲裁裁决已生效" if outcome == "won" else "",
    )


def _back_date(app: AidApplication, days: int) -> None:
    """Move the application's whole history ``days`` back, each later step a day apart."""
    app.refresh_from_db()
    delta = timedelta(days=days)
    AidApplication.objects.filter(pk=app.pk).update(
        **{f: F(f) - delta for f in STAMPS if getattr(app, f) is not None}
    )
    for i, step in enumerate(AidStep.objects.filter(application=app).order_by("at", "id")):
        AidStep.objects.filter(pk=step.pk).update(at=F("at") - delta + timedelta(hours=i))


def seed_legalaid(*, yubei: Org, officer: User, demo_phone: str) -> dict:
    """The applications once (nothing is added when one exists); returns counts by state."""
    if AidApplication.objects.exists():
        return {}
    firm = _firm(yubei)
    lawyer = User.objects.filter(username="lawfirm_partner", is_active=True).first()
    for i, (target, days, outcome) in enumerate(PLAN):
        case_type, facts, claims = CASES[i % len(CASES)]
        app = actions.take_application(
            actor=officer,
            org=yubei,
            applicant_name=NAMES[i % len(NAMES)],
            applicant_phone=f"1398800{i:04d}",
            case_type=case_type,
            facts=facts,
            claims=claims,
            employer_name="渝北区某企业",
        )
        app = _advance(app, target, officer, firm, lawyer, outcome)
        _back_date(app, days)
        if target == S.GRANTED and days > 7:
            # Granted four days after the application, no lawyer since: past the 3 days.
            AidApplication.objects.filter(pk=app.pk).update(
                decided_at=F("applied_at") + timedelta(days=4)
            )
    phone_index = index_for("phone", demo_phone)
    worker = User.objects.filter(kind="member", phone_index=phone_index).first()
    person = Person.objects.filter(user=worker).first() if worker else None
    if worker is not None and person is not None:
        for target, days in ((S.ASSIGNED, 6), (S.CORRECTION, 3)):
            own = actions.apply_online(
                actor=worker,
                person=person,
                case_type="wages",
                facts="物流公司拖欠2026年9月至11月工资共一万八千元",
                claims="追回拖欠工资",
                employer_name="渝北区某物流有限公司",
            )
            if own.org_id == yubei.pk:
                own = _advance(own, target, officer, firm, lawyer)
            _back_date(own, days)
    ticket = (
        Ticket.objects.filter(org__path__startswith=yubei.path, category__code__startswith="legal")
        .order_by("pk")
        .first()
    )
    if ticket is not None:
        actions.apply_from_ticket(actor=officer, ticket=ticket, case_type="labour_contract")
    counts: dict = {}
    for state in AidApplication.objects.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return counts
