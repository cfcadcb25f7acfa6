"""The answer clock (3 working days by default, on the platform calendar: across 国庆 the days
off do not count), its escalation (督办), the quiet answer closing itself, the start-page
to-dos, and the demo's consultations in every state."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.calendar.models import DeadlineEvent
from gonghui.platform.todos import todos_for
from gonghui.rights.consult import actions, deadlines
from gonghui.rights.consult.choices import ConsultState
from gonghui.rights.consult.models import Consultation
from gonghui.rights.testing import on

pytestmark = pytest.mark.django_db
S = ConsultState


def ask(person):
    return actions.ask(actor=person.user, person=person, topic="wages", question="欠薪怎么办")


def test_the_answer_is_due_three_working_days_later_across_national_day(world, settings):
    # Assigned on Monday 29 September 2025: 1–8 October are days off (国庆 and 中秋), the 28th
    # of September and the 11th of October are working weekend days (调休).
    c = ask(world.worker)
    Consultation.objects.filter(pk=c.pk).update(waiting_since=on(date(2025, 9, 29)))
    c.refresh_from_db()
    assert deadlines.answer_due(c) == date(2025, 10, 10)
    settings.GONGHUI_CONSULT_ANSWER_WORKING_DAYS = 1
    assert deadlines.answer_due(c) == date(2025, 9, 30)


def test_an_overdue_answer_is_escalated_to_the_union_above(world, tree):
    c = ask(world.worker)
    start = timezone.localdate() - timedelta(days=20)
    Consultation.objects.filter(pk=c.pk).update(waiting_since=on(start))
    evaluate_deadlines(only=["consult.answer"])
    kinds = set(
        DeadlineEvent.objects.filter(rule="consult.answer", object_id=c.pk).values_list(
            "kind", "org_id"
        )
    )
    assert ("overdue", tree.yubei.pk) in kinds
    escalated = DeadlineEvent.objects.get(rule="consult.answer", kind="escalated")
    assert escalated.escalated_to == tree.city
    assert list(deadlines.overdue(Consultation.objects.all())) == [c]


def test_a_quiet_answer_closes_itself_and_can_still_be_rated(
    world, django_capture_on_commit_callbacks
):
    c = ask(world.worker)
    c = actions.answer(actor=world.lawyer, consultation=c, text="可以申请仲裁")
    Consultation.objects.filter(pk=c.pk).update(answered_at=timezone.now() - timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_deadlines(only=["consult.auto_close"])
    c.refresh_from_db()
    assert c.state == S.CLOSED and c.closed_at is not None
    c = actions.rate(actor=world.worker.user, consultation=c, rating="fairly")
    assert c.state == S.RATED


def test_an_answer_followed_up_does_not_close(world, django_capture_on_commit_callbacks):
    c = ask(world.worker)
    c = actions.answer(actor=world.lawyer, consultation=c, text="可以申请仲裁")
    Consultation.objects.filter(pk=c.pk).update(answered_at=timezone.now() - timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_deadlines(only=["consult.auto_close"])
    assert Consultation.objects.get(pk=c.pk).state == S.ANSWERED


def test_start_page_to_dos_for_staff_and_the_lawyer(world):
    world.other_firm.active = False
    world.other_firm.save()
    ask(world.jb_worker)  # the city's queue
    late = ask(world.worker)
    Consultation.objects.filter(pk=late.pk).update(
        waiting_since=timezone.now() - timedelta(days=20)
    )
    today = timezone.localdate()
    city = {t.label: t.count for t in todos_for(world.city_staff, today)}
    assert city[str(actions_label("Consultations waiting for a law firm"))] == 1
    assert city[str(actions_label("Consultations past the answer deadline in your area"))] == 1
    mine = {t.label: t.count for t in todos_for(world.lawyer, today)}
    assert mine[str(actions_label("Consultations waiting for your answer"))] == 1
    assert not todos_for(world.other_lawyer, today)


def actions_label(text):
    from django.utils.translation import gettext

    return gettext(text)


def test_the_demo_has_consultations_in_every_state():
    from gonghui.demo.seed import seed_demo

    seed_demo(members_per_union=2)
    states = set(Consultation.objects.values_list("state", flat=True))
    assert {S.UNASSIGNED, S.WAITING, S.ANSWERED, S.RATED, S.CLOSED, S.CONVERTED} <= states
    assert deadlines.overdue(Consultation.objects.all()).exists()
    lawyer_rows = Consultation.objects.filter(lawyer__username="lawfirm_partner")
    assert lawyer_rows.exists()
