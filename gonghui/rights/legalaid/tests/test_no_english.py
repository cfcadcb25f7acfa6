"""No English on the legal-aid pages: the console walked as 渝北's rights officer and as the
law firm's lawyer (lawfirm_partner), and the demo worker's portal pages, after the demo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.accounts.models import User
from gonghui.console.tests.test_no_english import _english_on_console
from gonghui.demo.seed import DEMO_MEMBER_PHONE, seed_demo
from gonghui.platform.pii.fields import index_for
from gonghui.platform.testing.english import ALLOWED, english_in
from gonghui.rights.legalaid.models import AidApplication

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]


@pytest.mark.parametrize("username", ["yubei_rights", "lawfirm_partner"])
def test_every_legal_aid_console_page_reads_chinese(client, username):
    seed_demo(members_per_union=2)
    client.force_login(User.objects.get(username=username))
    # The walk covers every page the account opens; this test answers for legal aid's own
    # pages and the start page its to-dos are on (the other apps have walkers of their own).
    found = {
        page: texts
        for page, texts in _english_on_console(client).items()
        if "/legalaid/" in page or page.split(" ")[0] in ("/console/", "/console/?home=1")
    }
    assert not found, "English on console pages:\n" + "\n".join(
        f"{page}: {texts}" for page, texts in found.items()
    )


def test_the_worker_s_legal_aid_pages_read_chinese(client):
    seed_demo(members_per_union=2)
    worker = User.objects.get(phone_index=index_for("phone", DEMO_MEMBER_PHONE))
    client.force_login(worker)
    notice = client.get("/m/legal-aid/")
    if notice.status_code == 302:  # her first visit: the portal's privacy notice first
        page = client.get(notice["Location"]).content.decode()
        version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
        client.post("/m/privacy/portal/", {"version": version, "next": "/m/legal-aid/"})
    own = list(AidApplication.objects.own(worker))
    assert own, "the demo worker has legal-aid applications"
    pages = ["/m/legal-aid/", "/m/legal-aid/apply/", *[f"/m/legal-aid/{a.pk}/" for a in own]]
    found = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        if english := english_in(response.content.decode(), ALLOWED):
            found[path] = english
    # A refused form and a refused file speak Chinese too.
    bad = client.post(
        "/m/legal-aid/apply/", {"evidence": SimpleUploadedFile("x.pdf", b"not a pdf")}
    )
    if english := english_in(bad.content.decode(), ALLOWED):
        found["POST /m/legal-aid/apply/"] = english
    assert not found, found
