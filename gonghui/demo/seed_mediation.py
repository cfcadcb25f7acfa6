"""Mediation for the demo (issue #15): cases of 渝北区总工会 and one of its townships in every
state — applications and court referrals waiting to be accepted or signed for, collective
disputes, cases in mediation (two past their time limit, so the nightly run escalates them),
agreements (one judicially confirmed), failures (one returned to the court with the feedback
letter, one referred out to the arbitration commission), a withdrawal — and two of the demo
worker's own cases.

The partner agencies come from the partners seeder, found by kind; when they are missing
(the seeder run on its own) they are made here by name. Every case goes through the real
actions; only the dates are then moved back (directly, like the other seeders' back-dating),
so the clocks show the past weeks. Idempotent: nothing is added once a case exists."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.members.models import Person
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.pii.fields import index_for
from gonghui.rights.choices import PartnerKind
from gonghui.rights.mediation import actions, deadlines, intake
from gonghui.rights.mediation.choices import ReferralKind
from gonghui.rights.mediation.models import CaseStep, MediationCase, Referral, Session
from gonghui.rights.models import PartnerAgency, Ticket
from gonghui.rights.partners import agency_id_of

AGENCIES = [
    ("重庆市渝北区人民法院", PartnerKind.COURT),
    ("重庆市渝北区劳动人事争议仲裁委员会", PartnerKind.ARBITRATION),
    ("重庆市渝北区司法局", PartnerKind.JUSTICE),
    ("重庆渝工律师事务所", PartnerKind.LAW_FIRM),
]
WORKERS = ["陈静", "刘洋", "张敏", "王磊", "杨帆", "赵丽", "黄勇", "周婷", "吴刚", "徐娟"]
EMPLOYERS = ["渝北区某物流有限公司", "重庆某建筑劳务公司", "渝北某电子厂", "某连锁餐饮公司"]


def _agencies(yubei: Org) -> dict[str, PartnerAgency]:
    found = {}
    for name, kind in AGENCIES:
        agency = (
            PartnerAgency.objects.filter(kind=kind, active=True, org=yubei).order_by("pk").first()
        )
        if agency is None:
            agency, _created = PartnerAgency.objects.get_or_create(
                name=name, defaults={"kind": kind, "org": yubei}
            )
        found[kind] = agency
    return found


def _people(n: int, start: int) -> list[dict]:
    return [
        {"name": WORKERS[(start + i) % len(WORKERS)], "phone": f"1398311{start:02d}{i:02d}"}
        for i in range(n)
    ]


def _claims(wages: str, extra: str | None = None) -> list[dict]:
    rows = [{"item": "拖欠工资", "amount": wages}]
    if extra:
        rows.append({"item": "经济补偿金", "amount": extra})
    return rows


def _back_date(case: MediationCase, days: int) -> None:
    """Move every date of the case ``days`` back, and its due day with its clock."""
    delta = timedelta(days=days)
    stamps = ("applied_at", "accepted_at", "concluded_at", "clock_start", "confirmed_on")
    MediationCase.objects.filter(pk=case.pk).update(
        **{f: F(f) - delta for f in stamps if getattr(case, f) is not None}
    )
    CaseStep.objects.filter(case=case).update(at=F("at") - delta)
    Session.objects.filter(case=case).update(held_on=F("held_on") - delta)
    Referral.objects.filter(case=case).update(referred_on=F("referred_on") - delta)
    Referral.objects.filter(case=case, signed_at__isnull=False).update(
        signed_at=F("signed_at") - delta
    )
    Referral.objects.filter(case=case, returned_on__isnull=False).update(
        returned_on=F("returned_on") - delta
    )
    case.refresh_from_db()
    if case.clock_start is not None and case.due_on is not None:
        MediationCase.objects.filter(pk=case.pk).update(due_on=deadlines.due_on(case))


def _session(officer, case, place="渝北区总工会劳动争议调解室"):
    return actions.record_session(
        actor=officer,
        case=case,
        held_on=timezone.localdate(),
        place=place,
        note="双方到场，陈述各自意见，调解员释明法律规定。",
    )


def _refer(referrer, officer, court, kind, number, people, employer, facts, claims):
    """A court's referral: its clerk submits it when the demo has the login, else the union
    records it on the court's behalf."""
    actor = referrer if referrer is not None else officer
    return intake.refer_in(
        actor=actor,
        agency=court,
        kind=kind,
        agency_case_number=number,
        applicants=people,
        employer_name=employer,
        facts=facts,
        claims=claims,
    )


