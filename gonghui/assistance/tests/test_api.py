"""The hardship-assistance API: scoped lists and details with masked and withheld values,
a case driven through its steps by API calls, payments with idempotency keys, batches,
budgets, objections, campaigns and visits. Amounts are decimal strings."""

import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import Application, Budget, HardshipFile, Payment
from gonghui.assistance.testing import (
    FILE_DATA,
    Staff,
    advance,
    budgets,
    household,
    make_person,
    png,
    staff_application,
)
from gonghui.platform.idempotency.models import IdempotencyKey
from gonghui.platform.testing.factories import MemberFactory
from gonghui.platform.testing.workflow import api_transitions

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assistance"
THREADS = 20


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "request_id" in body["error"]
    return body["error"]


def _post(client, url, data=None, **extra):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **extra)


def allowed(body) -> dict[str, bool]:
    """The detail's ``allowed_transitions`` as {name: enabled}."""
    return api_transitions(body)


def _as(client, user):
    client.logout()
    client.force_login(user)
    return client


def _pay(client, item_id, reference="BANK-1", key=None, **extra):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": str(key)}
    return _post(
        client, f"{BASE}/items/{item_id}/payment", {"bank_reference": reference}, **headers, **extra
    )


@pytest.fixture
def case(tree, staff):
    person = make_person(tree.grassroots, 1)
    return staff_application(staff, tree.grassroots, person)


@pytest.fixture
def approved(tree, staff, funded, case):
    return advance(staff, case, S.APPROVED)


# --- scoping ---------------------------------------------------------------------------------


def test_lists_are_scoped(client, tree, staff, case):
    _as(client, staff.officer)
    files = client.get(f"{BASE}/files/").json()
    assert files["count"] == 1
    assert files["items"][0]["id"] == case.file_id
    assert files["items"][0]["applicant_name"] == "王*"
    apps = client.get(f"{BASE}/applications/").json()
    assert [a["id"] for a in apps["items"]] == [case.pk]

    _as(client, staff.jb_reviewer)
    assert client.get(f"{BASE}/files/").json() == {"items": [], "count": 0}
    assert client.get(f"{BASE}/applications/").json() == {"items": [], "count": 0}
    assert client.get(f"{BASE}/items/").json()["count"] == 0


def test_application_list_filters(client, tree, staff, case):
    _as(client, staff.officer)
    year = timezone.localdate().year
    assert client.get(f"{BASE}/applications/", {"state": "draft"}).json()["count"] == 1
    assert client.get(f"{BASE}/applications/", {"state": "submitted"}).json()["count"] == 0
    assert client.get(f"{BASE}/applications/", {"year": year}).json()["count"] == 1
    assert client.get(f"{BASE}/applications/", {"year": year - 1}).json()["count"] == 0
    _error(client.get(f"{BASE}/applications/", {"state": "nonsense"}), 422, "validation_error")


def test_out_of_scope_is_404(client, tree, staff, approved):
    item = approved.items.filter(state="approved").first()
    _as(client, staff.jb_reviewer)
    _error(client.get(f"{BASE}/files/{approved.file_id}"), 404, "not_found")
    _error(client.get(f"{BASE}/applications/{approved.pk}"), 404, "not_found")
    for path in ("reject", "transitions"):  # a declared transition, and the old catch-all
        _error(
            _post(client, f"{BASE}/applications/{approved.pk}/{path}", {"reason": "不符合"}),
            404,
            "not_found",
        )
    _error(_pay(client, item.pk, key=uuid.uuid4()), 404, "not_found")
    _error(client.get(f"{BASE}/files/999999"), 404, "not_found")
    assert not IdempotencyKey.objects.exists()


def test_anonymous_is_401(client, case):
    _error(client.get(f"{BASE}/files/"), 401, "unauthenticated")


# --- file detail: masking and sensitive details -----------------------------------------------

