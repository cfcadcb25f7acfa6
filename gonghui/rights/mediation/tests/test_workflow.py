"""Every step of a mediation case by the role that takes it (domain-scenarios.md C2): intake
from scratch, from a 12351 ticket, from a court's referral or the worker's own application →
受理 / 签收 → sessions → agreement (→ 司法确认) / failure (告知仲裁) / withdrawal, the
extension with consent, the feedback letter and the referral out; and what others cannot do."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from gonghui.assistance.testing import make_person
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.inbox.models import Message
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.platform.workflow.transitions import TransitionRefused
from gonghui.rights import partner_actions
from gonghui.rights.choices import PartnerKind
from gonghui.rights.mediation import intake
from gonghui.rights.mediation.choices import CaseState, Clock, Direction, ReferralKind, Source
from gonghui.rights.mediation.models import MediationCase, Referral
from gonghui.rights.mediation.testing import PartnerAgencyFactory, applicant, claim
from gonghui.rights.mediation.workflows import case_states
from gonghui.rights.testing import TicketFactory

pytestmark = pytest.mark.django_db
S = CaseState
_capture = None


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.GONGHUI_SMS_RUNNER = "inline"
    LocmemBackend.outbox = []


def names(case, user, face="console"):
    return {o.name: o.enabled for o in case_states.offered(case, user, face)}


@pytest.fixture(autouse=True)
def _commit(django_capture_on_commit_callbacks):
    """The SMS leave once the action's transaction commits."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield


def run(case, user, name, **data):
    case = MediationCase.objects.get(pk=case.pk)
    with _capture(execute=True):
        case_states.run(case, user, name, data, face="console")
    return MediationCase.objects.get(pk=case.pk)


def open_collective(tree, staff, **kw):
    data = {
        "org": tree.yubei,
        "applicants": [applicant("张伟", "13900001111"), applicant("李娜", "13900002222")],
        "facts": "某建筑公司拖欠二十名工人三个月工资",
        "claims": [claim("拖欠工资", "36000.50"), claim("经济补偿", "8000")],
        "employer_name": "渝北某建筑公司",
        **kw,
    }
    return intake.open_case(actor=staff.yubei, **data)


def test_staff_open_a_collective_case_with_the_names_and_facts_encrypted(tree, staff):
    case = open_collective(tree, staff)
    assert case.state == S.APPLIED and case.number.startswith("TJ-")
    assert [a.name for a in case.applicants.all()] == ["张伟", "李娜"]
    assert sum(c.amount for c in case.claims.all()) == Decimal("44000.50")
    with connection.cursor() as c:
        c.execute("select facts from mediation_mediationcase where id = %s", [case.pk])
        assert "拖欠" not in c.fetchone()[0]
        c.execute("select name, phone from mediation_applicant where case_id = %s", [case.pk])
        for name, phone in c.fetchall():
            assert "张伟" not in name and "1390000" not in phone
    assert AuditEvent.objects.filter(action="mediation.open_case").count() == 1


def test_a_case_needs_an_applicant_and_a_claim_amount_in_yuan(tree, staff):
    with pytest.raises(ActionError):
        open_collective(tree, staff, applicants=[])
    with pytest.raises(ActionError):
        open_collective(tree, staff, claims=[claim("工资", "一万")])
    assert not MediationCase.objects.exists()


def test_a_union_cannot_open_a_case_at_a_union_outside_its_area(tree, staff):
    with pytest.raises(OutOfScope):
        open_collective(tree, staff, org=tree.jiangbei)
    with pytest.raises(PermissionDenied):
        intake.open_case(actor=staff.viewer, org=tree.yubei, applicants=[applicant()], facts="x")


def test_a_ticket_becomes_a_case_with_one_action_copying_caller_employer_and_facts(tree, staff):
    ticket = TicketFactory(
        org=tree.yubei, caller_name="赵敏", caller_phone="13511112222", employer_name="某餐饮店"
    )
    case = intake.open_case_from_ticket(actor=staff.yubei, ticket=ticket)
    assert case.ticket == ticket and case.source == Source.TICKET and case.org == tree.yubei
    person = case.applicants.get()
    assert (person.name, person.phone) == ("赵敏", "13511112222")
    assert case.employer_name == "某餐饮店" and ticket.facts in case.facts
    with pytest.raises(ActionError):
        intake.open_case_from_ticket(actor=staff.yubei, ticket=ticket)
    # Another district cannot reach the ticket.
    other = TicketFactory(org=tree.yubei)
    with pytest.raises(OutOfScope):
        intake.open_case_from_ticket(actor=staff.jiangbei, ticket=other)


