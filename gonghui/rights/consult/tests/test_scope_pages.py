"""Who reads a consultation: the lawyer of the assigned firm (console and API), never another
firm's lawyer (404) nor staff of another district; the worker her own on /m/consult/ (another
worker's answers 404), where she asks at 360 px, reads the answer, follows up and rates once."""

import pytest

from gonghui.platform.access.scoping import restrict
from gonghui.rights.consult import actions
from gonghui.rights.consult.choices import ConsultState
from gonghui.rights.consult.models import Consultation, Message
from gonghui.rights.consult.testing import ConsultationFactory

pytestmark = pytest.mark.django_db
S = ConsultState
CONSOLE = "/console/consult/consultation/"
API = "/api/v1/consult/consultations/"


def ask(person, question="公司不给我交社保，怎么办？"):
    return actions.ask(actor=person.user, person=person, topic="insurance", question=question)


def answered(world):
    c = ask(world.worker)
    return actions.answer(actor=world.lawyer, consultation=c, text="可以向社保部门投诉。")


def test_the_partner_scope_opens_only_the_firms_consultations(world):
    mine = ask(world.worker)
    theirs = ask(world.jb_worker)
    queued = ConsultationFactory()  # the city's queue
    assert list(restrict(Consultation, world.lawyer, "view")) == [mine]
    assert list(restrict(Consultation, world.other_lawyer, "view")) == [theirs]
    assert queued not in restrict(Consultation, world.lawyer, "view")
    actions.answer(actor=world.lawyer, consultation=mine, text="答复")
    assert restrict(Message, world.lawyer, "view").count() == 1
    assert not restrict(Message, world.other_lawyer, "view").exists()


def test_the_partner_scope_never_widens_staff(world):
    ask(world.worker)
    theirs = ask(world.jb_worker)
    assert list(restrict(Consultation, world.jiangbei_staff, "view")) == [theirs]


def test_a_lawyer_answers_in_the_console(client, world):
    c = ask(world.worker)
    client.force_login(world.lawyer)
    listing = client.get(f"{CONSOLE}?queue=mine")
    assert listing.status_code == 200 and c.number in listing.content.decode()
    page = client.get(f"{CONSOLE}{c.pk}/change/")
    assert page.status_code == 200 and "社保" in page.content.decode()
    response = client.post(f"{CONSOLE}{c.pk}/do/answer/", {"text": "可以向社保部门投诉。"})
    assert response.status_code == 302
    assert Consultation.objects.get(pk=c.pk).state == S.ANSWERED


def test_another_firms_lawyer_gets_404(client, world):
    c = ask(world.worker)
    client.force_login(world.other_lawyer)
    assert client.get(f"{CONSOLE}{c.pk}/change/").status_code == 404
    assert client.post(f"{CONSOLE}{c.pk}/do/answer/", {"text": "x"}).status_code == 404
    assert c.number not in client.get(CONSOLE).content.decode()
    assert client.get(f"{API}{c.pk}").status_code == 404
    assert client.post(f"{API}{c.pk}/answer", {"text": "x"}, "application/json").status_code == 404
    assert Consultation.objects.get(pk=c.pk).state == S.WAITING


def test_staff_see_the_queue_and_reassign_in_the_console(client, world, tree):
    c = ask(world.worker)
    client.force_login(world.city_staff)
    assert c.number in client.get(CONSOLE).content.decode()
    response = client.post(f"{CONSOLE}{c.pk}/do/assign/", {"agency": world.other_firm.pk})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.agency == world.other_firm and c.org == tree.jiangbei
    client.force_login(world.yubei_staff)
    assert client.get(f"{CONSOLE}{c.pk}/change/").status_code == 404


def test_the_api_one_endpoint_per_step(client, world):
    client.force_login(world.worker.user)
    created = client.post(API, {"topic": "wages", "question": "欠薪怎么办"}, "application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    client.force_login(world.lawyer)
    listing = client.get(API).json()
    assert [row["id"] for row in listing["items"]] == [pk]
    assert listing["items"][0]["worker_phone"] == "137****1111"
    answer = client.post(f"{API}{pk}/answer", {"text": "可以申请仲裁"}, "application/json")
    assert answer.status_code == 200 and answer.json()["state"] == "answered"
    client.force_login(world.worker.user)
    follow = client.post(f"{API}{pk}/follow_up", {"text": "多久？"}, "application/json")
    assert follow.status_code == 200 and follow.json()["state"] == "waiting"
    client.force_login(world.lawyer)
    client.post(f"{API}{pk}/answer", {"text": "一年内"}, "application/json")
    client.force_login(world.worker.user)
    rate = client.post(f"{API}{pk}/rate", {"rating": "fairly"}, "application/json")
    assert rate.status_code == 200 and rate.json()["rating"] == "fairly"
    again = client.post(f"{API}{pk}/rate", {"rating": "satisfied"}, "application/json")
    assert again.status_code in (400, 409)
    assert Consultation.objects.get(pk=pk).rating == "fairly"


def test_the_worker_asks_on_her_phone(client, world, tree):
    client.force_login(world.worker.user)
    home = client.get("/m/").content.decode()
    assert 'href="/m/consult/"' in home
    assert client.get("/m/consult/ask/").status_code == 200
    response = client.post("/m/consult/ask/", {"topic": "wages", "question": "欠薪怎么办"})
    c = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/m/consult/{c.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert c.number in page and "欠薪怎么办" in page and "重庆渝工律师事务所" in page


def test_she_reads_the_answer_follows_up_and_rates_once(client, world):
    c = answered(world)
    client.force_login(world.worker.user)
    page = client.get(f"/m/consult/{c.pk}/").content.decode()
    assert "可以向社保部门投诉" in page and 'id="consult-rate"' in page
    assert world.lawyer.username not in page
    follow = client.post(f"/m/consult/{c.pk}/follow_up/", {"text": "要带什么材料？"})
    assert follow.status_code == 302
    actions.answer(actor=world.lawyer, consultation=c, text="带上劳动合同。")
    assert client.post(f"/m/consult/{c.pk}/rate/", {"rating": "satisfied"}).status_code == 302
    second = client.post(f"/m/consult/{c.pk}/rate/", {"rating": "unsatisfied"})
    assert second.status_code == 409
    assert Consultation.objects.get(pk=c.pk).rating == "satisfied"


def test_another_workers_consultation_answers_404(client, world):
    c = answered(world)
    client.force_login(world.jb_worker.user)
    assert client.get(f"/m/consult/{c.pk}/").status_code == 404
    assert client.post(f"/m/consult/{c.pk}/rate/", {"rating": "unsatisfied"}).status_code == 404
    assert client.get(f"{API}{c.pk}").status_code == 404


def test_her_consultations_are_on_my_data(client, world):
    answered(world)
    client.force_login(world.worker.user)
    page = client.get("/m/my-data/").content.decode()
    assert "公司不给我交社保" in page and "可以向社保部门投诉" in page


def test_the_lawyers_start_page_lists_what_waits_for_her(client, world):
    ask(world.worker)
    client.force_login(world.lawyer)
    page = client.get("/console/", follow=True)
    assert page.status_code == 200
    assert "/console/consult/consultation/?queue=mine" in page.content.decode()
    client.force_login(world.other_lawyer)
    page = client.get("/console/", follow=True)
    assert "/console/consult/consultation/?queue=mine" not in page.content.decode()
