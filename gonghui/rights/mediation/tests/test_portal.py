"""The worker on /m/mediation/: she applies for mediation from her phone (respondent, claims
with amounts, facts; her name and phone from her login), follows her cases with the dates and
the union's name (never a staff name) and reads what comes next — after a failure, the day
until which she may apply for arbitration; her cases are on 我的数据; another worker's case
is not found."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gonghui.assistance.testing import make_person
from gonghui.rights.mediation import actions
from gonghui.rights.mediation.choices import CaseState
from gonghui.rights.mediation.models import MediationCase

pytestmark = pytest.mark.django_db
S = CaseState
FORM = {
    "employer_name": "重庆渝北某物流有限公司",
    "facts": "2026年8月至10月的工资共九千八百元没有发",
    "claim_1": "拖欠工资",
    "amount_1": "9800.00",
    "claim_2": "经济补偿金",
    "amount_2": "3000",
}


@pytest.fixture
def worker(tree, client):
    person = make_person(tree.grassroots, account=True, phone="13700002222")
    client.force_login(person.user)
    return person


def test_she_applies_with_her_name_and_phone_from_her_login(client, worker, tree):
    assert client.get("/m/mediation/apply/").status_code == 200
    response = client.post("/m/mediation/apply/", FORM)
    case = MediationCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/m/mediation/{case.pk}/"
    assert case.applicant_user == worker.user and case.state == S.APPLIED
    applicant = case.applicants.get()
    assert (applicant.name, applicant.phone) == (worker.name, "13700002222")
    assert [c.amount for c in case.claims.all()] == [Decimal("9800.00"), Decimal("3000.00")]
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and tree.grassroots.name in page and "9800.00" in page
    assert "Applied, waiting to be accepted" in page  # the state


def test_an_incomplete_application_writes_nothing(client, worker):
    response = client.post("/m/mediation/apply/", {**FORM, "amount_1": ""})
    assert response.status_code == 200 and not MediationCase.objects.exists()


def test_after_a_failure_she_reads_her_arbitration_limit_but_no_staff_name(
    client, worker, tree, staff
):
    client.post("/m/mediation/apply/", FORM)
    case = MediationCase.objects.get()
    actions.accept(actor=staff.yubei, case=case)
    known = timezone.localdate() - timedelta(days=30)
    actions.fail(
        actor=staff.yubei, case=case, dispute_points="工资标准", infringement_known_on=known
    )
    page = client.get(f"/m/mediation/{case.pk}/").content.decode()
    limit = known.replace(year=known.year + 1).isoformat()
    assert limit in page and "labour dispute arbitration commission" in page
    assert staff.yubei.username not in page and "yb_mediator" not in page
    home = client.get("/m/mediation/").content.decode()
    assert case.number in home and "No agreement" in home


def test_another_workers_case_is_not_found(client, worker, tree):
    other = make_person(tree.grassroots, n=2, account=True, phone="13700003333")
    client.force_login(other.user)
    client.post("/m/mediation/apply/", FORM)
    theirs = MediationCase.objects.get()
    client.force_login(worker.user)
    assert client.get(f"/m/mediation/{theirs.pk}/").status_code == 404
    assert f"/m/mediation/{theirs.pk}/" not in client.get("/m/mediation/").content.decode()


def test_staff_cannot_use_the_workers_pages(client, tree, staff):
    client.force_login(staff.yubei)
    assert client.get("/m/mediation/").status_code in (302, 403)


def test_her_cases_are_on_my_data(client, worker):
    client.post("/m/mediation/apply/", FORM)
    case = MediationCase.objects.get()
    page = client.get("/m/my-data/").content.decode()
    assert case.number in page and "2026年8月至10月的工资共九千八百元没有发" in page


def test_a_failed_court_referral_tells_her_it_goes_back_to_the_court(client, worker, tree, staff):
    from gonghui.rights.mediation.testing import PartnerAgencyFactory, ReferralFactory

    client.post("/m/mediation/apply/", FORM)
    case = MediationCase.objects.get()
    ReferralFactory(case=case, agency=PartnerAgencyFactory(org=tree.yubei))
    actions.accept(actor=staff.yubei, case=case)
    actions.fail(
        actor=staff.yubei,
        case=case,
        dispute_points="工资标准",
        infringement_known_on=timezone.localdate() - timedelta(days=30),
    )
    page = client.get(f"/m/mediation/{case.pk}/").content.decode()
    assert "goes back to the court" in page