def test_acceptance_starts_the_15_calendar_days_and_tells_the_worker(tree, staff):
    person = make_person(tree.grassroots, account=True, phone="13700005555")
    case = open_collective(tree, staff)
    case.applicant_user = person.user
    case.save(update_fields=["applicant_user"])
    assert "accept" not in names(case, staff.jiangbei)
    case = run(case, staff.yubei, "accept")
    today = timezone.localdate()
    assert case.state == S.ACCEPTED and case.clock == Clock.STATUTORY
    assert case.due_on == today + timedelta(days=15)  # §14: 15 days, calendar days
    assert case.mediator == staff.yubei
    message = Message.objects.get(user=person.user)
    assert case.number in str(message) and staff.yubei.username not in str(message)
    phones = sorted(p for p, _t in LocmemBackend.outbox)
    assert phones == ["13900001111", "13900002222"]
    assert "渝北区总工会" in LocmemBackend.outbox[0][1]


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (ReferralKind.ENTRUSTED_PRE, 30),
        (ReferralKind.ENTRUSTED_ORDINARY, 15),
        (ReferralKind.ENTRUSTED_SIMPLE, 7),
    ],
)
def test_a_courts_referral_runs_its_days_from_the_union_signing_for_it(tree, staff, kind, days):
    court = PartnerAgencyFactory(org=tree.yubei, name="渝北区人民法院")
    case = intake.refer_in(
        actor=staff.yubei,
        agency=court,
        kind=kind,
        agency_case_number="(2026)渝0112民诉前调1号",
        applicants=[applicant()],
        facts="劳动报酬争议",
        employer_name="某公司",
        referred_on=timezone.localdate() - timedelta(days=3),
    )
    referral = case.referrals.get()
    assert referral.direction == Direction.IN and referral.signed_at is None
    case = run(case, staff.yubei, "accept")
    referral.refresh_from_db()
    assert referral.signed_at is not None and referral.signed_by == staff.yubei
    # 特邀调解规定 §27: counted from signing for it, not from the court's referral date.
    assert case.due_on == timezone.localdate() + timedelta(days=days)


def test_a_partner_refers_only_for_its_own_agency(tree, staff):
    court = PartnerAgencyFactory(org=tree.yubei, name="渝北区人民法院")
    bureau = PartnerAgencyFactory(org=tree.yubei, name="渝北区司法局", kind=PartnerKind.JUSTICE)
    officer = staff.yubei
    agent = partner_actions.create_partner_account(
        actor=officer,
        agency=court,
        username="court_clerk",
        display_name="法院联络员",
        phone="13900009999",
        password="Partner#2026-test",  # noqa: S106 - a test account's password
    )
    partner = type(agent.user).objects.get(pk=agent.user.pk)
    data = {
        "kind": ReferralKind.ENTRUSTED_ORDINARY,
        "applicants": [applicant("周杰")],
        "facts": "加班费争议",
        "employer_name": "某电子厂",
    }
    case = intake.refer_in(actor=partner, agency=court, **data)
    assert case.org == tree.yubei and case.referrals.get().agency == court
    with pytest.raises(OutOfScope):
        intake.refer_in(actor=partner, agency=bureau, **data)
    assert MediationCase.objects.count() == 1


def test_a_referral_to_or_from_an_agency_not_in_use_is_refused_and_nothing_is_written(tree, staff):
    gone = PartnerAgencyFactory(org=tree.yubei, name="已停用的律所", active=False)
    data = {"kind": "other", "applicants": [applicant()], "facts": "争议", "employer_name": "某厂"}
    with pytest.raises(ActionError, match="已停用的律所"):
        intake.refer_in(actor=staff.yubei, agency=gone, **data)
    with pytest.raises(ActionError):
        intake.refer_in(actor=staff.yubei, agency=987654, **data)
    assert not MediationCase.objects.exists()
    case = run(open_collective(tree, staff), staff.yubei, "accept")
    with pytest.raises(ActionError):
        run(case, staff.yubei, "refer_out", agency=gone.pk, kind="other")
    assert not Referral.objects.exists()


def test_the_extension_needs_the_parties_consent(tree, staff):
    case = run(open_collective(tree, staff), staff.yubei, "accept")
    due = case.due_on
    with pytest.raises(ActionError):
        run(case, staff.yubei, "extend", days=10, reason="双方同意延长", consent=False)
    case = run(case, staff.yubei, "extend", days=10, reason="双方同意延长", consent=True)
    assert case.due_on == due + timedelta(days=10) and case.state == S.ACCEPTED
    assert case.steps.filter(name="extend").exists()


def test_a_failed_mediation_tells_the_worker_her_arbitration_limit(tree, staff):
    person = make_person(tree.grassroots, account=True, phone="13700006666")
    case = open_collective(tree, staff)
    case.applicant_user = person.user
    case.save(update_fields=["applicant_user"])
    case = run(case, staff.yubei, "accept")
    case = run(case, staff.yubei, "record_session", held_on=timezone.localdate(), place="调解室")
    assert case.state == S.MEDIATING and case.sessions.count() == 1
    known = timezone.localdate() - timedelta(days=40)
    case = run(case, staff.yubei, "fail", dispute_points="加班时长", infringement_known_on=known)
    assert case.state == S.FAILED and case.due_on is None
    # 劳动争议调解仲裁法 §27: one year from when she knew of the infringement.
    limit = known.replace(year=known.year + 1)
    assert case.arbitration_deadline == limit
    assert limit.isoformat() in str(Message.objects.filter(user=person.user).order_by("pk").last())
    assert any(limit.isoformat() in text for _p, text in LocmemBackend.outbox)


