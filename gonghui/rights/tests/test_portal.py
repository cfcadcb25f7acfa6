"""The worker on /m/rights/: she files a wage-arrears ticket from her phone, follows it with
every step's date and the handling union's name (never a staff name), and rates it once."""

import pytest

from gonghui.assistance.testing import make_person
from gonghui.orgs.models import Employer
from gonghui.rights.choices import Rating, TicketState
from gonghui.rights.models import Ticket
from gonghui.rights.tests.test_workflow import run

pytestmark = pytest.mark.django_db
S = TicketState
FORM = {
    "category": "complaint-arrears",
    "employer_name": "重庆渝北某物流有限公司",
    "facts": "2026年7月至9月的工资共一万二千元没有发",
    "request": "要求公司支付拖欠的工资",
}


@pytest.fixture
def worker(tree, client):
    person = make_person(tree.grassroots, account=True, phone="13700002222")
    client.force_login(person.user)
    return person


def test_the_home_page_leads_to_her_tickets(client, worker):
    page = client.get("/m/").content.decode()
    assert 'href="/m/rights/"' in page
    assert client.get("/m/rights/").status_code == 200


def test_she_files_a_ticket_with_her_name_and_phone_from_her_login(client, worker, tree):
    Employer.objects.create(
        name="重庆渝北某物流有限公司",
        uscc="91500112MA5U000001",
        org=tree.grassroots,
        industry_section="G",
        ownership="private",
    )
    response = client.post("/m/rights/new/", FORM)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/m/rights/{ticket.pk}/"
    assert ticket.caller_user == worker.user and ticket.person == worker
    assert ticket.caller_phone == "13700002222" and ticket.caller_name == worker.name
    assert ticket.employer is not None  # found in the employer table
    assert ticket.org == tree.city and ticket.state == S.RECEIVED
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page and "重庆市总工会" in page


def test_a_typed_employer_is_kept_as_typed(client, worker):
    client.post("/m/rights/new/", {**FORM, "employer_name": "某外卖平台站点"})
    ticket = Ticket.objects.get()
    assert ticket.employer is None and ticket.employer_name == "某外卖平台站点"


def test_an_incomplete_form_writes_nothing(client, worker):
    response = client.post("/m/rights/new/", {**FORM, "facts": ""})
    assert response.status_code == 200
    assert not Ticket.objects.exists()


def test_she_follows_every_step_with_the_union_but_no_staff_name(client, worker, tree, staff):
    client.post("/m/rights/new/", FORM)
    t = Ticket.objects.get()
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    t = run(t, staff.yubei, "dispatch", to_org=tree.township.pk)
    t = run(t, staff.township, "accept")
    page = client.get(f"/m/rights/{t.pk}/").content.decode()
    assert "回兴街道总工会" in page
    assert "hx_rights" not in page and "operator" not in page
    assert staff.township.display_name not in page


def test_she_rates_a_resolved_ticket_once(client, worker, tree, staff):
    client.post("/m/rights/new/", FORM)
    t = Ticket.objects.get()
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    t = run(t, staff.yubei, "accept")
    t = run(t, staff.yubei, "resolve", reply="公司已于10月20日支付全部欠薪")
    page = client.get(f"/m/rights/{t.pk}/").content.decode()
    assert "公司已于10月20日支付全部欠薪" in page and 'id="ticket-rate"' in page
    first = client.post(f"/m/rights/{t.pk}/rate/", {"rating": Rating.SATISFIED, "comment": "谢谢"})
    assert first.status_code == 302
    t.refresh_from_db()
    assert t.state == S.VISITED and t.rating == Rating.SATISFIED and t.rated_by_worker
    second = client.post(f"/m/rights/{t.pk}/rate/", {"rating": Rating.UNSATISFIED})
    assert second.status_code == 409
    assert "You have already rated this ticket." in second.content.decode()
    t.refresh_from_db()
    assert t.rating == Rating.SATISFIED


def test_another_workers_ticket_is_not_found(client, worker, tree, staff):
    other = make_person(tree.grassroots, n=2, account=True, phone="13700003333")
    client.force_login(other.user)
    client.post("/m/rights/new/", FORM)
    mine = Ticket.objects.get()
    client.force_login(worker.user)
    assert client.get(f"/m/rights/{mine.pk}/").status_code == 404
    assert client.post(f"/m/rights/{mine.pk}/rate/", {"rating": "satisfied"}).status_code == 404


def test_her_tickets_are_on_my_data(client, worker):
    client.post("/m/rights/new/", FORM)
    ticket = Ticket.objects.get()
    page = client.get("/m/my-data/").content.decode()
    assert "Your 12351 tickets" in page and ticket.number in page
    assert "2026年7月至9月的工资共一万二千元没有发" in page
