"""Documents on a ticket: the worker adds them when filing and later on her page, the operator
on the call and on the ticket page, the API too; a bad file is refused with the reason and
nothing is written; only readers of the ticket download them, each download audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.assistance.testing import make_person
from gonghui.platform.audit.models import AuditEvent
from gonghui.rights.models import Ticket, TicketAttachment
from gonghui.rights.tests.test_portal import FORM
from gonghui.rights.tests.test_workflow import call, run

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n% pay slip\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
API = "/api/v1/rights/tickets/"


def pdf(name="工资条.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


@pytest.fixture
def worker(tree, client):
    person = make_person(tree.grassroots, account=True, phone="13700003333")
    client.force_login(person.user)
    return person


def test_she_files_a_ticket_with_two_documents_and_downloads_them(client, worker):
    response = client.post(
        "/m/rights/new/", {**FORM, "files": [pdf(), SimpleUploadedFile("伤情.png", PNG)]}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    names = list(ticket.attachments.values_list("original_name", "content_type"))
    assert names == [("工资条.pdf", "application/pdf"), ("伤情.png", "image/png")]
    page = client.get(response["Location"]).content.decode()
    att = ticket.attachments.first()
    link = f"/m/rights/{ticket.pk}/files/{att.public_id}/"
    assert "工资条.pdf" in page and link in page
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="rights.download_attachment").count() == 1


def test_a_renamed_program_refuses_the_whole_filing(client, worker):
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post("/m/rights/new/", {**FORM, "files": [pdf(), fake]})
    assert response.status_code == 200
    assert "Upload a PDF, JPEG or PNG file." in response.content.decode()
    assert not Ticket.objects.exists() and not TicketAttachment.objects.exists()


def test_she_adds_a_document_later_but_not_to_a_closed_ticket(client, worker, staff):
    client.post("/m/rights/new/", FORM)
    ticket = Ticket.objects.get()
    added = client.post(f"/m/rights/{ticket.pk}/files/", {"files": [pdf()]})
    assert added.status_code == 302 and ticket.attachments.count() == 1
    # A phone photo of 7 MB is taken (the portal's request limit leaves room for two of 10 MB).
    photo = client.post(
        f"/m/rights/{ticket.pk}/files/", {"files": [pdf(content=PDF + b"0" * (7 * 2**20))]}
    )
    assert photo.status_code == 302 and ticket.attachments.count() == 2
    too_big = client.post(
        f"/m/rights/{ticket.pk}/files/",
        {"files": [pdf(content=PDF + b"0" * (10 * 2**20))]},
        follow=True,
    )
    assert "10 MB" in too_big.content.decode() or "10MB" in too_big.content.decode()
    assert ticket.attachments.count() == 2
    Ticket.objects.filter(pk=ticket.pk).update(state="closed")
    page = client.get(f"/m/rights/{ticket.pk}/").content.decode()
    assert 'id="ticket-upload"' not in page
    refused = client.post(f"/m/rights/{ticket.pk}/files/", {"files": [pdf()]})
    assert refused.status_code == 409 and ticket.attachments.count() == 2


def test_another_worker_and_another_union_get_404(client, worker, tree, staff):
    client.post("/m/rights/new/", {**FORM, "files": [pdf()]})
    ticket = Ticket.objects.get()
    att = ticket.attachments.get()
    other = make_person(tree.grassroots, 2, account=True, phone="13700004444")
    client.force_login(other.user)
    assert client.get(f"/m/rights/{ticket.pk}/files/{att.public_id}/").status_code == 404
    assert client.post(f"/m/rights/{ticket.pk}/files/", {"files": [pdf()]}).status_code == 404
    console = f"/console/rights/ticketattachment/{att.public_id}/download/"
    client.force_login(staff.jiangbei)  # the ticket is still at the city
    assert client.get(console).status_code == 404
    client.force_login(staff.operator)
    assert client.get(console).status_code == 200
    assert AuditEvent.objects.filter(action="rights.download_attachment").count() == 1


def test_the_operator_adds_a_document_on_the_call_and_on_the_ticket_page(client, staff):
    from gonghui.rights.tests.test_api_console import INTAKE

    client.force_login(staff.operator)
    response = client.post(
        "/console/rights/ticket/add/",
        {**INTAKE, "complexity": "general", "attachment": pdf("劳动合同.pdf")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.attachments.get().original_name == "劳动合同.pdf"
    page = client.get(f"/console/rights/ticket/{ticket.pk}/change/").content.decode()
    assert "劳动合同.pdf" in page and 'id="ticket-upload"' in page
    url = f"/console/rights/ticketattachment/upload/{ticket.pk}/"
    bad = client.post(url, {"upload": SimpleUploadedFile("a.pdf", b"hello")}, follow=True)
    assert "Upload a PDF, JPEG or PNG file." in bad.content.decode()
    assert client.post(url, {"upload": pdf("欠条.pdf")}).status_code == 302
    assert ticket.attachments.count() == 2


def test_a_bad_file_on_the_call_writes_no_ticket(client, staff):
    from gonghui.rights.tests.test_api_console import INTAKE

    client.force_login(staff.operator)
    response = client.post(
        "/console/rights/ticket/add/",
        {**INTAKE, "complexity": "general", "attachment": SimpleUploadedFile("a.pdf", b"GIF89a")},
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists() and not TicketAttachment.objects.exists()


def test_the_api_adds_a_document_within_scope(client, tree, staff):
    ticket = call(staff)
    client.force_login(staff.operator)
    created = client.post(f"{API}{ticket.pk}/attachments", {"file": pdf()})
    assert created.status_code == 201, created.content
    assert created.json()["content_type"] == "application/pdf"
    bad = client.post(f"{API}{ticket.pk}/attachments", {"file": SimpleUploadedFile("x.png", b"x")})
    assert bad.status_code == 400 and ticket.attachments.count() == 1
    detail = client.get(f"{API}{ticket.pk}").json()
    assert [a["original_name"] for a in detail["attachments"]] == ["工资条.pdf"]
    client.force_login(staff.jiangbei)
    assert client.post(f"{API}{ticket.pk}/attachments", {"file": pdf()}).status_code == 404


def test_the_handling_union_adds_one_but_a_union_elsewhere_cannot(client, tree, staff):
    t = call(staff)
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    client.force_login(staff.yubei)
    url = f"/console/rights/ticketattachment/upload/{t.pk}/"
    assert client.post(url, {"upload": pdf()}).status_code == 302
    assert t.attachments.count() == 1
    client.force_login(staff.jiangbei)
    assert client.post(url, {"upload": pdf()}).status_code == 404
    assert t.attachments.count() == 1


def test_her_documents_are_named_on_my_data(client, worker):
    client.post("/m/rights/new/", {**FORM, "files": [pdf("八月工资条.pdf")]})
    page = client.get("/m/my-data/").content.decode()
    assert "八月工资条.pdf" in page