def test_an_agreement_then_its_judicial_confirmation_and_the_feedback_to_the_court(tree, staff):
    court = PartnerAgencyFactory(org=tree.yubei, name="渝北区人民法院")
    case = intake.refer_in(
        actor=staff.yubei,
        agency=court,
        kind=ReferralKind.ENTRUSTED_PRE,
        applicants=[applicant()],
        facts="工资争议",
        employer_name="某公司",
    )
    case = run(case, staff.yubei, "accept")
    assert "return_referral" not in names(case, staff.yubei)  # nothing concluded yet
    case = run(case, staff.yubei, "agree", terms="公司于月底支付工资八千元", amount_agreed="8000")
    assert case.state == S.AGREED and case.amount_agreed == Decimal("8000.00")
    today = timezone.localdate()
    case = run(
        case,
        staff.yubei,
        "confirm",
        confirmed_on=today,
        court="渝北区人民法院",
        case_number="(2026)渝0112民特1号",
    )
    assert case.confirmed_on == today and case.state == S.AGREED
    with pytest.raises(TransitionRefused):
        run(case, staff.yubei, "confirm", confirmed_on=today, court="x", case_number="y")
    case = run(case, staff.yubei, "return_referral")
    referral = case.referrals.get()
    assert referral.returned_on == today and "八千元" in referral.feedback
    assert names(case, staff.yubei)["return_referral"] is False


def test_withdrawal_and_what_a_viewer_and_another_district_may_not_do(tree, staff):
    case = open_collective(tree, staff)
    assert names(case, staff.viewer) == {}
    assert names(case, staff.jiangbei) == {}
    with pytest.raises(PermissionDenied):
        run(case, staff.viewer, "accept")
    case = run(case, staff.yubei, "withdraw", reason="申请人撤回")
    assert case.state == S.WITHDRAWN and case.outcome == "withdrawn"
    with pytest.raises(ActionError):
        run(case, staff.yubei, "accept")


def test_the_worker_applies_on_her_own_and_reads_only_her_cases(tree, staff):
    person = make_person(tree.grassroots, account=True, phone="13700007777")
    case = intake.apply_for_mediation(
        actor=person.user,
        person=person,
        facts="被拖欠工资",
        claims=[claim("工资", "5000")],
        employer_name="某超市",
    )
    assert case.source == Source.PORTAL and case.org == tree.grassroots  # her union
    assert list(MediationCase.objects.own(person.user)) == [case]
    assert case.applicants.get().phone == "13700007777"
    with pytest.raises(OutOfScope):
        intake.apply_for_mediation(actor=staff.yubei, facts="x", employer_name="y")


def test_a_session_cannot_be_recorded_before_it_was_held(tree, staff):
    case = run(open_collective(tree, staff), staff.yubei, "accept")
    with pytest.raises(ActionError):
        run(
            case, staff.yubei, "record_session", held_on=date.today() + timedelta(days=2), place="x"
        )


def test_a_township_refers_to_its_districts_court_but_not_to_another_districts(tree, staff):
    court = PartnerAgencyFactory(org=tree.yubei, name="渝北区人民法院")
    elsewhere = PartnerAgencyFactory(org=tree.jiangbei, name="江北区人民法院")
    case = intake.open_case(
        actor=staff.township,
        org=tree.township,
        applicants=[applicant()],
        facts="工资争议",
        employer_name="某公司",
    )
    case = run(case, staff.township, "accept")
    with pytest.raises(ActionError):
        run(case, staff.township, "refer_out", agency=elsewhere.pk, kind="other")
    case = run(case, staff.township, "refer_out", agency=court.pk, kind="other", note="移送")
    out = case.referrals.get()
    assert out.direction == Direction.OUT and out.agency == court
    assert case.state == S.ACCEPTED and case.steps.filter(name="refer_out").exists()


def test_the_mediator_is_chosen_among_the_unions_mediators(tree, staff):
    case = intake.open_case(
        actor=staff.yubei,
        org=tree.township,
        applicants=[applicant()],
        facts="工资争议",
        employer_name="某公司",
    )
    from gonghui.rights.mediation.actions import mediator_choices

    assert set(mediator_choices(case)) == {staff.yubei, staff.township}
    with pytest.raises(ActionError):
        run(case, staff.yubei, "accept", mediator=staff.jiangbei.pk)
    case = run(case, staff.yubei, "accept", mediator=staff.township.pk)
    assert case.mediator == staff.township
