"""Bad input is refused with a clear message and writes nothing: a file that is not a PDF,
JPEG or PNG (whatever its name) or is over 10 MB, a decision on an application outside one's
scope (404), a lawyer from an agency that is not a law firm, an amount below zero."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.workflow.base import ActionError
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid import lawyer as lawyer_steps
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.models import AidApplication, AidDocument
from gonghui.rights.legalaid.testing import PDF
from gonghui.rights.legalaid.tests.helpers import applied, assigned, granted, run

pytestmark = pytest.mark.django_db
API = "/api/v1/legal-aid/applications/"


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused(staff, worker):
    app = applied(worker)
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 this is an executable")
    with pytest.raises(ActionError) as refused:
        actions.add_document(actor=worker.user, application=app, kind="evidence", upload=fake)
    assert refused.value.code == "upload_type"
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ActionError) as too_big:
        actions.add_document(actor=staff.yubei, application=app, kind="evidence", upload=big)
    assert too_big.value.code == "upload_too_large"
    assert not AidDocument.objects.exists()


def test_the_portal_application_with_a_bad_file_writes_nothing(client, worker):
    client.force_login(worker.user)
    response = client.post(
        "/m/legal-aid/apply/",
        {
            "case_type": "wages",
            "employer_name": "渝北某快递站点",
            "facts": "拖欠工资",
            "claims": "追回工资",
            "evidence": SimpleUploadedFile("pay.png", b"GIF89a not a png"),
        },
    )
    assert response.status_code == 200
    assert "PDF" in response.content.decode()
    assert not AidApplication.objects.exists() and not AidDocument.objects.exists()


def test_a_decision_outside_ones_scope_is_404(client, staff, worker):
    app = run(applied(worker), staff.yubei, "start_review")
    client.force_login(staff.jiangbei)
    assert client.get(f"{API}{app.pk}").status_code == 404
    assert post(client, f"{API}{app.pk}/refuse", {"reason": "x"}).status_code == 404
    page = client.get(f"/console/legalaid/aidapplication/{app.pk}/do/refuse/")
    assert page.status_code == 404
    app.refresh_from_db()
    assert app.state == AidState.REVIEWING and not app.refusal_reason


def test_a_lawyer_of_an_agency_that_is_not_a_law_firm_is_refused(client, staff, worker):
    app = granted(worker, staff)
    with pytest.raises(ActionError) as refused:
        lawyer_steps.assign_lawyer(actor=staff.yubei, application=app, agency=staff.court.pk)
    assert refused.value.code == "not_law_firm" and staff.court.name in str(refused.value)
    client.force_login(staff.yubei)
    answer = post(client, f"{API}{app.pk}/assign_lawyer", {"agency": staff.court.pk})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "not_law_firm"
    assert staff.court.name in answer.json()["error"]["message"]
    app.refresh_from_db()
    assert app.state == AidState.GRANTED and app.lawyer_agency is None
    assert not AuditEvent.objects.filter(action="legalaid.assign_lawyer").exists()


def test_an_amount_below_zero_is_refused(client, staff, worker):
    app = run(assigned(worker, staff), staff.lawyer, "take_up")
    with pytest.raises(ActionError) as refused:
        lawyer_steps.close_case(
            actor=staff.lawyer, application=app, outcome="won", amount_recovered=Decimal("-1")
        )
    assert refused.value.code == "negative"
    client.force_login(staff.lawyer)
    answer = post(client, f"{API}{app.pk}/close_case", {"outcome": "won", "amount_recovered": -5})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "negative"
    app.refresh_from_db()
    assert app.state == AidState.HANDLING and app.amount_recovered == 0 and not app.outcome