FILE_DETAIL_FIELDS = {
    "id",
    "number",
    "org_id",
    "org_name",
    "applicant_name",
    "applicant_id",
    "applicant_id_number",
    "applicant_phone",
    "state",
    "tier",
    "level",
    "main_cause",
    "secondary_causes",
    "other_cause",
    "household_size",
    "filed_at",
    "next_review_due",
    "employer_position",
    "personal_monthly_income",
    "housing",
    "housing_area",
    "household_monthly_income",
    "household_annual_income",
    "single_parent",
    "zero_employment",
    "bank_name",
    "bank_account",
    "closed_at",
    "close_reason",
    "created_at",
    "sensitive_hidden",
    "health",
    "disability",
    "household",
}


def test_file_detail_with_view_sensitive(client, staff, case):
    _as(client, staff.officer)
    response = client.get(f"{BASE}/files/{case.file_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == FILE_DETAIL_FIELDS
    assert body["sensitive_hidden"] is False
    assert body["health"] == FILE_DATA["health"]
    assert body["disability"] == ""
    assert [m["relation"] for m in body["household"]] == ["spouse", "child"]
    assert body["household"][0]["id_number"].count("*") == 8
    assert body["bank_account"] == "622202*********3445"
    assert body["applicant_name"] == "王芳"
    assert "*" in body["applicant_id_number"] and "*" in body["applicant_phone"]
    assert body["household_monthly_income"] == "2600.00"
    text = response.content.decode()
    assert FILE_DATA["bank_account"] not in text
    assert household(1)[0]["id_number"] not in text


def test_file_detail_without_view_sensitive(client, staff, case):
    _as(client, staff.finance)  # views files, no assistance.view_sensitive
    response = client.get(f"{BASE}/files/{case.file_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == FILE_DETAIL_FIELDS
    assert body["sensitive_hidden"] is True
    assert body["health"] is None
    assert body["disability"] is None
    assert body["household"] is None
    assert body["bank_account"] == "622202*********3445"
    text = response.content.decode()
    for secret in (FILE_DATA["health"], FILE_DATA["bank_account"], "李强", "渝北区实验小学"):
        assert secret not in text

    app = client.get(f"{BASE}/applications/{case.pk}").json()
    assert app["sensitive_hidden"] is True
    assert app["situation"] is None and app["visit_findings"] is None


def test_home_visit_findings_hidden_in_steps(client, staff, funded, case):
    advance(staff, case, S.VERIFICATION)
    _as(client, staff.finance)
    body = client.get(f"{BASE}/applications/{case.pk}").json()
    visit = [s for s in body["steps"] if s["name"] == "home_visit"]
    assert visit and visit[0]["opinion"] == ""
    assert "家中确有困难" not in json.dumps(body, ensure_ascii=False)
    _as(client, staff.officer)
    body = client.get(f"{BASE}/applications/{case.pk}").json()
    assert body["visit_findings"].startswith("家中确有困难")


# --- a case driven through the API --------------------------------------------------------------


def test_case_through_the_api(client, tree, staff, funded):
    person = make_person(tree.grassroots, 2)
    _as(client, staff.officer)
    data = {
        "org_id": tree.grassroots.pk,
        "applicant_id": person.pk,
        "main_cause": "illness",
        "household_monthly_income": "2600.00",
        "household_size": 2,
        "health": "慢性病",
        "bank_name": "中国工商银行",
        "bank_account": "6222020200112233445",
        "household": [{"name": "李强", "relation": "spouse", "monthly_income": "800"}],
    }
    response = _post(client, f"{BASE}/files/", data)
    assert response.status_code == 201, response.content
    file_id = response.json()["id"]
    assert response.json()["bank_account"] == "622202*********3445"
    assert HardshipFile.objects.get(pk=file_id).bank_account == "6222020200112233445"
    _error(_post(client, f"{BASE}/files/", data), 409, "applicant_has_open_file")

    # Floats are not money.
    bad = {"file_id": file_id, "items": [{"aid_type": "living", "amount_requested": 1.5}]}
    _error(_post(client, f"{BASE}/applications/", bad), 422, "validation_error")
    response = _post(
        client,
        f"{BASE}/applications/",
        {
            "file_id": file_id,
            "situation": "本人患病。",
            "items": [
                {"aid_type": "living", "amount_requested": "1200.50"},
                {"aid_type": "employment"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    app = response.json()
    url = f"{BASE}/applications/{app['id']}"
    assert app["state"] == "draft"
    assert app["total_requested"] == "1200.50"
    assert app["items"][0]["amount_requested"] == "1200.50"
    assert allowed(app) == {"submit": True, "withdraw": True}
    assert "allowed_actions" not in app

    app = _post(client, f"{url}/submit").json()
    assert app["state"] == "submitted"
    _error(_post(client, f"{url}/submit"), 409, "invalid_transition")
    app = _post(client, f"{url}/first_review", {"opinion": "属实"}).json()
    assert app["state"] == "home_visit"
    assert "home_visit" in allowed(app)

    visit = {
        "visit_date": timezone.localdate().isoformat(),
        "visitors": "张主席",
        "findings": "确有困难",
    }
    _error(_post(client, f"{url}/home_visit", visit), 400, "authorisation_missing")
    upload = client.post(
        f"{BASE}/applications/{app['id']}/attachments",
        {"kind": "income_authorisation", "file": png()},
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["content_type"] == "image/png"
    app = _post(client, f"{url}/home_visit", visit).json()
    assert app["state"] == "verification"
    assert allowed(app) == {}  # verification is the district's

    _error(
        _post(client, f"{url}/verify", {"civil_affairs_result": "eligible"}),
        403,
        "permission_denied",
    )
    _as(client, staff.reviewer)
    verify = {
        "civil_affairs_result": "eligible",
        "checked_on": timezone.localdate().isoformat(),
        "tier": "relative",
    }
    app = _post(client, f"{url}/verify", verify).json()
    assert app["state"] == "publicity"
    assert app["total_verified"] == "1200.50"
    assert app["items"][0]["amount_verified"] == "1200.50"
    assert allowed(app)["end_publicity"] is False
    Application.objects.filter(pk=app["id"]).update(
        publicity_end=timezone.localdate() - timedelta(days=1)
    )
    app = _post(client, f"{url}/end_publicity").json()
    assert app["state"] == "approval"

    assert allowed(app) == {}  # the reviewer cannot approve (nor return it from approval)
    _as(client, staff.approver)
    app = client.get(url).json()
    assert allowed(app) == {"approve": True, "return": True, "reject": True}
    item_id = app["items"][0]["id"]
    approve = {"amounts": {str(item_id): "1000.00"}, "opinion": "同意，按实际缺口核减"}
    response = _post(client, f"{url}/approve", approve)
    assert response.status_code == 200, response.content
    app = response.json()
    assert app["state"] == "approved"
    assert app["total_approved"] == "1000.00"
    assert allowed(app) == {}
    assert [s["name"] for s in app["steps"]] == [
        "create",
        "submit",
        "first_review",
        "home_visit",
        "verify",
        "end_publicity",
        "approve",
    ]

    _as(client, staff.finance)
    response = _pay(client, item_id, key=uuid.uuid4())
    assert response.status_code == 200, response.content
    assert client.get(url).json()["state"] == "closed"


def test_return_and_reject_need_a_reason(client, staff, case):
    actions.submit_application(actor=staff.officer, application=case)
    _as(client, staff.officer)
    url = f"{BASE}/applications/{case.pk}/return"
    error = _error(_post(client, url), 422, "validation_error")
    assert [d["loc"][-1] for d in error["details"]] == ["reason"]
    _error(_post(client, url, {"reason": "x"}), 400, "reason_required")
    app = _post(client, url, {"reason": "缺少病历"}).json()
    assert app["state"] == "returned"
    assert app["decision_reason"] == "缺少病历"


def test_a_wrong_body_is_422_naming_the_field(client, staff, funded, case):
    advance(staff, case, S.HOME_VISIT)
    _as(client, staff.officer)
    url = f"{BASE}/applications/{case.pk}/home_visit"
    error = _error(
        _post(client, url, {"visit_date": "yesterday", "visitors": "张主席", "findings": "属实"}),
        422,
        "validation_error",
    )
    assert [d["loc"][-1] for d in error["details"]] == ["visit_date"]
    error = _error(_post(client, url, {"visit_date": "2026-01-05"}), 422, "validation_error")
    assert {d["loc"][-1] for d in error["details"]} == {"visitors", "findings"}
    case.refresh_from_db()
    assert case.state == S.HOME_VISIT


def test_end_publicity_while_publicity_runs_is_409_with_the_reason(client, staff, funded, case):
    case = advance(staff, case, S.PUBLICITY)
    _as(client, staff.reviewer)
    body = client.get(f"{BASE}/applications/{case.pk}").json()
    reason = f"Publicity runs until {case.publicity_end.isoformat()}."
    assert body["allowed_transitions"] == [
        {"name": "end_publicity", "label": "Publicity period over", "enabled": False,
         "reasons": [reason]},
        {"name": "return", "label": "Return for correction", "enabled": True, "reasons": []},
        {"name": "reject", "label": "Refuse aid", "enabled": True, "reasons": []},
    ]  # fmt: skip
    error = _error(
        _post(client, f"{BASE}/applications/{case.pk}/end_publicity"), 409, "transition_refused"
    )
    assert [d["message"] for d in error["details"]] == [reason]
    case.refresh_from_db()
    assert case.state == S.PUBLICITY


def test_the_old_catch_all_is_gone_and_names_the_new_paths(client, staff, case):
    _as(client, staff.officer)
    url = f"{BASE}/applications/{case.pk}/transitions"
    error = _error(_post(client, url, {"action": "submit"}), 410, "gone")
    paths = [d["message"] for d in error["details"]]
    assert f"POST {BASE}/applications/{case.pk}/submit" in paths
    assert f"POST {BASE}/applications/{case.pk}/escalate" in paths
    assert f"POST {BASE}/applications/{case.pk}/submit" in error["message"]
    case.refresh_from_db()
    assert case.state == S.DRAFT


def test_objection_recorded_and_decided(client, staff, funded, case):
    advance(staff, case, S.PUBLICITY)
    _as(client, staff.reviewer)
    response = _post(
        client, f"{BASE}/applications/{case.pk}/objections", {"content": "该户有两套住房"}
    )
    assert response.status_code == 201, response.content
    objection = response.json()
    assert objection["decision"] == "pending"
    assert api_transitions(objection) == {"uphold": True, "dismiss": True}
    Application.objects.filter(pk=case.pk).update(
        publicity_end=timezone.localdate() - timedelta(days=1)
    )
    error = _error(
        _post(client, f"{BASE}/applications/{case.pk}/end_publicity"), 409, "transition_refused"
    )
    assert error["message"] == "An objection is still undecided."
    base = f"{BASE}/objections/{objection['id']}"
    gone = _error(_post(client, f"{base}/decision", {"upheld": True, "note": "x"}), 410, "gone")
    assert [d["message"] for d in gone["details"]] == [
        f"POST {base}/uphold",
        f"POST {base}/dismiss",
    ]
    error = _error(_post(client, f"{base}/uphold", {}), 422, "validation_error")
    assert [d["loc"][-1] for d in error["details"]] == ["note"]
    response = _post(client, f"{base}/uphold", {"note": "经核实属实"})
    assert response.status_code == 200, response.content
    assert response.json()["decision"] == "upheld"
    assert response.json()["allowed_transitions"] == []
    assert client.get(f"{BASE}/applications/{case.pk}").json()["state"] == "verification"
    _error(_post(client, f"{base}/dismiss", {"note": "再议"}), 409, "invalid_transition")
    _as(client, staff.jb_reviewer)
    _error(_post(client, f"{base}/dismiss", {"note": "再议"}), 404, "not_found")
    _error(_post(client, f"{base}/decision", {"note": "再议"}), 404, "not_found")


# --- payments and idempotency -------------------------------------------------------------------


def test_payment_is_idempotent(client, staff, approved):
    item = approved.items.filter(state="approved").order_by("pk").first()
    _as(client, staff.finance)
    key = uuid.uuid4()
    first = _pay(client, item.pk, key=key)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["amount"] == "3000.00"
    assert body["state"] == "paid"
    assert body["bank_reference"] == "BANK-1"
    assert "Idempotent-Replayed" not in first.headers

    again = _pay(client, item.pk, key=key)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert Payment.objects.filter(item=item).count() == 1
    assert Budget.objects.get(pk=item.budget_id).paid == item.amount_approved

    _error(_pay(client, item.pk, reference="BANK-2", key=key), 422, "idempotency_key_reused")
    _error(_pay(client, item.pk, key=uuid.uuid4()), 409, "already_paid")
    assert Payment.objects.filter(item=item).count() == 1
    assert IdempotencyKey.objects.count() == 1  # refusals roll their key back


def test_payment_requires_an_idempotency_key(client, staff, approved):
    item = approved.items.filter(state="approved").first()
    _as(client, staff.finance)
    _error(_pay(client, item.pk), 400, "idempotency_key_required")
    _error(_pay(client, item.pk, key="not-a-uuid"), 400, "idempotency_key_required")
    url = f"{BASE}/items/{item.pk}/payment-failure"
    _error(_post(client, url, {"reason": "账户冻结"}), 400, "idempotency_key_required")
    assert not Payment.objects.filter(item=item).exists()


def test_keys_are_per_user(client, tree, staff, approved):
    item, other = approved.items.filter(state="approved").order_by("pk")[:2]
    key = uuid.uuid4()
    _as(client, staff.finance)
    assert _pay(client, item.pk, key=key).status_code == 200
    _as(client, staff.city_finance)
    response = _pay(client, other.pk, key=key)
    assert response.status_code == 200, response.content
    assert "Idempotent-Replayed" not in response.headers
    assert Payment.objects.filter(state="paid").count() == 2


def test_officer_cannot_pay(client, staff, approved):
    item = approved.items.filter(state="approved").first()
    _as(client, staff.officer)
    _error(_pay(client, item.pk, key=uuid.uuid4()), 403, "permission_denied")


def test_batch_queue_and_failure(client, tree, staff, approved):
    _as(client, staff.finance)
    queue = client.get(f"{BASE}/items/", {"state": "approved"}).json()
    assert queue["count"] == 3
    amounts = {i["aid_type"]: i["amount_approved"] for i in queue["items"]}
    assert amounts == {"living": "3000.00", "medical": "4000.50", "education": "2000.00"}
    assert queue["items"][0]["applicant_name"] == "王*"

    ids = [i["id"] for i in queue["items"]]
    response = _post(client, f"{BASE}/payment-batches/", {"org_id": tree.yubei.pk, "item_ids": ids})
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["total"] == "9000.50"
    assert {p["bank_account"] for p in batch["payments"]} == {"622202*********3445"}
    assert FILE_DATA["bank_account"] not in response.content.decode()
    assert client.get(f"{BASE}/items/", {"state": "approved"}).json()["count"] == 0
    detail = client.get(f"{BASE}/payment-batches/{batch['id']}").json()
    assert detail == batch
    assert client.get(f"{BASE}/payment-batches/").json()["count"] == 1

    url = f"{BASE}/items/{ids[0]}/payment-failure"
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    response = _post(client, url, {"reason": "账户已冻结"}, **key)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "failed"
    again = _post(client, url, {"reason": "账户已冻结"}, **key)
    assert again.content == response.content
    assert again.headers["Idempotent-Replayed"] == "true"
    new_key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    _error(_post(client, url, {"reason": "账户已冻结"}, **new_key), 409, "not_pending")
    assert client.get(f"{BASE}/items/", {"state": "approved"}).json()["count"] == 1

    _as(client, staff.jb_reviewer)
    _error(client.get(f"{BASE}/payment-batches/{batch['id']}"), 404, "not_found")
    assert client.get(f"{BASE}/items/", {"state": "approved"}).json()["count"] == 0


def test_budgets(client, tree, staff):
    _as(client, staff.finance)
    data = {"org_id": tree.yubei.pk, "year": 2026, "aid_type": "living", "amount": "50000.00"}
    response = _post(client, f"{BASE}/budgets/", data)
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "50000.00"
    assert response.json()["remaining"] == "50000.00"
    _error(_post(client, f"{BASE}/budgets/", {**data, "amount": 50000.5}), 422, "validation_error")
    _error(
        _post(client, f"{BASE}/budgets/", {**data, "aid_type": "employment"}), 400, "invalid_choice"
    )
    _error(
        _post(client, f"{BASE}/budgets/", {**data, "org_id": tree.jiangbei.pk}), 404, "not_found"
    )
    listed = client.get(f"{BASE}/budgets/", {"year": 2026}).json()
    assert [b["amount"] for b in listed["items"]] == ["50000.00"]
    _as(client, staff.officer)
    data["org_id"] = tree.grassroots.pk
    _error(_post(client, f"{BASE}/budgets/", data), 403, "permission_denied")


def test_campaigns_and_visits(client, tree, staff):
    today = timezone.localdate()
    campaign = actions.save_campaign(
        actor=staff.officer,
        org=tree.grassroots,
        name="金秋助学",
        kind="autumn_school",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=10),
        budget="5000",
    )
    for n in range(2):
        actions.record_visit(
            actor=staff.officer,
            org=tree.grassroots,
            campaign=campaign,
            recipient=f"困难职工{n}",
            head_count=3,
            cash="300.50",
            goods_value="100",
            visited_on=today,
        )
    _as(client, staff.officer)
    camps = client.get(f"{BASE}/campaigns/").json()
    assert camps["items"][0]["budget"] == "5000.00"
    visits = client.get(f"{BASE}/visits/", {"campaign": campaign.pk}).json()
    assert visits["count"] == 2
    assert visits["items"][0]["cash"] == "300.50"
    totals = client.get(f"{BASE}/visits/totals").json()
    assert totals == {
        "visits": 2,
        "head_count": 6,
        "cash": "601.00",
        "goods_value": "200.00",
        "amount": "801.00",
    }
    _as(client, staff.jb_reviewer)
    assert client.get(f"{BASE}/visits/totals").json()["visits"] == 0
    _error(client.get(f"{BASE}/visits/", {"campaign": campaign.pk}), 404, "not_found")
    _as(client, MemberFactory())
    _error(client.get(f"{BASE}/visits/totals"), 403, "permission_denied")


def test_openapi_money_is_a_decimal_string(client, staff):
    from config.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    for name, field in [
        ("PaymentOut", "amount"),
        ("BudgetOut", "remaining"),
        ("ItemOut", "amount_approved"),
        ("TotalsOut", "cash"),
    ]:
        text = json.dumps(schemas[name]["properties"][field])
        assert '"type": "string"' in text and '"format": "decimal"' in text
        assert '"number"' not in text
    assert '"number"' not in json.dumps(schemas["BudgetIn"]["properties"]["amount"])


# --- concurrency (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent transactions need PostgreSQL; run with DATABASE_URL=postgres://…",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_payment_calls_pay_once(tree):
    """security.md REL-4: 20 identical POSTs at once → 1 payment and 19 identical replays."""
    staff = Staff(tree)
    budgets(tree.yubei, staff.finance)
    person = make_person(tree.grassroots, 1)
    app = staff_application(
        staff, tree.grassroots, person, items=[{"aid_type": "living", "amount_requested": "2000"}]
    )
    item = advance(staff, app, S.APPROVED).items.get()
    key = uuid.uuid4()
    clients = []
    for _ in range(THREADS):
        c = Client()
        c.force_login(staff.finance)
        clients.append(c)
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(i):
        try:
            barrier.wait()
            r = _pay(clients[i], item.pk, key=key)
            results[i] = (r.status_code, r.headers.get("Idempotent-Replayed", ""), r.content)
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    statuses = sorted((r[0], r[1]) for r in results if isinstance(r, tuple))
    assert statuses == [(200, "")] + [(200, "true")] * (THREADS - 1), results
    assert len({r[2] for r in results}) == 1
    assert Payment.objects.filter(item=item).count() == 1
    assert IdempotencyKey.objects.count() == 1
