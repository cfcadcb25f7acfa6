"""The worker on /m/legal-aid/: she applies from her phone with her ID and evidence, follows
it with every step's date and the union's name (never a staff name), sees the lawyer's firm
once assigned, sends the missing documents when asked, and finds it on 我的数据."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.assistance.testing import make_person
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.testing import PDF, PNG
from gonghui.rights.legalaid.tests.helpers import applied, assigned, run

pytestmark = pytest.mark.django_db
S = AidState
FORM = {
    "case_type": "work_injury",
    "employer_name": "渝北某机械厂",
    "facts": "2026年10月在车间受伤，公司不申报工伤",
    "claims": "要求认定工伤并赔偿医疗费",
}


def test_the_home_page_leads_to_legal_aid(client, worker):
    client.force_login(worker.user)
    assert 'href="/m/legal-aid/"' in client.get("/m/").content.decode()
    page = client.get("/m/legal-aid/")
    assert page.status_code == 200 and 'id="legal-aid-none"' in page.content.decode()


def test_she_applies_with_her_documents_and_follows_it(client, tree, staff, worker):
    client.force_login(worker.user)
    response = client.post(
        "/m/legal-aid/apply/",
        {
            **FORM,
            "id_card": SimpleUploadedFile("id.png", PNG),
            "evidence": SimpleUploadedFile("诊断证明.pdf", PDF),
        },
    )
    app = AidApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/m/legal-aid/{app.pk}/"
    assert app.applicant_user == worker.user and app.person == worker
    assert app.applicant_phone == "13700003333" and app.org == tree.yubei
    assert sorted(app.documents.values_list("kind", flat=True)) == ["evidence", "id_card"]
    page = client.get(response["Location"]).content.decode()
    assert app.number in page and "渝北区总工会" in page
    # Granted and assigned: she sees the firm, never the staff member who decided.
    app = run(app, staff.yubei, "start_review")
    app = run(app, staff.yubei, "assess_hardship", hardship="not_hardship")
    app = run(app, staff.yubei, "grant")
    app = run(app, staff.yubei, "assign_lawyer", lawyer_account=staff.lawyer.pk)
    page = client.get(f"/m/legal-aid/{app.pk}/").content.decode()
    assert 'id="legal-aid-firm"' in page and staff.firm.name in page
    assert staff.yubei.display_name not in page and staff.lawyer.display_name not in page


def test_she_sends_the_missing_documents_and_the_application_goes_back(client, staff, worker):
    app = run(applied(worker), staff.yubei, "request_correction", documents="请补充工资条")
    client.force_login(worker.user)
    page = client.get(f"/m/legal-aid/{app.pk}/").content.decode()
    assert "请补充工资条" in page and 'id="legal-aid-resubmit"' in page
    added = client.post(
        f"/m/legal-aid/{app.pk}/document/",
        {"kind": "evidence", "upload": SimpleUploadedFile("pay.pdf", PDF)},
    )
    assert added.status_code == 302 and app.documents.count() == 1
    sent = client.post(f"/m/legal-aid/{app.pk}/resubmit/")
    assert sent.status_code == 302
    app.refresh_from_db()
    assert app.state == S.SUBMITTED
    again = client.post(f"/m/legal-aid/{app.pk}/resubmit/")
    assert again.status_code == 409


def test_another_worker_gets_404(client, tree, staff, worker):
    app = assigned(worker, staff)
    other = make_person(tree.grassroots, 2, account=True, phone="13700004444", name="孙丽")
    client.force_login(other.user)
    assert client.get(f"/m/legal-aid/{app.pk}/").status_code == 404
    assert client.post(f"/m/legal-aid/{app.pk}/resubmit/").status_code == 404
    assert app.number not in client.get("/m/legal-aid/").content.decode()


def test_her_applications_are_on_my_data(client, staff, worker):
    app = assigned(worker, staff)
    client.force_login(worker.user)
    text = client.get("/m/my-data/").content.decode()
    assert app.number in text and staff.firm.name in text