def seed_mediation(*, yubei: Org, officer: User, demo_phone: str) -> dict:
    """The cases once; returns how many were made."""
    if MediationCase.objects.exists():
        return {"cases": 0}
    township = (
        Org.objects.filter(path__startswith=yubei.path, kind=OrgKind.TOWNSHIP_FEDERATION)
        .order_by("path")
        .first()
    ) or yubei
    agencies = _agencies(yubei)
    court = agencies[PartnerKind.COURT]
    clerk = next(
        (u for u in User.objects.filter(kind="partner") if agency_id_of(u) == court.pk), None
    )
    made = []

    def open_case(org, n, start, wages, extra=None, facts="公司拖欠工资，多次催要未果。"):
        return intake.open_case(
            actor=officer,
            org=org,
            applicants=_people(n, start),
            employer_name=EMPLOYERS[start % len(EMPLOYERS)],
            facts=facts,
            claims=_claims(wages, extra),
        )

    # Waiting to be accepted, and two court referrals waiting to be signed for.
    made.append(open_case(yubei, 1, 1, "8600.00"))
    made.append(
        _refer(
            clerk,
            officer,
            court,
            ReferralKind.ENTRUSTED_PRE,
            "(2026)渝0112民诉前调1203号",
            _people(1, 2),
            EMPLOYERS[0],
            "快递员主张公司未足额支付提成。",
            _claims("15200.00"),
        )
    )
    made.append(
        _refer(
            clerk,
            officer,
            court,
            ReferralKind.ENTRUSTED_SIMPLE,
            "(2026)渝0112民初8841号",
            _people(1, 3),
            EMPLOYERS[2],
            "员工主张加班费未支付。",
            [{"item": "加班费", "amount": "6400.00"}],
        )
    )
    # Accepted, on time.
    accepted = open_case(township, 1, 4, "5300.00")
    made.append(actions.accept(actor=officer, case=accepted))
    # A collective dispute in mediation, past its 15 days (督办 tonight).
    collective = open_case(
        yubei,
        6,
        5,
        "96000.00",
        "24000.00",
        facts="工地六名工人三个月工资未发，总包与分包互相推诿。",
    )
    collective = actions.accept(actor=officer, case=collective)
    collective = _session(officer, collective)
    _back_date(collective, 20)
    made.append(collective)
    # A court's entrusted case (ordinary procedure) in mediation, past its 15 days.
    entrusted = _refer(
        clerk,
        officer,
        court,
        ReferralKind.ENTRUSTED_ORDINARY,
        "(2026)渝0112民初7710号",
        _people(2, 7),
        EMPLOYERS[3],
        "两名厨师被口头辞退，主张经济补偿。",
        _claims("4000.00", "18000.00"),
    )
    entrusted = actions.accept(actor=officer, case=entrusted)
    entrusted = _session(officer, entrusted)
    _back_date(entrusted, 18)
    made.append(entrusted)
    # A court's delegated collective case: agreement, 司法确认, feedback letter to the court.
    confirmed = _refer(
        clerk,
        officer,
        court,
        ReferralKind.ENTRUSTED_PRE,
        "(2026)渝0112民诉前调1088号",
        _people(4, 0),
        EMPLOYERS[1],
        "四名工人被拖欠工资。",
        _claims("42000.00"),
    )
    confirmed = actions.accept(actor=officer, case=confirmed)
    confirmed = _session(officer, confirmed)
    confirmed = actions.agree(
        actor=officer,
        case=confirmed,
        terms="被申请人于协议签订之日起十日内一次性支付四名申请人工资共计四万元。",
        amount_agreed="40000.00",
    )
    confirmed = actions.confirm(
        actor=officer,
        case=confirmed,
        confirmed_on=timezone.localdate(),
        court=court.name,
        case_number="(2026)渝0112民特302号",
    )
    confirmed = actions.return_referral(actor=officer, case=confirmed)
    _back_date(confirmed, 40)
    made.append(confirmed)
    # From a 12351 ticket of 渝北: agreement reached.
    ticket = Ticket.objects.filter(org__path__startswith=yubei.path).order_by("pk").first()
    if ticket is not None:
        from_ticket = intake.open_case_from_ticket(actor=officer, ticket=ticket)
        from_ticket = actions.accept(actor=officer, case=from_ticket)
        from_ticket = actions.agree(
            actor=officer,
            case=from_ticket,
            terms="企业同意分两期支付欠款。",
            amount_agreed="12800.00",
        )
        _back_date(from_ticket, 30)
        made.append(from_ticket)
    # A delegated case that failed: back to the court for filing, with the points in dispute.
    failed = _refer(
        clerk,
        officer,
        court,
        ReferralKind.ENTRUSTED_PRE,
        "(2026)渝0112民诉前调0977号",
        _people(1, 8),
        EMPLOYERS[2],
        "员工主张存在劳动关系，公司主张为劳务关系。",
        _claims("30000.00"),
    )
    failed = actions.accept(actor=officer, case=failed)
    failed = _session(officer, failed)
    failed = actions.fail(
        actor=officer,
        case=failed,
        dispute_points="双方是否存在劳动关系；工资标准的认定。",
        infringement_known_on=timezone.localdate() - timedelta(days=90),
    )
    failed = actions.return_referral(actor=officer, case=failed)
    _back_date(failed, 35)
    made.append(failed)
    # A failure referred out to the arbitration commission.
    out = open_case(township, 1, 9, "9900.00")
    out = actions.accept(actor=officer, case=out)
    out = actions.fail(
        actor=officer,
        case=out,
        dispute_points="解除劳动合同是否合法。",
        infringement_known_on=timezone.localdate() - timedelta(days=60),
    )
    out = actions.refer_out(
        actor=officer,
        case=out,
        agency=agencies[PartnerKind.ARBITRATION],
        kind=ReferralKind.OTHER,
        note="申请人要求仲裁，移送仲裁委",
    )
    _back_date(out, 25)
    made.append(out)
    # Withdrawn.
    gone = open_case(yubei, 1, 6, "3000.00")
    made.append(actions.withdraw(actor=officer, case=gone, reason="企业已主动支付，申请人撤回申请"))
    # The demo worker's own: one waiting, one that failed (she sees her arbitration limit).
    worker = User.objects.filter(kind="member", phone_index=index_for("phone", demo_phone)).first()
    if worker is not None:
        person = Person.objects.filter(user=worker).first()
        mine = intake.apply_for_mediation(
            actor=worker,
            person=person,
            employer_name=EMPLOYERS[0],
            facts="公司拖欠我两个月工资，人事部门一直推脱。",
            claims=_claims("9800.00"),
        )
        made.append(mine)
        lost = intake.apply_for_mediation(
            actor=worker,
            person=person,
            employer_name=EMPLOYERS[0],
            facts="公司未支付年休假工资。",
            claims=[{"item": "未休年休假工资", "amount": "2600.00"}],
        )
        if lost.org.path.startswith(yubei.path):
            lost = actions.accept(actor=officer, case=lost)
            lost = _session(officer, lost)
            lost = actions.fail(
                actor=officer,
                case=lost,
                dispute_points="年休假天数的计算。",
                infringement_known_on=timezone.localdate() - timedelta(days=45),
            )
            _back_date(lost, 10)
        made.append(lost)
    return {"cases": len(made)}
