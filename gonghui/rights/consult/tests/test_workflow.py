"""A consultation from the worker's question to the rating: routing to the nearest firm, the
city's queue and assignment, the answer (a message and an SMS without the question), the
follow-up, the rating once, closing itself, and turning it into a 12351 ticket."""

import pytest
from django.core.exceptions import PermissionDenied

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.inbox.models import Message as InboxMessage
from gonghui.platform.sms.models import OutboxSMS
from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.rights.consult import actions
from gonghui.rights.consult.choices import Author, ConsultState
from gonghui.rights.consult.models import Consultation
from gonghui.rights.consult.testing import law_firm
from gonghui.rights.consult.workflows import consultation_states
from gonghui.rights.models import Ticket

pytestmark = pytest.mark.django_db
S = ConsultState
QUESTION = "公司拖欠我三个月工资共一万二千元，我该怎么维权？"


def ask(person, question=QUESTION, topic="wages"):
    return actions.ask(actor=person.user, person=person, topic=topic, question=question)


def run(c, user, name, **data):
    consultation_states.run(Consultation.objects.get(pk=c.pk), user, name, data)
    return Consultation.objects.get(pk=c.pk)


def test_a_question_goes_to_the_firm_kept_by_the_nearest_union_above(world, tree):
    c = ask(world.worker)
    assert c.state == S.WAITING and c.agency == world.firm and c.org == tree.yubei
    assert c.number.startswith("ZX-") and c.waiting_since is not None
    assert c.question == QUESTION and c.worker_phone == "13700001111"
    # encrypted at rest: the column does not hold the question
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT question FROM consult_consultation WHERE id = %s", [c.pk])
        assert "工资" not in cursor.fetchone()[0]


def test_a_nearer_firm_wins(world, tree):
    near = law_firm(tree.township, "回兴某律师事务所")
    c = ask(world.worker)
    assert c.agency == near and c.org == tree.township


def test_without_a_firm_on_her_way_up_it_waits_in_the_city_queue(world, tree):
    world.other_firm.active = False
    world.other_firm.save()
    c = ask(world.jb_worker)
    assert c.state == S.UNASSIGNED and c.agency is None and c.org == tree.city
    assert list(actions.waiting_for_firm(world.city_staff)) == [c]
    assert not actions.waiting_for_firm(world.yubei_staff).exists()


def test_city_staff_assign_a_firm_and_the_worker_is_told(world, tree):
    world.other_firm.active = False
    world.other_firm.save()
    c = ask(world.jb_worker)
    c = run(c, world.city_staff, "assign", agency=world.firm.pk)
    assert c.state == S.WAITING and c.agency == world.firm and c.org == tree.yubei
    note = InboxMessage.objects.get(user=world.jb_worker.user, event="assign")
    assert note.params["number"] == c.number


def test_a_firm_outside_the_assigners_area_is_refused(world, tree):
    c = ask(world.worker)
    with pytest.raises(ActionError):
        actions.assign(actor=world.yubei_staff, consultation=c, agency=world.other_firm.pk)
    assert Consultation.objects.get(pk=c.pk).agency == world.firm


def test_staff_reassign_to_another_firm(world, tree):
    c = ask(world.worker)
    c = run(c, world.city_staff, "assign", agency=world.other_firm.pk)
    assert c.agency == world.other_firm and c.org == tree.jiangbei
    with pytest.raises(ActionError):
        actions.assign(actor=world.city_staff, consultation=c, agency=world.other_firm.pk)


def test_the_lawyer_answers_and_the_worker_gets_a_message_and_an_sms(world):
    c = ask(world.worker)
    c = run(c, world.lawyer, "answer", text="可以向劳动监察大队投诉，或申请劳动仲裁。")
    assert c.state == S.ANSWERED and c.lawyer == world.lawyer and c.answered_at
    [m] = c.messages.all()
    assert m.author == Author.LAWYER and "劳动仲裁" in m.text
    assert InboxMessage.objects.filter(user=world.worker.user, event="answer").exists()
    sms = OutboxSMS.objects.get()
    assert sms.phone == "13700001111" and c.number in sms.message
    assert "工资" not in sms.message and "仲裁" not in sms.message
    assert AuditEvent.objects.filter(action="consult.answer").exists()


def test_only_the_assigned_firms_lawyer_answers(world):
    c = ask(world.worker)
    with pytest.raises(OutOfScope):
        actions.answer(actor=world.other_lawyer, consultation=c, text="答复")
    with pytest.raises(PermissionDenied):
        actions.answer(actor=world.yubei_staff, consultation=c, text="答复")
    offered = [o.name for o in consultation_states.offered(c, world.other_lawyer)]
    assert "answer" not in offered
    assert Consultation.objects.get(pk=c.pk).state == S.WAITING


