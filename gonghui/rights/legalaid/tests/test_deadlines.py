"""The legal-aid clocks on the platform calendar: 7 calendar days to decide (法律援助法 §43 says
日, so 国庆 does not stretch it as working days would), 3 to assign a lawyer once granted, the
clock restarted when the missing documents come, the overdue list and the nightly escalation
(督办) to the union above the handling one."""

from datetime import date

import pytest

from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.calendar.models import DeadlineEvent
from gonghui.rights.legalaid import deadlines
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.testing import AidApplicationFactory
from gonghui.rights.testing import on

pytestmark = pytest.mark.django_db
S = AidState


def test_the_decision_is_due_seven_calendar_days_after_the_application_even_over_national_day(
    tree,
):
    app = AidApplicationFactory(org=tree.yubei, applied_at=on(date(2026, 9, 28)))
    clock = deadlines.clock(app)
    # 7 days: 29, 30 September and 1–5 October, in the middle of the holiday.
    assert clock.due() == date(2026, 10, 5)
    assert clock.status(date(2026, 10, 3)) == "warning"
    assert clock.status(date(2026, 10, 5)) == "warning"
    assert clock.status(date(2026, 10, 6)) == "overdue"
    assert clock.rule.kind == "calendar_days" and "§43" in str(clock.rule.legal_basis)


def test_the_lawyer_is_due_three_days_after_the_grant_across_spring_festival(tree):
    app = AidApplicationFactory(
        org=tree.yubei,
        state=S.GRANTED,
        applied_at=on(date(2026, 2, 10)),
        decided_at=on(date(2026, 2, 14)),
    )
    clock = deadlines.clock(app)
    assert clock.label == str(deadlines.RULES["legalaid.lawyer"].label)
    assert clock.due() == date(2026, 2, 17)  # 春节 2026-02-17: calendar days still count
    assert clock.status(date(2026, 2, 18)) == "overdue"


def test_no_clock_runs_while_the_union_waits_for_documents_or_after_a_lawyer(tree):
    for state in (S.CORRECTION, S.ASSIGNED, S.HANDLING, S.CLOSED, S.REFUSED):
        app = AidApplicationFactory(org=tree.yubei, state=state, applied_at=on(date(2026, 9, 1)))
        assert deadlines.clock(app) is None
    assert not deadlines.overdue(AidApplication.objects.all(), date(2026, 12, 1)).exists()


def test_the_overdue_list_and_the_nightly_escalation_to_the_union_above(tree):
    late = AidApplicationFactory(org=tree.township, applied_at=on(date(2026, 11, 2)))
    fresh = AidApplicationFactory(org=tree.township, applied_at=on(date(2026, 11, 9)))
    today = date(2026, 11, 10)
    assert list(deadlines.overdue(AidApplication.objects.all(), today)) == [late]
    assert set(deadlines.due_soon(AidApplication.objects.all(), today)) == {late}
    evaluate_deadlines(today, only=["legalaid.decision"])
    events = DeadlineEvent.objects.filter(rule="legalaid.decision", object_id=late.pk)
    assert set(events.values_list("kind", flat=True)) >= {"overdue", "escalated"}
    assert events.get(kind="escalated").escalated_to == tree.yubei
    assert not DeadlineEvent.objects.filter(object_id=fresh.pk, kind="overdue").exists()
    evaluate_deadlines(today, only=["legalaid.decision"])  # a second run writes nothing more
    assert DeadlineEvent.objects.filter(rule="legalaid.decision").count() == events.count()
