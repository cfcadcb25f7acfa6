"""Legal aid on the API (staff intake, scoped list and detail, the declared transitions as
endpoints, the law firm's view) and in the console (the intake form, the queue, the page with
its buttons and documents, the firm's lawyer working from the console, the start page)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.platform.audit.models import AuditEvent
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid import lawyer as lawyer_steps
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.testing import PDF
from gonghui.rights.legalaid.tests.helpers import applied, assigned, granted

pytestmark = pytest.mark.django_db
S = AidState
API = "/api/v1/legal-aid/applications/"
CONSOLE = "/console/legalaid/aidapplication/"
INTAKE = {
    "applicant_name": "张伟",
    "applicant_phone": "13512345678",
    "applicant_id_number": "",
    "case_type": "wages",
    "employer_name": "某建筑劳务公司",
    "facts": "工地拖欠工资四万元",
    "claims": "追讨欠薪",
}


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_intake_review_and_decision_through_the_api(client, tree, staff):
    client.force_login(staff.yubei)
    created = post(client, API, INTAKE)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["applicant_phone"] != "13512345678" and body["channel"] == "api"
    assert body["org_name"] == "渝北区总工会" and body["due_on"]
    pk = body["id"]
    offered = {t["name"] for t in body["allowed_transitions"]}
    assert offered == {"request_correction", "start_review"}
    assert post(client, f"{API}{pk}/start_review").json()["state"] == "reviewing"
    refused = post(client, f"{API}{pk}/grant")
    assert refused.status_code == 409  # the hardship assessment comes first
    assessed = post(client, f"{API}{pk}/assess_hardship", {"hardship": "certified", "note": "证明"})
    assert assessed.status_code == 200 and assessed.json()["hardship"] == "certified"
    assert post(client, f"{API}{pk}/grant").json()["state"] == "granted"
    assigned_ = post(client, f"{API}{pk}/assign_lawyer", {"lawyer_account": staff.lawyer.pk})
    assert assigned_.status_code == 200 and assigned_.json()["lawyer_firm"] == staff.firm.name
    assert [a["id"] for a in client.get(API).json()["items"]] == [pk]
    client.force_login(staff.jiangbei)
    assert client.get(API).json()["items"] == []
    assert client.get(f"{API}{pk}").status_code == 404


def test_the_firm_s_lawyer_works_through_the_api_and_another_firm_gets_404(client, staff, worker):
    app = assigned(worker, staff)
    other = granted(worker, staff)
    client.force_login(staff.lawyer)
    assert [a["id"] for a in client.get(API).json()["items"]] == [app.pk]
    assert client.get(f"{API}{other.pk}").status_code == 404
    taken = post(client, f"{API}{app.pk}/take_up")
    assert taken.status_code == 200 and taken.json()["state"] == "handling"
    closed = post(
        client, f"{API}{app.pk}/close_case", {"outcome": "won", "amount_recovered": "15000.00"}
    )
    assert closed.status_code == 200 and closed.json()["amount_recovered"] == "15000.00"
    client.force_login(staff.other_lawyer)
    assert client.get(f"{API}{app.pk}").status_code == 404
    assert post(client, f"{API}{app.pk}/record_progress", {"note": "x"}).status_code == 404
    assert client.get(f"{CONSOLE}{app.pk}/change/").status_code == 404


def test_the_openapi_document_lists_one_endpoint_per_transition(client, staff):
    client.force_login(staff.yubei)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for name in ("start_review", "grant", "refuse", "assign_lawyer", "close_case", "resubmit"):
        assert f"{API}{{aid_application_id}}/{name}" in paths


def test_staff_take_an_application_in_the_console_and_work_from_the_queue(client, tree, staff):
    client.force_login(staff.yubei)
    assert client.get(f"{CONSOLE}add/").status_code == 200
    form = {**INTAKE, "applicant_id_number": "11010519491231002X"}
    response = client.post(f"{CONSOLE}add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    app = AidApplication.objects.get()
    assert app.org == tree.yubei and app.applicant_id_number == "11010519491231002X"
    queue = client.get(f"{CONSOLE}?queue=decide").content.decode()
    assert app.number in queue
    page = client.get(f"{CONSOLE}{app.pk}/change/").content.decode()
    assert "11010519491231002X" not in page and "13512345678" not in page
    assert f"{CONSOLE}{app.pk}/do/start_review/" in page
    done = client.post(f"{CONSOLE}{app.pk}/do/start_review/")
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.state == S.REVIEWING


def test_the_lawyer_opens_the_firm_s_case_and_its_documents_in_the_console(client, staff, worker):
    app = assigned(worker, staff)
    doc = actions.add_document(
        actor=staff.yubei,
        application=app,
        kind="evidence",
        upload=SimpleUploadedFile("合同.pdf", PDF),
    )
    client.force_login(staff.lawyer)
    listed = client.get(CONSOLE).content.decode()
    assert app.number in listed
    page = client.get(f"{CONSOLE}{app.pk}/change/").content.decode()
    assert f"{CONSOLE}{app.pk}/do/take_up/" in page and "do/grant/" not in page
    url = f"{CONSOLE}document/{doc.public_id}/"
    assert url in page
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="legalaid.download_document").exists()
    client.force_login(staff.other_lawyer)
    assert client.get(url).status_code == 404
    assert app.number not in client.get(CONSOLE).content.decode()


def test_the_start_page_counts_the_work_waiting(client, staff, worker):
    applied(worker)
    granted(worker, staff)
    assigned(worker, staff)
    client.force_login(staff.yubei)
    page = client.get("/console/").content.decode()
    assert "?queue=decide" in page and "?queue=assign" in page
    client.force_login(staff.lawyer)
    page = client.get("/console/").content.decode()
    assert "?queue=lawyer" in page and "?queue=decide" not in page
    app = AidApplication.objects.get(state=S.ASSIGNED)
    lawyer_steps.take_up(actor=staff.lawyer, application=app)
    page = client.get("/console/").content.decode()
    assert "?queue=handling" in page and "?queue=lawyer" not in page
    listed = client.get(f"{CONSOLE}?queue=handling").content.decode()
    assert app.number in listed


def test_the_assigned_lawyer_reads_the_applicant_s_contact_with_a_purpose(client, staff, worker):
    from gonghui.accounts.testing import verified_client

    app = assigned(worker, staff)
    client = verified_client(staff.lawyer, client)
    page = client.get(f"{CONSOLE}{app.pk}/change/").content.decode()
    assert "13700003333" not in page and f"{CONSOLE}{app.pk}/contact/" in page
    shown = client.post(f"{CONSOLE}{app.pk}/contact/", {"purpose": "约见当事人"})
    assert shown.status_code == 200 and "13700003333" in shown.content.decode()
    event = AuditEvent.objects.get(action="legalaid.reveal_contact")
    assert event.actor == staff.lawyer and event.details["purpose"] == "约见当事人"
    verified_client(staff.other_lawyer, client)
    assert client.post(f"{CONSOLE}{app.pk}/contact/", {"purpose": "x x"}).status_code == 404
    from gonghui.platform.workflow.base import OutOfScope

    with pytest.raises(OutOfScope):
        lawyer_steps.reveal_contact(actor=staff.other_lawyer, application=app, purpose="查看")


def test_staff_add_a_document_in_the_console_and_a_bad_one_is_refused(client, staff, worker):
    from gonghui.accounts.testing import verified_client

    app = applied(worker)
    client = verified_client(staff.yubei, client)
    url = f"{CONSOLE}{app.pk}/upload/"
    assert url in client.get(f"{CONSOLE}{app.pk}/change/").content.decode()
    bad = client.post(url, {"kind": "hardship", "upload": SimpleUploadedFile("a.pdf", b"text")})
    assert bad.status_code == 302 and not app.documents.exists()
    good = client.post(url, {"kind": "hardship", "upload": SimpleUploadedFile("证明.pdf", PDF)})
    assert good.status_code == 302
    assert list(app.documents.values_list("kind", flat=True)) == ["hardship"]
    verified_client(staff.jiangbei, client)
    assert client.post(url, {"kind": "evidence"}).status_code == 404
