"""问答库: the hotline keeps answers in the console; on a call about a 问题咨询 the operator picks
one and the ticket is closed at intake, the answer being the reply the worker reads."""

import pytest
from django.utils import timezone

from gonghui.assistance.testing import make_person
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.workflow.base import ActionError
from gonghui.rights import answers, deadlines
from gonghui.rights.choices import TicketState
from gonghui.rights.models import KnowledgeAnswer, Ticket
from gonghui.rights.testing import KnowledgeAnswerFactory, category
from gonghui.rights.tests.test_api_console import INTAKE
from gonghui.rights.tests.test_workflow import call, run

pytestmark = pytest.mark.django_db
S = TicketState


def test_the_operator_keeps_the_table_in_the_console(client, staff):
    client.force_login(staff.operator)
    assert client.get("/console/rights/knowledgeanswer/add/").status_code == 200
    response = client.post(
        "/console/rights/knowledgeanswer/add/",
        {
            "category": category("consult-insurance").pk,
            "question": "灵活就业人员怎么参加社保？",
            "answer": "可以个人身份到社保经办机构参保。",
            "keywords": "社保 灵活就业",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = KnowledgeAnswer.objects.get()
    assert row.keywords == "社保 灵活就业"
    assert AuditEvent.objects.filter(action="rights.add_answer").count() == 1
    listed = client.get("/console/rights/knowledgeanswer/?q=灵活就业").content.decode()
    assert "灵活就业人员怎么参加社保" in listed
    client.force_login(staff.yubei)  # rights officers read it, do not change it
    assert client.get("/console/rights/knowledgeanswer/").status_code == 200
    assert client.get("/console/rights/knowledgeanswer/add/").status_code == 403


def test_search_finds_by_keyword_and_leaves_out_answers_not_in_use():
    used = KnowledgeAnswerFactory(keywords="工伤 认定", question="工伤认定要多久？")
    KnowledgeAnswerFactory(keywords="工伤", active=False)
    KnowledgeAnswerFactory(category=category("complaint-arrears"), keywords="工伤")
    assert list(answers.search("工伤")) == [used]
    assert list(answers.search("工伤 多久")) == [used]
    assert list(answers.search("加班")) == []


def test_a_consultation_is_closed_at_intake_with_an_answer_and_counts_as_on_time(
    client, tree, staff
):
    person = make_person(tree.grassroots, account=True, phone="13512345678")
    answer = KnowledgeAnswerFactory(answer="灵活就业人员可以个人身份参保。")
    client.force_login(staff.operator)
    response = client.post(
        "/console/rights/ticket/add/",
        {**INTAKE, "category": "consult-insurance", "complexity": "general", "answer": answer.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.state == S.CLOSED and ticket.answer == answer
    assert ticket.reply == "灵活就业人员可以个人身份参保。"
    assert ticket.resolved_at == ticket.closed_at
    assert timezone.localdate(ticket.closed_at) == timezone.localdate(ticket.received_at)
    due = deadlines.RULES[f"rights.finish.{ticket.complexity}"].due(
        timezone.localdate(ticket.received_at)
    )
    assert timezone.localdate(ticket.resolved_at) <= due  # closed on time
    client.force_login(person.user)
    page = client.get(f"/m/rights/{ticket.pk}/").content.decode()
    assert "灵活就业人员可以个人身份参保。" in page


def test_a_complaint_cannot_be_closed_with_an_answer(client, staff):
    answer = KnowledgeAnswerFactory()
    client.force_login(staff.operator)
    response = client.post(
        "/console/rights/ticket/add/", {**INTAKE, "complexity": "general", "answer": answer.pk}
    )
    assert response.status_code == 200  # the form with the reason
    assert not Ticket.objects.exists()


def test_the_declared_transition_takes_an_answer_or_words(tree, staff):
    answer = KnowledgeAnswerFactory(answer="劳动合同到期不续签，单位应支付经济补偿。")
    t = run(
        call(staff, category="consult-contract"), staff.operator, "answer_close", answer=answer.pk
    )
    assert t.state == S.CLOSED and t.reply.startswith("劳动合同到期")
    t2 = call(staff, category="consult-contract")
    with pytest.raises(ActionError):
        run(t2, staff.operator, "answer_close", answer=answer.pk + 999)
    with pytest.raises(ActionError):
        run(t2, staff.operator, "answer_close", answer=None, reply="")
    assert Ticket.objects.get(pk=t2.pk).state == S.RECEIVED


def test_the_answer_page_and_the_intake_offer_the_table_with_its_search(client, staff):
    KnowledgeAnswerFactory(question="试用期最长多久？", keywords="试用期 期限")
    KnowledgeAnswerFactory(question="不再使用的问题", active=False)
    t = call(staff, category="consult-contract")
    client.force_login(staff.operator)
    for url in (f"/console/rights/ticket/{t.pk}/do/answer_close/", "/console/rights/ticket/add/"):
        page = client.get(url).content.decode()
        assert "试用期最长多久？" in page and "不再使用的问题" not in page
        assert "rights/answer_search.js" in page and "data-answer-search=" in page
        assert 'data-words="试用期最长多久？ 试用期 期限' in page
