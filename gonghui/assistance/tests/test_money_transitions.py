"""The money transitions are declared once (issue #12 §1, ADR 0013): aid items (已付款,
付款失败退回), payments and payment batches (导出银行代发文件). The finance queue's and the
batch page's buttons, the API's ``allowed_transitions`` and the declarations agree for a
sample of users and objects in several states; a failing check is a disabled button with its
reason on the console and a 409 with the reasons on the API; a wrong body is a 422 naming the
field; an object outside the caller's scope is a 404."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gonghui.assistance import actions, workflows_money
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import BatchState, ItemState, PaymentState
from gonghui.assistance.models import AidItem, Payment, PaymentBatch
from gonghui.assistance.testing import (
    AidItemFactory,
    PaymentFactory,
    advance,
    make_person,
    staff_application,
)
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.idempotency.models import IdempotencyKey
from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.testing.workflow import api_transitions, declared
from gonghui.platform.workflow.faces import offers
from gonghui.platform.workflow.transitions import machine_for

pytestmark = pytest.mark.django_db

API = "/api/v1/assistance"
QUEUE = "/console/assistance/aiditem/?state=all"
NOTHING_AT_THE_BANK = "Only a payment sent to the bank can fail."
NOTHING_TO_PAY = "The batch has nothing left to pay."


def _post(client, url, data=None, key=None):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": str(key)}
    return client.post(url, json.dumps(data or {}), content_type="application/json", **headers)


# ``data-transition`` and ``data-disabled`` as workflow/buttons.html writes them. (The
# platform's rendered_transitions also reads portal forms, and then takes an enabled console
# button followed by a disabled one for disabled: a page here has both.)
_BUTTON = re.compile(r'data-transition="([a-z_]+)"(\s+data-disabled="1")?')


def console_buttons(html: str) -> dict:
    return {name: not disabled for name, disabled in _BUTTON.findall(html)}


def _queue_row(html: str, item) -> dict:
    """The buttons of ``item``'s row on the finance queue (``{}``: no row or no buttons)."""
    marker = f'data-item="{item.pk}"'
    if marker not in html:
        return {}
    return console_buttons(html.split(marker, 1)[1].split("</td>", 1)[0])


def _batch_buttons(html: str) -> dict:
    return console_buttons(html.split('id="batch-payments"', 1)[0])


def _api_item(client, item) -> dict | None:
    rows = client.get(f"{API}/items/", {"limit": 100}).json()["items"]
    return next((row for row in rows if row["id"] == item.pk), None)


@pytest.fixture
def jb_finance(tree):
    return staff_with_role(tree.jiangbei, "finance_officer", username="jb_finance")


@pytest.fixture
def users(staff, jb_finance):
    return {
        "district finance": staff.finance,
        "city finance": staff.city_finance,
        "approver": staff.approver,  # sees items and batches, pays and exports nothing
        "officer": staff.officer,
        "other district's finance": jb_finance,
    }


@pytest.fixture
def money(tree, staff, funded):
    """Items and batches of the district in every state the finance pages show."""
    app = advance(
        staff,
        staff_application(staff, tree.grassroots, make_person(tree.grassroots, 1)),
        S.APPROVED,
    )
    living, medical, education = app.items.filter(state=ItemState.APPROVED).order_by("pk")
    referral = app.items.get(state=ItemState.REFERRED)
    open_batch = actions.create_batch(actor=staff.finance, org=tree.yubei, items=[medical])
    exported = actions.create_batch(actor=staff.finance, org=tree.yubei, items=[education])
    actions.export_bank_file(actor=staff.finance, batch=exported)
    app2 = advance(
        staff,
        staff_application(staff, tree.grassroots, make_person(tree.grassroots, 2), n=2),
        S.APPROVED,
    )
    paid_item = app2.items.filter(state=ItemState.APPROVED).order_by("pk").first()
    done = actions.create_batch(actor=staff.finance, org=tree.yubei, items=[paid_item])
    actions.record_payment(actor=staff.finance, item=paid_item, bank_reference="B-1")
    # Rows the actions never leave behind, so that each check has something to refuse: an
    # item in a batch with nothing at the bank, an approved item without an amount, an
    # exported batch with nothing pending.
    stray = PaymentFactory(
        state=PaymentState.FAILED,
        item__application__org=tree.grassroots,
        batch__org=tree.yubei,
        batch__state=BatchState.EXPORTED,
    )
    no_amount = AidItemFactory(
        state=ItemState.APPROVED,
        amount_approved=None,
        application__org=tree.grassroots,
        application__state=S.APPROVED,
    )
    return {
        "items": {
            "approved": AidItem.objects.get(pk=living.pk),
            "in an open batch": AidItem.objects.get(pk=medical.pk),
            "in an exported batch": AidItem.objects.get(pk=education.pk),
            "paid": AidItem.objects.get(pk=paid_item.pk),
            "referred": referral,
            "nothing at the bank": AidItem.objects.get(pk=stray.item_id),
            "no amount": no_amount,
        },
        "batches": {
            "open": PaymentBatch.objects.get(pk=open_batch.pk),
            "exported": PaymentBatch.objects.get(pk=exported.pk),
            "done": PaymentBatch.objects.get(pk=done.pk),
            "nothing to pay": PaymentBatch.objects.get(pk=stray.batch_id),
        },
    }


