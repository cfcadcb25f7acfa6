"""ADR 0013: a lower approver cannot cut a case down to her own level.

The centre records a verified amount per item at 核实 (a cut needs a reason); the approval
level follows the verified total. A district approver on a 23,000 元 case sees 批准 disabled
with the reason and 报上级审批 enabled; her referral (opinion and proposed amounts) is a step the
city approver reads; the city approver approves. Nobody grants more than verified."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.testing import advance, make_person, staff_application
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.workflow import api_transitions, declared, rendered_transitions
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db

API = "/api/v1/assistance/applications"
BIG = [
    {"aid_type": "medical", "amount_requested": "15000"},
    {"aid_type": "living", "amount_requested": "5000"},
    {"aid_type": "warmth", "amount_requested": "3000"},
]
REASON = "23000.00 yuan must be approved by the city federation."


def page(app) -> str:
    return reverse("console:assistance_application_change", args=[app.pk])


def step(app, name) -> str:
    return reverse("console:assistance_application_step", args=[app.pk, name])


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def by_aid(app) -> dict:
    return {i.aid_type: i for i in app.items.all()}


@pytest.fixture
def big(tree, staff, funded):
    """A 23,000 元 case verified at its request, awaiting approval."""
    person = make_person(tree.grassroots, 1)
    return advance(staff, staff_application(staff, tree.grassroots, person, items=BIG), S.APPROVAL)


def test_district_approver_sees_approve_disabled_and_escalate_enabled(client, staff, big):
    assert actions.verified_total(big) == Decimal("23000.00")
    client.force_login(staff.approver)
    html = client.get(page(big)).content.decode()
    buttons = rendered_transitions(html)
    assert buttons == {"approve": False, "escalate": True, "return": True, "reject": True}
    assert buttons == declared(big, staff.approver, "console")
    assert REASON in html  # written beside the disabled button, not a tooltip
    body = client.get(f"{API}/{big.pk}").json()
    assert api_transitions(body) == buttons
    approve = next(t for t in body["allowed_transitions"] if t["name"] == "approve")
    assert approve == {"name": "approve", "label": "Approve", "enabled": False, "reasons": [REASON]}
    # The city approver is offered 批准 and no referral.
    client.force_login(staff.city_approver)
    html = client.get(page(big)).content.decode()
    assert rendered_transitions(html) == {"approve": True, "return": True, "reject": True}


def test_district_approver_cannot_cut_23000_to_10000_and_approve(client, staff, big):
    items = by_aid(big)
    cut = {items["medical"].pk: "5000", items["living"].pk: "3000", items["warmth"].pk: "2000"}
    client.force_login(staff.approver)
    response = post(
        client,
        f"{API}/{big.pk}/approve",
        {"amounts": {str(k): v for k, v in cut.items()}, "opinion": "按标准核减"},
    )
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "transition_refused"
    assert [d["message"] for d in error["details"]] == [REASON]
    # The console page refuses it with the same reason, and so does the action itself.
    data = {f"amount_{k}": v for k, v in cut.items()}
    response = client.post(step(big, "approve"), {**data, "opinion": "按标准核减"})
    assert response.status_code == 200
    assert REASON in " ".join(response.context["form"].non_field_errors())
    with pytest.raises(PermissionDenied, match=REASON):
        actions.approve(actor=staff.approver, application=big, amounts=cut, opinion="按标准核减")
    big.refresh_from_db()
    assert big.state == S.APPROVAL and big.approved_by is None
    assert {i.amount_approved for i in big.items.all()} == {None}


def test_referral_is_recorded_and_the_city_approves(client, staff, big):
    items = by_aid(big)
    proposal = {str(items["medical"].pk): "12000", str(items["living"].pk): "5000"}
    client.force_login(staff.approver)
    body = post(client, f"{API}/{big.pk}/escalate", {}).json()
    assert [d["loc"][-1] for d in body["error"]["details"]] == ["opinion"]  # 422 names it
    response = post(
        client,
        f"{API}/{big.pk}/escalate",
        {"opinion": "情况属实，建议市总按医疗费用自付比例核定", "amounts": proposal},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "approval"
    referral = body["steps"][-1]
    assert referral["name"] == "escalate"
    assert referral["opinion"].startswith("情况属实，建议市总按医疗费用自付比例核定")
    assert "12000.00" in referral["opinion"] and "20000.00 yuan in all" in referral["opinion"]
    event = AuditEvent.objects.filter(action="assistance.escalate").get()
    assert event.object_id == str(big.pk)
    assert event.details["proposed_total"] == "20000.00"
    assert event.details["level_needed"] == 1
    # Referred once: she sees it waiting, with the reason.
    assert api_transitions(body) == {
        "approve": False,
        "escalate": False,
        "return": True,
        "reject": True,
    }

    client.force_login(staff.city_approver)
    html = client.get(page(big)).content.decode()
    assert 'id="case-referral"' in html and "情况属实，建议市总" in html
    data = {f"amount_{i.pk}": str(i.amount_requested) for i in items.values()}
    data[f"amount_{items['medical'].pk}"] = "12000"
    data[f"amount_{items['warmth'].pk}"] = "0"
    response = client.post(step(big, "approve"), {**data, "opinion": "同意区总意见"})
    assert response.status_code == 302, response.context["form"].errors
    big.refresh_from_db()
    assert big.state == S.APPROVED and big.approved_by == staff.city_approver
    assert big.approval_depth == 1
    assert big.total_approved == Decimal("17000.00")


def test_the_city_approver_has_no_referral_and_the_district_cannot_escalate_small_cases(
    tree, staff, funded
):
    person = make_person(tree.grassroots, 2)
    small = advance(
        staff,
        staff_application(
            staff,
            tree.grassroots,
            person,
            items=[{"aid_type": "living", "amount_requested": "3000"}],
        ),
        S.APPROVAL,
    )
    assert declared(small, staff.approver, "api") == {
        "approve": True,
        "return": True,
        "reject": True,
    }
    with pytest.raises(ActionError) as exc:
        actions.escalate_application(actor=staff.approver, application=small, opinion="请市总审批")
    assert exc.value.code == "within_level"


def test_granting_more_than_verified_is_refused(client, tree, staff, funded):
    person = make_person(tree.grassroots, 3)
    app = advance(
        staff, staff_application(staff, tree.grassroots, person, items=BIG), S.VERIFICATION
    )
    items = by_aid(app)
    app = actions.verify(
        actor=staff.reviewer,
        application=app,
        civil_affairs_result="eligible",
        checked_on=timezone.localdate(),
        tier="accident",
        amounts={items["medical"].pk: "12000"},
        cut_reason="医保报销后自付 12000 元",
    )
    app = advance(staff, app, S.APPROVAL)
    client.force_login(staff.city_approver)
    amounts = {str(i.pk): str(i.amount_requested) for i in items.values()}
    response = post(client, f"{API}/{app.pk}/approve", {"amounts": amounts, "opinion": "同意"})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "over_verified"
    assert "more than the 12000.00 yuan verified" in response.json()["error"]["message"]
    app.refresh_from_db()
    assert app.state == S.APPROVAL


# --- verification: the verified amounts ------------------------------------------------------


@pytest.fixture
def verifying(tree, staff, funded):
    person = make_person(tree.grassroots, 4)
    return advance(
        staff, staff_application(staff, tree.grassroots, person, items=BIG), S.VERIFICATION
    )


def test_verify_with_a_cut_amount_needs_a_reason(client, staff, verifying):
    medical = by_aid(verifying)["medical"]
    client.force_login(staff.reviewer)
    body = {
        "civil_affairs_result": "eligible",
        "checked_on": timezone.localdate().isoformat(),
        "tier": "accident",
        "amounts": {str(medical.pk): "8000"},
    }
    response = post(client, f"{API}/{verifying.pk}/verify", body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "cut_reason_required"
    more = {**body, "amounts": {str(medical.pk): "15000.01"}, "cut_reason": "x"}
    response = post(client, f"{API}/{verifying.pk}/verify", more)
    assert response.json()["error"]["code"] == "over_requested"
    verifying.refresh_from_db()
    assert verifying.state == S.VERIFICATION

    # On the console: one amount field per item, the request as its initial value.
    form = client.get(step(verifying, "verify")).context["form"]
    assert form.fields[f"amount_{medical.pk}"].initial == "15000.00"
    data = {
        "civil_affairs_result": "eligible",
        "checked_on": timezone.localdate().isoformat(),
        "tier": "accident",
        f"amount_{medical.pk}": "8000",
    }
    response = client.post(step(verifying, "verify"), data)
    assert "Say why less than requested is verified." in " ".join(
        response.context["form"].non_field_errors()
    )
    response = client.post(step(verifying, "verify"), {**data, "cut_reason": "医保报销 7000 元"})
    assert response.status_code == 302, response.context["form"].errors
    verifying.refresh_from_db()
    assert verifying.state == S.PUBLICITY
    assert verifying.verify_cut_reason == "医保报销 7000 元"
    amounts = {i.aid_type: i.amount_verified for i in verifying.items.all()}
    assert amounts == {
        "medical": Decimal("8000.00"),
        "living": Decimal("5000.00"),
        "warmth": Decimal("3000.00"),
    }
    detail = client.get(f"{API}/{verifying.pk}").json()
    assert detail["total_verified"] == "16000.00"
    assert detail["verify_cut_reason"] == "医保报销 7000 元"


def test_a_verification_at_the_request_keeps_no_cut_reason(staff, verifying):
    app = actions.verify(
        actor=staff.reviewer,
        application=verifying,
        civil_affairs_result="eligible",
        checked_on=timezone.localdate(),
        tier="accident",
        cut_reason="无须说明",
    )
    assert app.verify_cut_reason == ""
    assert actions.verified_total(app) == Decimal("23000.00")
    # An upheld objection sends it back: verified again, the amounts written anew.
    objection = actions.record_objection(actor=staff.reviewer, application=app, content="有车")
    actions.decide_objection(actor=staff.reviewer, objection=objection, upheld=True, note="属实")
    app.refresh_from_db()
    living = by_aid(app)["living"]
    app = actions.verify(
        actor=staff.reviewer,
        application=app,
        civil_affairs_result="eligible",
        checked_on=timezone.localdate(),
        amounts={living.pk: "2000"},
        cut_reason="车辆折价计入收入",
    )
    assert actions.verified_total(app) == Decimal("20000.00")
    assert app.verify_cut_reason == "车辆折价计入收入"
