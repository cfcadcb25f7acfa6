"""The mediation API (open, refer in, scoped list and detail, the declared transitions as
endpoints, the documents) and the console (the queue, opening a case from a 12351 ticket's
number, the case page with its buttons and documents, recording a court's referral)."""

import io
import json
from datetime import date

import pytest
from docx import Document

from gonghui.platform.audit.models import AuditEvent
from gonghui.rights import partner_actions
from gonghui.rights.mediation.choices import CaseState, Direction, ReferralKind
from gonghui.rights.mediation.models import MediationCase
from gonghui.rights.mediation.testing import (
    ApplicantFactory,
    ClaimFactory,
    MediationCaseFactory,
    PartnerAgencyFactory,
    ReferralFactory,
)
from gonghui.rights.testing import TicketFactory

pytestmark = pytest.mark.django_db
S = CaseState
API = "/api/v1/mediation/cases/"
CONSOLE = "/console/mediation/mediationcase/"


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def text_of(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_open_accept_and_agree_through_the_api_then_download_the_agreement(client, tree, staff):
    client.force_login(staff.yubei)
    created = post(
        client,
        API,
        {
            "org_id": tree.yubei.pk,
            "applicants": [{"name": "张伟", "phone": "13912345678"}, {"name": "李娜"}],
            "claims": [{"item": "拖欠工资", "amount": "36000.50"}],
            "employer_name": "渝北某建筑公司",
            "facts": "工地拖欠两名工人工资",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert body["applicants"][0]["phone"] != "13912345678"  # masked
    assert {t["name"] for t in body["allowed_transitions"]} >= {"accept", "withdraw"}
    accepted = post(client, f"{API}{pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["due_on"] is not None
    agreed = post(
        client,
        f"{API}{pk}/agree",
        {"terms": "公司于十二月底前支付全部工资", "amount_agreed": "36000.50"},
    )
    assert agreed.status_code == 200 and agreed.json()["documents"] == ["application", "agreement"]
    doc = client.get(f"{API}{pk}/documents/agreement")
    assert doc.status_code == 200
    text = text_of(doc.content)
    assert "张伟" in text and "李娜" in text and "36,000.50" in text
    assert "公司于十二月底前支付全部工资" in text and "渝北某建筑公司" in text
    assert AuditEvent.objects.filter(action="mediation.download_document").count() == 1
    # Another district neither reads the case nor its documents.
    client.force_login(staff.jiangbei)
    assert client.get(f"{API}{pk}").status_code == 404
    assert client.get(f"{API}{pk}/documents/application").status_code == 404
    assert post(client, f"{API}{pk}/confirm", {}).status_code in (404, 422)


def test_the_application_document_carries_the_facts_names_and_amounts(client, tree, staff):
    case = MediationCaseFactory(org=tree.yubei, facts="二〇二六年九月至十一月未发工资")
    ApplicantFactory(case=case, name="王芳", phone="13800001234", id_number="500112199001011234")
    ClaimFactory(case=case, item="拖欠工资", amount="12000.00")
    ClaimFactory(case=case, item="经济补偿", amount="3000.00")
    client.force_login(staff.yubei)
    response = client.get(f"{API}{case.pk}/documents/application")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = text_of(response.content)
    assert "二〇二六年九月至十一月未发工资" in text and "王芳" in text
    assert "500112********1234" in text and "19900101" not in text  # the ID masked
    assert "12,000.00" in text and "15,000.00" in text  # the total of the claims
    assert "调解申请书" in text
    # No agreement yet: that document is not there.
    assert client.get(f"{API}{case.pk}/documents/agreement").status_code == 404


def test_a_partner_refers_a_case_and_reads_the_feedback_letter_of_its_referral(client, tree, staff):
    court = PartnerAgencyFactory(org=tree.yubei, name="重庆市渝北区人民法院")
    other = PartnerAgencyFactory(org=tree.yubei, name="重庆市渝北区司法局", kind="justice")
    agent = partner_actions.create_partner_account(
        actor=staff.yubei,
        agency=court,
        username="court_clerk",
        display_name="法院联络员",
        phone="13900008888",
        password="Partner#2026-test",  # noqa: S106 - a test account's password
    )
    client.force_login(agent.user)
    referral = {
        "agency_id": court.pk,
        "kind": ReferralKind.ENTRUSTED_PRE,
        "agency_case_number": "(2026)渝0112民诉前调88号",
        "applicants": [{"name": "周杰", "phone": "13911110000"}],
        "claims": [{"item": "加班费", "amount": "5200"}],
        "employer_name": "某电子厂",
        "facts": "长期加班未付加班费",
    }
    made = post(client, f"{API}referrals", referral)
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert post(client, f"{API}referrals", {**referral, "agency_id": other.pk}).status_code == 404
    # The union signs for it, mediation fails, the feedback letter goes back to the court.
    client.force_login(staff.yubei)
    assert post(client, f"{API}{pk}/accept").status_code == 200
    failed = post(
        client,
        f"{API}{pk}/fail",
        {"dispute_points": "加班时长的认定", "infringement_known_on": "2026-10-01"},
    )
    assert failed.status_code == 200 and failed.json()["arbitration_deadline"] == "2027-10-01"
    assert post(client, f"{API}{pk}/return_referral", {}).status_code == 200
    client.force_login(agent.user)
    detail = client.get(f"{API}{pk}").json()
    assert detail["referrals"][0]["returned_on"] is not None
    letter = client.get(f"{API}{pk}/documents/feedback")
    assert letter.status_code == 200
    text = text_of(letter.content)
    assert "加班时长的认定" in text and "(2026)渝0112民诉前调88号" in text and "周杰" in text
    # A partner takes no step of the union's.
    assert post(client, f"{API}{pk}/record_session", {}).status_code in (403, 422)


def test_the_queue_lists_referrals_to_sign_for_and_overdue_cases(client, tree, staff):
    waiting = MediationCaseFactory(org=tree.yubei)
    ReferralFactory(case=waiting, direction=Direction.IN, agency__org=tree.yubei)
    late = MediationCaseFactory(
        org=tree.township,
        state=S.MEDIATING,
        clock="statutory",
        clock_start=date(2026, 10, 1),
        due_on=date(2026, 10, 16),
    )
    MediationCaseFactory(org=tree.jiangbei)
    client.force_login(staff.yubei)
    page = client.get(f"{CONSOLE}?queue=sign").content.decode()
    assert waiting.number in page and late.number not in page
    page = client.get(f"{CONSOLE}?queue=overdue").content.decode()
    assert late.number in page and waiting.number not in page
    page = client.get(CONSOLE).content.decode()
    assert page.count("TJ-T-") == 2  # not 江北's


def test_a_case_opens_from_a_ticket_number_in_the_console_and_shows_its_buttons(
    client, tree, staff
):
    ticket = TicketFactory(org=tree.yubei, caller_name="赵敏", caller_phone="13511112222")
    client.force_login(staff.yubei)
    assert client.get(f"{CONSOLE}add/").status_code == 200
    response = client.post(f"{CONSOLE}add/", {"ticket_number": ticket.number})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = MediationCase.objects.get()
    assert case.ticket == ticket
    page = client.get(f"{CONSOLE}{case.pk}/change/").content.decode()
    assert "13511112222" not in page  # masked on screen
    assert f"{CONSOLE}{case.pk}/do/accept/" in page
    assert f"{CONSOLE}{case.pk}/documents/application/" in page
    assert client.post(f"{CONSOLE}{case.pk}/do/accept/", {}).status_code == 302
    case.refresh_from_db()
    assert case.state == S.ACCEPTED


def test_staff_record_a_courts_referral_in_the_console(client, tree, staff):
    court = PartnerAgencyFactory(org=tree.yubei, name="重庆市渝北区人民法院")
    client.force_login(staff.yubei)
    response = client.post(
        "/console/mediation/referral/add/",
        {
            "agency": court.pk,
            "kind": ReferralKind.ENTRUSTED_SIMPLE,
            "agency_case_number": "(2026)渝0112民初9号",
            "referred_on": "2026-12-01",
            "applicants": "周杰, 13911110000\n吴磊, 13911110001",
            "employer_name": "某电子厂",
            "claims": "加班费, 5200\n经济补偿，8000",
            "facts": "加班费争议",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = MediationCase.objects.get()
    assert case.applicants.count() == 2 and case.claims.count() == 2
    assert case.referrals.get().kind == ReferralKind.ENTRUSTED_SIMPLE