def test_the_registered_machines_are_the_declared_ones():
    assert machine_for(AidItem) is workflows_money.aid_item_states
    assert machine_for(Payment) is workflows_money.payment_states
    assert machine_for(PaymentBatch) is workflows_money.batch_states


# --- agreement --------------------------------------------------------------------------------


def test_queue_api_and_declarations_offer_the_same_item_transitions(client, money, users):
    seen = set()
    for who, user in users.items():
        client.force_login(user)
        response = client.get(QUEUE)
        queue = response.content.decode() if response.status_code == 200 else ""
        for label, item in money["items"].items():
            expected = declared(item, user, "console")
            assert declared(item, user, "api") == expected, (who, label)
            console = _queue_row(queue, item)
            row = _api_item(client, item)
            api = api_transitions(row) if row is not None else {}
            assert console == api == expected, (who, label, console, api, expected)
            if row is None:
                assert expected == {}, (who, label)
                seen.add("out of scope")
            seen.update(f"{name}:{'on' if on else 'off'}" for name, on in expected.items())
            if not expected:
                seen.add("nothing")
    assert {
        "record_payment:on",
        "record_payment:off",
        "record_payment_failure:on",
        "record_payment_failure:off",
        "nothing",
        "out of scope",
    } <= seen


def test_batch_page_api_and_declarations_offer_the_same_batch_transitions(client, money, users):
    seen = set()
    for who, user in users.items():
        client.force_login(user)
        for label, batch in money["batches"].items():
            expected = declared(batch, user, "console")
            page = client.get(reverse("console:assistance_paymentbatch_change", args=[batch.pk]))
            response = client.get(f"{API}/payment-batches/{batch.pk}")
            if page.status_code == 404:
                assert response.status_code == 404 and expected == {}, (who, label)
                seen.add("out of scope")
                continue
            console = _batch_buttons(page.content.decode())
            assert console == expected, (who, label, console, expected)
            # The bank file is a console download: the API offers no batch transition.
            assert api_transitions(response.json()) == declared(batch, user, "api") == {}
            seen.update(f"{name}:{'on' if on else 'off'}" for name, on in expected.items())
            if not expected:
                seen.add("nothing")
    assert {"export_bank_file:on", "export_bank_file:off", "nothing", "out of scope"} <= seen


def test_a_batch_line_offers_its_items_transitions(client, money, staff):
    item = money["items"]["in an open batch"]
    client.force_login(staff.finance)
    html = client.get(
        reverse("console:assistance_paymentbatch_change", args=[money["batches"]["open"].pk])
    ).content.decode()
    line = console_buttons(html.split(f'data-item="{item.pk}"', 1)[1].split("</td>", 1)[0])
    assert line == declared(item, staff.finance, "console")
    assert line == {"record_payment": True, "record_payment_failure": True}


# --- refusals -----------------------------------------------------------------------------------


def test_a_disabled_button_writes_its_reason(client, money, staff):
    client.force_login(staff.finance)
    batch = money["batches"]["nothing to pay"]
    html = client.get(
        reverse("console:assistance_paymentbatch_change", args=[batch.pk])
    ).content.decode()
    assert _batch_buttons(html) == {"export_bank_file": False}
    assert NOTHING_TO_PAY in html  # written beside the button, not a tooltip
    queue = client.get(QUEUE).content.decode()
    item = money["items"]["nothing at the bank"]
    assert _queue_row(queue, item) == {"record_payment": True, "record_payment_failure": False}
    assert NOTHING_AT_THE_BANK in queue
    no_amount = money["items"]["no amount"]
    assert _queue_row(queue, no_amount) == {"record_payment": False}
    assert f"Only approved, unpaid items can be paid (item {no_amount.pk})." in queue


def test_the_console_refuses_a_disabled_transition_on_its_page(client, money, staff):
    client.force_login(staff.finance)
    events = AuditEvent.objects.count()
    item = money["items"]["nothing at the bank"]
    url = reverse("console:assistance_aiditem_do", args=[item.pk, "record_payment_failure"])
    page = client.get(url)
    assert page.status_code == 200 and NOTHING_AT_THE_BANK in page.content.decode()
    response = client.post(url, {"reason": "账户冻结"})
    assert response.status_code == 200 and NOTHING_AT_THE_BANK in response.content.decode()
    batch = money["batches"]["nothing to pay"]
    url = reverse("console:assistance_paymentbatch_do", args=[batch.pk, "export_bank_file"])
    response = client.post(url, {"fmt": "xlsx"})
    assert response.status_code == 302 and response["Location"] == url
    assert NOTHING_TO_PAY in client.get(url).content.decode()  # the page says why
    assert AuditEvent.objects.count() == events
    item.refresh_from_db()
    assert item.state == ItemState.IN_BATCH
    assert not Payment.objects.filter(item=item, state=PaymentState.PENDING).exists()


