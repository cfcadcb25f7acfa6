"""The caller's SMS on each step she should know about (a non-member who phoned too), never
with the facts or a staff name; and a ticket for an employer outside the city refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.assistance.testing import make_person
from gonghui.orgs.models import Employer
from gonghui.platform.inbox.models import Message
from gonghui.platform.sms.models import OutboxSMS
from gonghui.platform.workflow.base import ActionError
from gonghui.rights import region
from gonghui.rights.models import Ticket
from gonghui.rights.tests.test_portal import FORM
from gonghui.rights.tests.test_workflow import call, run

pytestmark = pytest.mark.django_db


def sms_to(phone):
    return [m.message for m in OutboxSMS.objects.order_by("id") if m.phone == phone]


@pytest.mark.chinese  # the SMS is in the platform's language
def test_a_non_member_caller_is_texted_on_each_step_she_should_know(tree, staff):
    t = call(staff, caller_phone="13900001234", facts="老板拖欠我三个月工资八千元")
    [received] = sms_to("13900001234")
    assert t.number in received and "受理" in received
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    assert len(sms_to("13900001234")) == 1  # classifying is internal
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    t = run(t, staff.yubei, "accept")
    t = run(t, staff.yubei, "resolve", reply="已督促公司支付工资")
    t = run(t, staff.operator, "visit_back", rating="unsatisfied")
    t = run(t, staff.operator, "reopen", reason="工人说只付了一半")
    texts = sms_to("13900001234")
    assert len(texts) == 4
    assert "渝北区总工会" in texts[1] and "已转交" in texts[1]
    assert "办理" in texts[2] and "已督促" not in texts[2]  # the reply is on her page only
    assert "重新办理" in texts[3]
    for text in texts:
        assert "拖欠" not in text and "八千" not in text
        for user in (staff.operator, staff.yubei):
            assert not user.display_name or user.display_name not in text
            assert user.username not in text


def test_a_refused_step_sends_nothing(tree, staff):
    t = call(staff, caller_phone="13900005678")
    with pytest.raises(ActionError):
        run(t, staff.operator, "dispatch", to_org=tree.city.pk)
    assert len(sms_to("13900005678")) == 1


@pytest.mark.chinese
def test_a_consultation_answered_on_the_call_is_texted_and_closed(tree, staff):
    t = call(staff, category="consult-wages", caller_phone="13900007777")
    run(t, staff.operator, "answer_close", reply="加班费按工资的百分之一百五十支付")
    texts = sms_to("13900007777")
    assert len(texts) == 2 and "已解答" in texts[1] and "百分之" not in texts[1]


def test_the_worker_filing_on_m_gets_the_receipt_by_sms_and_message(client, tree):
    person = make_person(tree.grassroots, account=True, phone="13700006666")
    client.force_login(person.user)
    client.post("/m/rights/new/", FORM)
    ticket = Ticket.objects.get()
    assert len(sms_to("13700006666")) == 1
    message = Message.objects.get(user=person.user, event="receive")
    assert message.params == {"number": ticket.number}


@pytest.fixture
def outside_employer(tree):
    return Employer.objects.create(
        name="成都某物流有限公司",
        uscc="91510100MA5U000001",
        org=tree.grassroots,
        industry_section="G",
        ownership="private",
        region_code="510104",
    )


def test_an_employer_registered_outside_the_city_is_refused(client, tree, outside_employer):
    person = make_person(tree.grassroots, account=True, phone="13700007777")
    client.force_login(person.user)
    response = client.post(
        "/m/rights/new/",
        {
            **FORM,
            "employer_name": "成都某物流有限公司",
            "files": [SimpleUploadedFile("a.pdf", b"%PDF-1")],
        },
    )
    assert response.status_code == 200
    assert "成都某物流有限公司" in response.content.decode()
    assert not Ticket.objects.exists() and not OutboxSMS.objects.exists()


def test_a_typed_address_in_another_province_is_refused_on_the_call(client, staff):
    from gonghui.rights.tests.test_api_console import INTAKE

    client.force_login(staff.operator)
    response = client.post(
        "/console/rights/ticket/add/",
        {**INTAKE, "complexity": "general", "employer_address": "四川省成都市锦江区某路1号"},
    )
    assert response.status_code == 200 and not Ticket.objects.exists()
    inside = client.post(
        "/console/rights/ticket/add/",
        {**INTAKE, "complexity": "general", "employer_address": "重庆市渝北区回兴街道"},
    )
    assert inside.status_code == 302
    assert Ticket.objects.get().employer_address == "重庆市渝北区回兴街道"


def test_what_outside_means(tree):
    assert region.city_prefix("500000") == "50"
    assert region.city_prefix("510100") == "5101"
    assert region.city_prefix("") == ""
    local = Employer(region_code="500112")
    unknown = Employer(region_code="")
    far = Employer(region_code="110105")
    assert not region.employer_outside(local, "50")
    assert not region.employer_outside(unknown, "50")
    assert region.employer_outside(far, "50")
    assert region.address_outside("北京市朝阳区", "50")
    assert region.address_outside("贵州 遵义", "50")
    assert not region.address_outside("重庆市江北区", "50")
    assert not region.address_outside("渝北区回兴街道", "50")
    assert not region.address_outside("", "50")


def test_a_second_rating_is_refused_and_writes_nothing(client, tree, staff):
    from gonghui.platform.inbox.models import Message
    from gonghui.rights import actions
    from gonghui.rights.models import TicketStep

    person = make_person(tree.grassroots, account=True, phone="13700008888")
    client.force_login(person.user)
    client.post("/m/rights/new/", FORM)
    t = Ticket.objects.get()
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    t = run(t, staff.yubei, "accept")
    t = run(t, staff.yubei, "resolve", reply="已协调支付")
    actions.rate(actor=person.user, ticket=t, rating="satisfied")
    before = (TicketStep.objects.count(), OutboxSMS.objects.count(), Message.objects.count())
    with pytest.raises(ActionError) as exc:
        actions.rate(actor=person.user, ticket=t, rating="unsatisfied", comment="再评一次")
    assert exc.value.code == "already_rated"
    t.refresh_from_db()
    assert t.rating == "satisfied" and t.rating_comment == ""
    after = (TicketStep.objects.count(), OutboxSMS.objects.count(), Message.objects.count())
    assert after == before
    api = client.post(
        f"/api/v1/rights/tickets/{t.pk}/rate", {"rating": "unsatisfied"}, "application/json"
    )
    assert api.status_code in (403, 404, 409)


def test_the_api_refuses_an_outside_address_and_answers_from_the_table(client, staff):
    import json

    from gonghui.rights.testing import KnowledgeAnswerFactory
    from gonghui.rights.tests.test_api_console import API, INTAKE

    client.force_login(staff.operator)
    outside = client.post(
        API, json.dumps({**INTAKE, "employer_address": "北京市海淀区某路"}), "application/json"
    )
    assert outside.status_code == 400 and not Ticket.objects.exists()
    created = client.post(
        API, json.dumps({**INTAKE, "category": "consult-contract"}), "application/json"
    ).json()
    answer = KnowledgeAnswerFactory()
    closed = client.post(
        f"{API}{created['id']}/answer_close", json.dumps({"answer": answer.pk}), "application/json"
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed" and closed.json()["reply"] == answer.answer