def test_follow_up_goes_back_to_the_lawyer_and_a_second_answer_comes(world):
    c = ask(world.worker)
    c = run(c, world.lawyer, "answer", text="先收集工资条和考勤记录。")
    c = run(c, world.worker.user, "follow_up", text="没有工资条，只有微信转账记录，可以吗？")
    assert c.state == S.WAITING and c.waiting_since > c.answered_at
    c = run(c, world.lawyer, "answer", text="微信转账记录也可以作为证据。")
    authors = [m.author for m in c.messages.order_by("at", "id")]
    assert authors == [Author.LAWYER, Author.WORKER, Author.LAWYER]


def test_she_rates_once_and_a_second_rating_is_refused(world):
    c = ask(world.worker)
    c = run(c, world.lawyer, "answer", text="可以申请劳动仲裁。")
    c = run(c, world.worker.user, "rate", rating="satisfied", comment="很清楚")
    assert c.state == S.RATED and c.rating == "satisfied" and c.closed_at
    with pytest.raises(ActionError):
        actions.rate(actor=world.worker.user, consultation=c, rating="unsatisfied")
    assert Consultation.objects.get(pk=c.pk).rating == "satisfied"


def test_another_worker_cannot_follow_up_or_rate(world):
    c = ask(world.worker)
    c = run(c, world.lawyer, "answer", text="可以申请劳动仲裁。")
    with pytest.raises(OutOfScope):
        actions.rate(actor=world.jb_worker.user, consultation=c, rating="unsatisfied")
    with pytest.raises(OutOfScope):
        actions.follow_up(actor=world.jb_worker.user, consultation=c, text="?")


def test_staff_turn_it_into_a_ticket_the_worker_sees(world, tree):
    c = ask(world.worker)
    c = run(c, world.lawyer, "answer", text="建议向工会申请帮助。")
    c = run(
        c,
        world.yubei_staff,
        "to_ticket",
        category="complaint-arrears",
        request="要求公司支付拖欠的工资",
    )
    ticket = Ticket.objects.get()
    assert c.state == S.CONVERTED and c.ticket == ticket and c.converted_number == ticket.number
    assert QUESTION in ticket.facts and "建议向工会申请帮助" in ticket.facts
    assert ticket.caller_user == world.worker.user  # on her 12351 page too
    assert ticket.org == tree.yubei
    assert InboxMessage.objects.filter(user=world.worker.user, event="to_ticket").exists()
    assert AuditEvent.objects.filter(action="consult.to_ticket").exists()
    with pytest.raises(ActionError):
        actions.to_ticket(
            actor=world.yubei_staff, consultation=c, category="complaint-arrears", request="x"
        )
    assert Ticket.objects.count() == 1


def test_staff_of_another_district_cannot_touch_it(world):
    c = ask(world.worker)
    with pytest.raises(OutOfScope):
        actions.to_ticket(
            actor=world.jiangbei_staff, consultation=c, category="complaint-arrears", request="x"
        )
    assert not Ticket.objects.exists()


def test_an_empty_question_writes_nothing(world):
    with pytest.raises(ActionError):
        ask(world.worker, question="   ")
    assert not Consultation.objects.exists()


def test_staff_open_a_mediation_case_from_it(world, tree):
    from gonghui.rights.mediation.models import MediationCase

    c = ask(world.worker)
    c = run(
        c,
        world.yubei_staff,
        "to_mediation",
        category="complaint-arrears",
        request="调解",
        employer_name="渝北某物流公司",
    )
    case = MediationCase.objects.get()
    assert c.state == S.CONVERTED and c.converted_to == "mediation"
    assert c.converted_number == case.number and c.converted_id == case.pk
    assert c.ticket is not None and case.ticket == c.ticket
    assert InboxMessage.objects.filter(user=world.worker.user, event="to_mediation").exists()


def test_staff_open_a_legal_aid_application_from_it(world, tree):
    from gonghui.rights.legalaid.models import AidApplication

    c = ask(world.worker, topic="injury")
    c = run(
        c, world.yubei_staff, "to_legal_aid", category="legal-aid-dispute", request="申请法律援助"
    )
    app = AidApplication.objects.get()
    assert c.state == S.CONVERTED and c.converted_to == "legal_aid"
    assert c.converted_number == app.number and app.ticket == c.ticket
    assert app.case_type == "work_injury"


def test_a_legal_aid_application_needs_a_legal_aid_category(world):
    from gonghui.rights.consult.convert import to_legal_aid

    c = ask(world.worker)
    with pytest.raises(ActionError):
        to_legal_aid(
            actor=world.yubei_staff, consultation=c, category="complaint-arrears", request="x"
        )
    assert not Ticket.objects.exists()  # nothing written
    assert Consultation.objects.get(pk=c.pk).state == S.WAITING
