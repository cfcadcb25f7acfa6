"""No English on the 12351 console pages, walked as the demo's hotline operator and 渝北's
rights officer (the console walker's own accounts hold no rights role)."""

import pytest

from gonghui.accounts.models import User
from gonghui.console.tests.test_no_english import _english_on_console
from gonghui.demo.seed import DEMO_MEMBER_PHONE, seed_demo
from gonghui.platform.pii.fields import index_for

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]


@pytest.mark.parametrize("username", ["hotline_city", "yubei_rights", "township_rights"])
def test_every_ticket_page_reads_chinese(client, username):
    seed_demo(members_per_union=2)
    client.force_login(User.objects.get(username=username))
    found = _english_on_console(client)
    assert not found, "English on console pages:\n" + "\n".join(
        f"{page}: {texts}" for page, texts in found.items()
    )


def test_the_workers_ticket_pages_and_a_refused_file_read_chinese(client):
    """Her tickets on /m/rights/ (the demo's: documents, the hotline's answer), the upload
    form and its refusal, in Chinese; the demo holds the 问答库 and tickets closed from it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gonghui.platform.testing.english import ALLOWED, english_in, walk
    from gonghui.portal.tests.test_no_english import _accept_the_notices
    from gonghui.rights.models import KnowledgeAnswer, Ticket, TicketAttachment
    from gonghui.rights.tests.test_portal import FORM

    seed_demo(members_per_union=2)
    assert KnowledgeAnswer.objects.filter(active=True).count() >= 12
    assert Ticket.objects.filter(answer__isnull=False, state="closed").exists()
    # The seeder's worker (seed_rights.py): the first member account with a phone.
    worker = User.objects.get(kind="member", phone_index=index_for("phone", DEMO_MEMBER_PHONE))
    own = Ticket.objects.own(worker).order_by("id").first()
    assert TicketAttachment.objects.filter(ticket=own).exists()
    _accept_the_notices(worker)  # as at her first login
    client.force_login(worker)
    found, pages = {}, 0
    for path, response in walk(client, ["/m/rights/", "/m/rights/new/"], "/m/rights/"):
        pages += 1
        english = english_in(response.content.decode(), ALLOWED)
        if english:
            found[path] = english
    assert pages >= 3  # her list, the form and a ticket at least
    bad = SimpleUploadedFile("工资条.pdf", b"not a pdf at all")
    for path, data in (
        (f"/m/rights/{own.pk}/files/", {"files": [bad]}),
        ("/m/rights/new/", {**FORM, "employer_address": "北京市朝阳区某路"}),
    ):
        response = client.post(path, data)
        assert response.status_code in (200, 400)
        english = english_in(response.content.decode(), ALLOWED)
        if english:
            found[f"POST {path}"] = english
    assert not found, "English on portal pages:\n" + "\n".join(
        f"{p}: {t}" for p, t in found.items()
    )
