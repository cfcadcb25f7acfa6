"""The mediation clocks in calendar days, as the statutes say 日 (劳动争议调解仲裁法 §14, 特邀调解
规定 §27): national-day holidays count; the days the parties consented to push the due day;
the nightly run warns, flags overdue and escalates (督办) to the union above; the arbitration
limit of §27; and the demo seeder's cases in every state."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from gonghui.assistance.testing import make_person
from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.calendar.models import DeadlineEvent
from gonghui.rights.mediation import deadlines
from gonghui.rights.mediation.choices import CaseState, Clock, Direction, ReferralKind
from gonghui.rights.mediation.models import MediationCase
from gonghui.rights.mediation.testing import MediationCaseFactory
from gonghui.rights.models import PartnerAgency
from gonghui.rights.testing import TicketFactory

pytestmark = pytest.mark.django_db
S = CaseState


def running(org, clock=Clock.STATUTORY, start=date(2026, 9, 28), extension=0, state=S.MEDIATING):
    case = MediationCaseFactory(
        org=org, state=state, clock=clock, clock_start=start, extension_days=extension
    )
    case.due_on = deadlines.due_on(case)
    case.save(update_fields=["due_on"])
    return case


def test_fifteen_calendar_days_run_through_the_national_day_holiday(tree):
    case = running(tree.township)
    assert case.due_on == date(2026, 10, 13)  # holidays are days too: the statute says 日
    assert deadlines.status(case, date(2026, 10, 13)) != "overdue"
    assert deadlines.status(case, date(2026, 10, 14)) == "overdue"
    assert deadlines.status(case, date(2026, 10, 11)) == "warning"


@pytest.mark.parametrize(
    ("clock", "due"),
    [
        (Clock.PRE_FILING, date(2026, 10, 28)),
        (Clock.ORDINARY, date(2026, 10, 13)),
        (Clock.SIMPLE, date(2026, 10, 5)),
    ],
)
def test_the_courts_clocks(tree, clock, due):
    assert running(tree.yubei, clock).due_on == due


def test_the_parties_consent_pushes_the_due_day(tree):
    case = running(tree.yubei, extension=10)
    assert case.due_on == date(2026, 10, 23)
    assert deadlines.status(case, date(2026, 10, 20)) != "overdue"


def test_the_nightly_run_escalates_an_overdue_case_to_the_union_above(tree):
    late = running(tree.township)
    soon = running(tree.yubei, start=date(2026, 10, 1))  # due 16 October
    running(tree.yubei, state=S.AGREED)  # concluded: no clock
    evaluate_deadlines(date(2026, 10, 14))
    ct = ContentType.objects.get_for_model(MediationCase)
    events = DeadlineEvent.objects.filter(content_type=ct)
    kinds = {(e.object_id, e.kind) for e in events}
    assert (late.pk, "overdue") in kinds and (late.pk, "escalated") in kinds
    assert events.get(object_id=late.pk, kind="escalated").escalated_to == tree.yubei
    assert (soon.pk, "warned") in kinds and (soon.pk, "overdue") not in kinds
    assert {e.object_id for e in events} == {late.pk, soon.pk}


def test_the_arbitration_limit_is_one_year_from_knowing_of_the_infringement():
    assert deadlines.arbitration_limit(date(2026, 3, 15)) == date(2027, 3, 15)
    assert deadlines.arbitration_limit(date(2028, 2, 29)) == date(2029, 2, 28)


def test_the_demo_seeder_makes_cases_in_every_state(tree):
    from gonghui.demo.seed_mediation import seed_mediation
    from gonghui.platform.testing.factories import staff_with_role

    officer = staff_with_role(tree.yubei, "rights_officer", username="yubei_rights")
    TicketFactory(org=tree.yubei)
    worker = make_person(tree.grassroots, account=True, phone="13700009999").user
    summary = seed_mediation(yubei=tree.yubei, officer=officer, demo_phone="13700009999")
    assert summary["cases"] >= 12
    assert set(MediationCase.objects.values_list("state", flat=True)) == set(S.values)
    # The agencies were missing, so the seeder made them, kept by 渝北.
    assert PartnerAgency.objects.filter(org=tree.yubei).count() == 4
    cases = MediationCase.objects.all()
    assert any(c.applicants.count() > 1 for c in cases)  # collective disputes
    inbound = {r.kind for c in cases for r in c.referrals.all() if r.direction == Direction.IN}
    assert {ReferralKind.ENTRUSTED_PRE, ReferralKind.ENTRUSTED_ORDINARY} <= inbound
    assert cases.filter(referrals__direction=Direction.OUT).exists()
    assert cases.filter(confirmed_on__isnull=False).exists()
    today = date.today()
    assert cases.filter(due_on__lt=today, state__in=(S.ACCEPTED, S.MEDIATING)).count() >= 2
    mine = cases.filter(applicant_user=worker)
    assert mine.count() == 2 and mine.filter(state=S.FAILED).exists()
    # Idempotent.
    assert seed_mediation(yubei=tree.yubei, officer=officer, demo_phone="13700009999") == {
        "cases": 0
    }
    assert all(c.due_on is None or c.due_on > c.clock_start for c in cases if c.clock_start)
    assert cases.filter(applied_at__lt=timezone.now() - timedelta(days=15)).exists()
