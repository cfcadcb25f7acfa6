"""The ticket API (intake, scoped list and detail, the declared transitions as endpoints) and
the console (the operator's intake form, the queue, the ticket page with its buttons)."""

import json

import pytest

from gonghui.rights.choices import TicketState
from gonghui.rights.models import Ticket
from gonghui.rights.testing import TicketFactory

pytestmark = pytest.mark.django_db
S = TicketState
API = "/api/v1/rights/tickets/"


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


INTAKE = {
    "category": "complaint-arrears",
    "caller_name": "张伟",
    "caller_phone": "13512345678",
    "employer_name": "某建筑劳务公司",
    "facts": "工地拖欠六名工人工资",
    "request": "追讨欠薪",
}


def test_intake_dispatch_and_sign_for_through_the_api(client, tree, staff):
    client.force_login(staff.operator)
    created = post(client, API, INTAKE)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["caller_phone"] != "13512345678" and body["channel"] == "api"
    pk = body["id"]
    assert {t["name"] for t in body["allowed_transitions"]} >= {"classify", "answer_close"}
    classified = post(
        client, f"{API}{pk}/classify", {"category": "complaint-arrears", "complexity": "difficult"}
    )
    assert classified.status_code == 200 and classified.json()["state"] == "classified"
    wrong = post(client, f"{API}{pk}/dispatch", {"to_org": tree.city.pk})
    assert wrong.status_code == 400
    assert post(client, f"{API}{pk}/dispatch", {"to_org": tree.yubei.pk}).status_code == 200
    client.force_login(staff.yubei)
    listed = client.get(API).json()
    assert [t["id"] for t in listed["items"]] == [pk]
    signed = post(client, f"{API}{pk}/accept")
    assert signed.status_code == 200 and signed.json()["state"] == "handling"
    client.force_login(staff.jiangbei)
    assert client.get(f"{API}{pk}").status_code == 404
    assert post(client, f"{API}{pk}/resolve", {"reply": "x"}).status_code == 404


def test_the_operator_takes_a_call_in_the_console(client, tree, staff):
    client.force_login(staff.operator)
    assert client.get("/console/rights/ticket/add/").status_code == 200
    response = client.post(
        "/console/rights/ticket/add/",
        {**INTAKE, "complexity": "general", "caller_phone": "13599998888"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.channel == "phone" and ticket.received_by == staff.operator
    page = client.get(f"/console/rights/ticket/{ticket.pk}/change/").content.decode()
    assert "13599998888" not in page  # masked on screen
    assert f"/console/rights/ticket/{ticket.pk}/do/classify/" in page
    assert 'aria-current="step"' in page


def test_the_queue_lists_what_waits_to_be_signed_for(client, tree, staff):
    waiting = TicketFactory(state=S.DISPATCHED, org=tree.township, dispatched_by=tree.yubei)
    TicketFactory(state=S.DISPATCHED, org=tree.jb_grassroots, dispatched_by=tree.jiangbei)
    client.force_login(staff.township)
    page = client.get("/console/rights/ticket/?queue=sign").content.decode()
    assert waiting.number in page and page.count("12351-T-") == 1
    client.force_login(staff.operator)
    page = client.get("/console/rights/ticket/").content.decode()
    assert page.count("12351-T-") == 2


def test_the_sign_for_page_runs_the_declared_transition(client, tree, staff):
    t = TicketFactory(state=S.DISPATCHED, org=tree.township, dispatched_by=tree.yubei)
    client.force_login(staff.township)
    url = f"/console/rights/ticket/{t.pk}/do/accept/"
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 302
    t.refresh_from_db()
    assert t.state == S.HANDLING
    # The district sees the ticket but is not offered the township's 签收.
    t2 = TicketFactory(state=S.DISPATCHED, org=tree.township, dispatched_by=tree.yubei)
    client.force_login(staff.yubei)
    assert client.get(f"/console/rights/ticket/{t2.pk}/do/accept/").status_code == 404