def test_a_failing_check_is_409_with_the_reasons_and_nothing_changes(client, money, staff):
    client.force_login(staff.finance)
    item = money["items"]["nothing at the bank"]
    events = AuditEvent.objects.count()
    response = _post(
        client, f"{API}/items/{item.pk}/payment-failure", {"reason": "账户冻结"}, uuid.uuid4()
    )
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "transition_refused"
    assert [d["message"] for d in error["details"]] == [NOTHING_AT_THE_BANK]
    no_amount = money["items"]["no amount"]
    response = _post(
        client, f"{API}/items/{no_amount.pk}/payment", {"bank_reference": "B-9"}, uuid.uuid4()
    )
    assert response.status_code == 409, response.content
    assert response.json()["error"]["details"][0]["message"] == (
        f"Only approved, unpaid items can be paid (item {no_amount.pk})."
    )
    assert AuditEvent.objects.count() == events
    assert not IdempotencyKey.objects.exists()  # refusals roll their key back
    assert not Payment.objects.filter(item__in=[item, no_amount], state="paid").exists()


def test_a_refusal_from_the_items_state_keeps_its_code(client, money, staff):
    client.force_login(staff.finance)
    paid = money["items"]["paid"]
    response = _post(
        client, f"{API}/items/{paid.pk}/payment", {"bank_reference": "X"}, uuid.uuid4()
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_paid"
    approved = money["items"]["approved"]
    response = _post(
        client, f"{API}/items/{approved.pk}/payment-failure", {"reason": "冻结"}, uuid.uuid4()
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_pending"
    client.force_login(staff.approver)  # may see the item, may not pay it
    response = _post(
        client, f"{API}/items/{approved.pk}/payment", {"bank_reference": "X"}, uuid.uuid4()
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "field"), [("payment", "bank_reference"), ("payment-failure", "reason")]
)
def test_a_wrong_body_is_422_naming_the_field(client, money, staff, path, field):
    client.force_login(staff.finance)
    item = money["items"]["in an open batch"]
    response = _post(client, f"{API}/items/{item.pk}/{path}", {field: ""}, uuid.uuid4())
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(d["loc"][-1] == field for d in error["details"])
    item.refresh_from_db()
    assert item.state == ItemState.IN_BATCH


def test_out_of_scope_is_404(client, money, jb_finance):
    client.force_login(jb_finance)
    item = money["items"]["in an open batch"]
    response = _post(
        client, f"{API}/items/{item.pk}/payment", {"bank_reference": "X"}, uuid.uuid4()
    )
    assert response.status_code == 404
    response = _post(
        client, f"{API}/items/{item.pk}/payment-failure", {"reason": "冻结"}, uuid.uuid4()
    )
    assert response.status_code == 404
    batch = money["batches"]["open"]
    assert client.get(f"{API}/payment-batches/{batch.pk}").status_code == 404
    for url in (
        reverse("console:assistance_aiditem_do", args=[item.pk, "record_payment"]),
        reverse("console:assistance_paymentbatch_do", args=[batch.pk, "export_bank_file"]),
    ):
        assert client.get(url).status_code == 404
    item.refresh_from_db()
    assert item.state == ItemState.IN_BATCH


# --- the API through the declaration ------------------------------------------------------------


def test_paying_through_the_api_answers_the_item_offers_nothing_after(client, money, staff):
    client.force_login(staff.finance)
    item = money["items"]["in an exported batch"]
    assert api_transitions(_api_item(client, item)) == {
        "record_payment": True,
        "record_payment_failure": True,
    }
    key = uuid.uuid4()
    response = _post(client, f"{API}/items/{item.pk}/payment", {"bank_reference": "B-7"}, key)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "paid"
    again = _post(client, f"{API}/items/{item.pk}/payment", {"bank_reference": "B-7"}, key)
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == response.content
    assert api_transitions(_api_item(client, item)) == {}
    batch = PaymentBatch.objects.get(pk=money["batches"]["exported"].pk)
    assert batch.state == BatchState.DONE  # its last payment settled it
    event = AuditEvent.objects.filter(action="assistance.record_payment").latest("pk")
    assert event.details["transition"] == "pending→paid"


def test_the_finance_pages_ask_the_same_with_more_rows(money, staff):
    """prepare() answers the permission and the checks of a page at once: offers() on the
    prepared rows asks the database nothing more."""
    items = list(AidItem.objects.filter(pk__in=[i.pk for i in money["items"].values()]))
    workflows_money.prepare(items, staff.finance)
    with CaptureQueriesContext(connection) as queries:
        buttons = [offers(item, staff.finance, "console") for item in items]
    assert len(queries) == 0
    assert sum(len(b) for b in buttons) == 8
