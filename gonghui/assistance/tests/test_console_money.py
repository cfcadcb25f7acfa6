"""Console pages for money and the annual review: budgets, the queue of approved items, payment
batches with the bank file, payment results and the annual review's spot-check draw. The
buttons of items and batches come from their declared transitions and lead to one page per
transition (``<model>/<pk>/do/<name>/``)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import FileState, ItemState, PaymentState, ReviewOutcome
from gonghui.assistance.models import (
    AidItem,
    AnnualReview,
    Budget,
    Payment,
    PaymentBatch,
    ReviewEntry,
)
from gonghui.assistance.testing import FILE_DATA, advance, make_person, staff_application
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.pii.masking import mask_bank_card
from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.testing.workflow import rendered_transitions

pytestmark = pytest.mark.django_db

ACCOUNT = FILE_DATA["bank_account"]
MASKED = mask_bank_card(ACCOUNT)
YEAR = timezone.localdate().year


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _followed_messages(client, response) -> list[str]:
    assert response.status_code == 302, response.status_code
    return _messages(client.get(response["Location"]))


def approved(tree, staff, n=1, name="张三丰"):
    person = make_person(tree.grassroots, n, name=name)
    app = staff_application(staff, tree.grassroots, person, n=n)
    return advance(staff, app, S.APPROVED)


def money_items(app):
    return list(app.items.filter(state=ItemState.APPROVED).order_by("pk"))


def batch_of(tree, staff, app) -> PaymentBatch:
    return actions.create_batch(actor=staff.finance, org=tree.yubei, items=money_items(app))


def batch_items(app):
    return list(app.items.filter(state=ItemState.IN_BATCH).order_by("pk"))


def batch_url(batch, name="change", *args):
    return reverse(f"console:assistance_paymentbatch_{name}", args=[batch.pk, *args])


# --- budgets -----------------------------------------------------------------------------------


def test_budget_list_shows_reserved_paid_and_remaining(client, tree, staff, funded):
    approved(tree, staff)  # reserves 3000 living aid
    client.force_login(staff.finance)
    response = client.get(reverse("console:assistance_budget_changelist"), {"aid_type": "living"})
    html = _html(response)
    assert "100,000.00" in html and "3,000.00" in html and "97,000.00" in html
    assert [b.aid_type for b in response.context["cl"].result_list] == ["living"]


def test_budget_create_and_edit_through_set_budget(client, tree, staff):
    client.force_login(staff.finance)
    url = reverse("console:assistance_budget_add")
    form = _html(client.get(url))
    assert tree.jiangbei.name not in form and "Employment help" not in form
    response = client.post(
        url,
        {"org": tree.township.pk, "year": YEAR, "aid_type": "living", "amount": "5000.5"},
    )
    assert response.status_code == 302
    budget = Budget.objects.get(org=tree.township, year=YEAR, aid_type="living")
    assert budget.amount == Decimal("5000.50")
    assert AuditEvent.objects.filter(action="assistance.set_budget").count() == 1
    change = reverse("console:assistance_budget_change", args=[budget.pk])
    response = client.post(change, {"amount": "8000", "note": "追加"})
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.amount == Decimal("8000.00") and budget.note == "追加"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "Amounts must be greater than zero."),
        ("abc", "“abc” is not an amount of money."),
        ("1.234", "Amounts have at most two decimals."),
    ],
)
def test_budget_bad_amounts_are_form_errors(client, tree, staff, amount, message):
    client.force_login(staff.finance)
    response = client.post(
        reverse("console:assistance_budget_add"),
        {"org": tree.yubei.pk, "year": YEAR, "aid_type": "living", "amount": amount},
    )
    assert response.status_code == 200
    assert message in response.context["adminform"].form.non_field_errors()
    assert not Budget.objects.exists()


def test_budget_cannot_go_below_what_is_used(client, tree, staff, funded):
    approved(tree, staff)
    budget = funded["living"]
    client.force_login(staff.finance)
    response = client.post(
        reverse("console:assistance_budget_change", args=[budget.pk]),
        {"amount": "100", "note": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "3000.00 yuan is already approved or paid from this budget."
    ]
    budget.refresh_from_db()
    assert budget.amount == Decimal("100000.00")
    # An approver sees the budget read-only and cannot change it.
    client.force_login(staff.approver)
    url = reverse("console:assistance_budget_change", args=[budget.pk])
    assert 'name="amount"' not in _html(client.get(url))
    assert client.post(url, {"amount": "1", "note": ""}).status_code == 403


def test_budget_org_outside_scope_is_refused(client, tree, staff):
    jb_finance = staff_with_role(tree.jiangbei, "finance_officer", username="jb_finance")
    client.force_login(jb_finance)
    response = client.post(
        reverse("console:assistance_budget_add"),
        {"org": tree.yubei.pk, "year": YEAR, "aid_type": "living", "amount": "10"},
    )
    assert response.status_code == 200
    assert "org" in response.context["adminform"].form.errors
    assert not Budget.objects.exists()


# --- the queue and batches ---------------------------------------------------------------------


def test_queue_lists_approved_items_masked_and_builds_a_batch(client, tree, staff, funded):
    app = approved(tree, staff)
    items = money_items(app)
    assert len(items) == 3
    client.force_login(staff.finance)
    url = reverse("console:assistance_aiditem_changelist")
    html = _html(client.get(url))
    assert app.number in html and "张**" in html and "张三丰" not in html
    assert html.count('name="_selected_action"') == 3  # the referral is not in the queue
    assert {i.aid_type for i in client.get(url).context["cl"].result_list} == {
        "living",
        "medical",
        "education",
    }
    response = client.post(
        url,
        {
            "action": "create_payment_batch",
            "_selected_action": [i.pk for i in items],
            "index": 0,
            "select_across": 0,
        },
    )
    batch = PaymentBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch_url(batch)
    assert batch.org == tree.yubei  # the finance officer's highest org
    assert batch.payments.filter(state=PaymentState.PENDING).count() == 3
    assert set(app.items.values_list("state", flat=True)) == {"in_batch", "referred"}
    # Paid/in-batch items are no longer in the default queue; the state filter shows them.
    assert 'name="_selected_action"' not in _html(client.get(url))
    assert _html(client.get(url, {"state": "in_batch"})).count('name="_selected_action"') == 3


def test_queue_is_finance_only(client, tree, staff, funded):
    approved(tree, staff)
    client.force_login(staff.approver)
    assert client.get(reverse("console:assistance_aiditem_changelist")).status_code == 403


def _do(obj, name):
    opts = obj._meta
    return reverse(f"console:{opts.app_label}_{opts.model_name}_do", args=[obj.pk, name])


def _batch_buttons(html: str) -> dict:
    """The batch's own buttons (the first group on its page)."""
    return rendered_transitions(html.split('id="batch-payments"')[0])


def _line_buttons(html: str, item) -> dict:
    """The buttons of the batch line of ``item``."""
    marker = f'data-item="{item.pk}"'
    if marker not in html:
        return {}
    return rendered_transitions(html.split(marker, 1)[1].split("</td>", 1)[0])


def test_batch_page_masks_and_bank_file_has_full_account(client, tree, staff, funded):
    app = approved(tree, staff)
    batch = batch_of(tree, staff, app)
    client.force_login(staff.finance)
    html = _html(client.get(batch_url(batch)))
    assert MASKED in html and ACCOUNT not in html
    assert "张**" in html and "张三丰" not in html
    assert "9,000.50" in html
    assert _batch_buttons(html) == {"export_bank_file": True}
    assert f'href="{_do(batch, "export_bank_file")}"' in html

    page = _html(client.get(_do(batch, "export_bank_file")))
    assert "The bank file holds full account numbers." in page
    assert 'value="xlsx"' in page and 'value="csv"' in page

    response = client.post(_do(batch, "export_bank_file"), {"fmt": "xlsx"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == f'attachment; filename="{batch.number}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "收款账号"
    assert [r[2] for r in rows[1:]] == [ACCOUNT] * 3
    assert [r[6] for r in rows[1:]] == [f"{app.number}-{i.pk}" for i in batch_items(app)]

    # Exported once, the file may be exported again while payments are at the bank; the
    # direct URL of one format runs the same declaration.
    response = client.post(batch_url(batch, "export", "csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{batch.number}.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][0] == "序号"
    assert [r[2].strip() for r in lines[1:]] == [ACCOUNT] * 3

    events = AuditEvent.objects.filter(action="assistance.export_bank_file")
    assert events.count() == 2
    assert ACCOUNT not in str(list(events.values_list("details", flat=True)))
    batch.refresh_from_db()
    assert batch.state == "exported" and batch.exported_by == staff.finance
    assert _batch_buttons(_html(client.get(batch_url(batch)))) == {"export_bank_file": True}


def test_export_of_an_unknown_format_is_a_form_error(client, tree, staff, funded):
    batch = batch_of(tree, staff, approved(tree, staff))
    client.force_login(staff.finance)
    response = client.post(_do(batch, "export_bank_file"), {"fmt": "pdf"})
    assert response.status_code == 302 and response["Location"] == _do(batch, "export_bank_file")
    assert any("pdf" in m for m in _messages(client.get(response["Location"])))
    response = client.post(batch_url(batch, "export", "pdf"))
    assert "Unknown file format." in _followed_messages(client, response)
    assert not AuditEvent.objects.filter(action="assistance.export_bank_file").exists()


def test_export_refused_without_the_permission(client, tree, staff, funded):
    app = approved(tree, staff)
    batch = batch_of(tree, staff, app)
    client.force_login(staff.approver)
    html = _html(client.get(batch_url(batch)))
    assert rendered_transitions(html) == {}  # neither the export nor any line's buttons
    assert "bulk-paid-form" not in html
    assert client.get(_do(batch, "export_bank_file")).status_code == 404
    assert client.post(_do(batch, "export_bank_file"), {"fmt": "xlsx"}).status_code == 404
    assert client.post(batch_url(batch, "export", "xlsx")).status_code == 403
    assert client.post(batch_url(batch, "export", "csv")).status_code == 403
    assert client.get(batch_url(batch, "export", "xlsx")).status_code == 405
    item = batch_items(app)[0]
    assert client.get(_do(item, "record_payment")).status_code == 404
    assert not AuditEvent.objects.filter(action="assistance.export_bank_file").exists()
    batch.refresh_from_db()
    assert batch.exported_at is None


def test_mark_paid_closes_the_application_and_never_pays_twice(client, tree, staff, funded):
    app = approved(tree, staff)
    batch = batch_of(tree, staff, app)
    client.force_login(staff.finance)
    items = batch_items(app)
    html = _html(client.get(batch_url(batch)))
    for item in items:
        assert _line_buttons(html, item) == {"record_payment": True, "record_payment_failure": True}
    response = client.post(_do(items[0], "record_payment"), {"bank_reference": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["bank_reference"]
    for n, item in enumerate(items):
        response = client.post(_do(item, "record_payment"), {"bank_reference": f"REF{n}"})
        assert response.status_code == 302
        assert response["Location"] == batch_url(batch)  # back to the batch being paid
    app.refresh_from_db()
    assert app.state == S.CLOSED
    batch.refresh_from_db()
    assert batch.state == "done"
    html = _html(client.get(batch_url(batch)))
    assert rendered_transitions(html) == {}  # a settled batch offers nothing
    assert "bulk-paid-form" not in html
    # A paid item offers nothing: its page is gone, not a second payment.
    response = client.post(_do(items[0], "record_payment"), {"bank_reference": "AGAIN"})
    assert response.status_code == 404
    assert Payment.objects.filter(item=items[0], state="paid").count() == 1
    assert Payment.objects.get(item=items[0]).bank_reference == "REF0"
    budget = funded["living"]
    budget.refresh_from_db()
    assert budget.paid == Decimal("3000.00") and budget.reserved == 0


def test_mark_failed_puts_the_item_back_for_a_new_batch(client, tree, staff, funded):
    app = approved(tree, staff)
    batch = batch_of(tree, staff, app)
    payment = batch.payments.order_by("pk").first()
    item = AidItem.objects.get(pk=payment.item_id)
    client.force_login(staff.finance)
    response = client.post(_do(item, "record_payment_failure"), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client.post(_do(item, "record_payment_failure"), {"reason": "账户已销户"})
    assert response.status_code == 302 and response["Location"] == batch_url(batch)
    item.refresh_from_db()
    assert item.state == ItemState.APPROVED
    html = _html(client.get(batch_url(batch)))
    assert "账户已销户" in html
    # The failed line has no buttons: the item is paid again from the queue …
    assert _line_buttons(html, item) == {}
    queue = reverse("console:assistance_aiditem_changelist")
    assert _line_buttons(_html(client.get(queue)), item) == {"record_payment": True}
    # … in a new batch.
    response = client.post(
        queue,
        {"action": "create_payment_batch", "_selected_action": [item.pk], "index": 0},
    )
    new_batch = PaymentBatch.objects.exclude(pk=batch.pk).get()
    assert response["Location"] == batch_url(new_batch)
    response = client.post(_do(item, "record_payment"), {"bank_reference": "R2"})
    assert response.status_code == 302 and response["Location"] == batch_url(new_batch)
    assert item.payments.filter(state="paid").count() == 1
    assert item.payments.filter(state="failed").count() == 1


def test_an_approved_item_is_paid_from_the_queue(client, tree, staff, funded):
    """Paid without a batch (the bank paid it by other means): back to the queue."""
    item = money_items(approved(tree, staff))[0]
    client.force_login(staff.finance)
    response = client.post(_do(item, "record_payment"), {"bank_reference": "CASH-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:assistance_aiditem_changelist")
    assert "The payment is recorded: the item is paid." in _messages(
        client.get(response["Location"])
    )
    payment = Payment.objects.get(item=item)
    assert payment.state == "paid" and payment.batch is None


def test_bulk_mark_paid_reports_each_line(client, tree, staff, funded):
    app = approved(tree, staff)
    batch = batch_of(tree, staff, app)
    items = batch_items(app)
    first, second, third = (f"{app.number}-{i.pk}" for i in items)
    client.force_login(staff.finance)
    lines = "\n".join(
        [
            f"{first},BANK001",
            f"{first},BANK001",  # already paid
            "SQ0000-1,BANK404",  # not in this batch
            f"{second}",  # no reference
            "",
            f"{third}\tBANK003",
        ]
    )
    response = client.post(batch_url(batch, "bulk_paid"), {"lines": lines})
    html = _html(response)
    results = [(r.line_no, r.status) for r in response.context["bulk_results"]]
    assert results == [(1, "paid"), (2, "already_paid"), (3, "error"), (4, "error"), (6, "paid")]
    messages = [r.message for r in response.context["bulk_results"]]
    assert messages[2] == "SQ0000-1 is not in this batch."
    assert messages[3] == "Give the bank's reference for the payment."
    assert "2 of 5 lines recorded as paid." in _messages(response)
    assert "bulk-results" in html
    assert Payment.objects.filter(state="paid").count() == 2
    assert AidItem.objects.get(pk=items[1].pk).state == ItemState.IN_BATCH


def test_jiangbei_finance_gets_404_on_yubei_batch(client, tree, staff, funded):
    app = approved(tree, staff)
    batch = batch_of(tree, staff, app)
    item = batch_items(app)[0]
    jb_finance = staff_with_role(tree.jiangbei, "finance_officer", username="jb_finance")
    client.force_login(jb_finance)
    assert client.get(batch_url(batch)).status_code == 404
    assert client.post(batch_url(batch, "export", "xlsx")).status_code == 404
    assert client.get(_do(batch, "export_bank_file")).status_code == 404
    assert client.post(_do(batch, "export_bank_file"), {"fmt": "xlsx"}).status_code == 404
    response = client.post(_do(item, "record_payment"), {"bank_reference": "X"})
    assert response.status_code == 404
    response = client.post(_do(item, "record_payment_failure"), {"reason": "账户冻结"})
    assert response.status_code == 404
    assert client.post(batch_url(batch, "bulk_paid"), {"lines": "x,y"}).status_code == 404
    assert batch.number not in _html(
        client.get(reverse("console:assistance_paymentbatch_changelist"))
    )
    assert app.number not in _html(client.get(reverse("console:assistance_aiditem_changelist")))
    assert not Payment.objects.filter(state="paid").exists()
    assert not AuditEvent.objects.filter(action="assistance.export_bank_file").exists()


# --- annual review -----------------------------------------------------------------------------


def _start(client, tree, **data):
    return client.post(
        reverse("console:assistance_annualreview_add"),
        {"org": tree.yubei.pk, "year": YEAR, "seed": "", "sample_ratio": "0.30", **data},
    )


def test_review_start_decide_and_draw_verified(client, tree, staff, funded):
    apps = [approved(tree, staff, n, name=f"李{n}") for n in (1, 2, 3)]
    closed_app = advance(staff, apps[2], S.CLOSED)
    client.force_login(staff.reviewer)
    form = _html(client.get(reverse("console:assistance_annualreview_add")))
    assert 'value="0.30"' in form and tree.jiangbei.name not in form
    response = _start(client, tree, sample_ratio="0.20")
    assert response.status_code == 200
    assert (
        "Spot-check at least 30% of the files."
        in response.context["adminform"].form.non_field_errors()
    )

    response = _start(client, tree, seed="gonghui-2025")
    review = AnnualReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "console:assistance_annualreview_change", args=[review.pk]
    )
    assert review.seed == "gonghui-2025" and review.sample_ratio == Decimal("0.30")
    entries = {e.file_id: e for e in review.entries.all()}
    assert len(entries) == 3
    spot = [e for e in entries.values() if e.spot_check]
    assert len(spot) == 1  # ⌈0.3 × 3⌉

    page_url = reverse("console:assistance_annualreview_change", args=[review.pk])
    html = _html(client.get(page_url))
    assert "Draw verified" in html and "gonghui-2025" in html and "actions.draw_sample" in html
    assert "李*" in html and "李1" not in html
    spot_html = _html(client.get(page_url, {"spot": "1"}))
    assert spot_html.count('name="entry"') == 1 and spot[0].file.number in spot_html

    decide = reverse("console:assistance_annualreview_decide", args=[review.pk])
    keep_entry = entries[apps[0].file_id]
    tier_entry = entries[apps[1].file_id]
    close_entry = entries[closed_app.file_id]
    response = client.post(decide, {"entry": keep_entry.pk, "outcome": "keep"})
    assert response.status_code == 302
    response = client.post(
        decide, {"entry": tier_entry.pk, "outcome": "change_tier", "new_tier": "relative"}
    )
    assert "Choose the new tier." in _followed_messages(client, response)
    client.post(decide, {"entry": tier_entry.pk, "outcome": "change_tier", "new_tier": "deep"})
    response = client.post(decide, {"entry": close_entry.pk, "outcome": "close", "note": ""})
    assert "A reason is required." in _followed_messages(client, response)
    client.post(decide, {"entry": close_entry.pk, "outcome": "close", "note": "家庭收入已提高"})
    response = client.post(decide, {"entry": keep_entry.pk, "outcome": "close", "note": "再次"})
    assert "This file has already been reviewed." in _followed_messages(client, response)

    outcomes = dict(ReviewEntry.objects.values_list("pk", "outcome"))
    assert outcomes == {
        keep_entry.pk: ReviewOutcome.KEEP,
        tier_entry.pk: ReviewOutcome.CHANGE_TIER,
        close_entry.pk: ReviewOutcome.CLOSE,
    }
    tier_entry.file.refresh_from_db()
    close_entry.file.refresh_from_db()
    assert tier_entry.file.tier == "deep" and tier_entry.file.state == FileState.ADJUSTED
    assert close_entry.file.state == FileState.CLOSED
    assert _html(client.get(page_url, {"pending": "1"})).count('name="entry"') == 0

    # Tampering with the stored flags is caught by the redraw on the page.
    ReviewEntry.objects.filter(review=review).update(spot_check=True)
    assert "Draw NOT verified" in _html(client.get(page_url))


def test_review_refuses_a_second_review_and_outsiders(client, tree, staff, funded):
    approved(tree, staff)
    client.force_login(staff.reviewer)
    assert _start(client, tree).status_code == 302
    response = _start(client, tree)
    assert (
        "This year's review of this union already exists."
        in response.context["adminform"].form.non_field_errors()
    )
    review = AnnualReview.objects.get()
    assert len(review.seed) == 16  # a random seed was drawn and recorded
    client.force_login(staff.jb_reviewer)
    page = reverse("console:assistance_annualreview_change", args=[review.pk])
    assert client.get(page).status_code == 404
    entry = review.entries.get()
    decide = reverse("console:assistance_annualreview_decide", args=[review.pk])
    assert client.post(decide, {"entry": entry.pk, "outcome": "keep"}).status_code == 404
    assert _start(client, tree).status_code == 200  # yubei is not among jiangbei's orgs
    entry.refresh_from_db()
    assert entry.outcome == ReviewOutcome.PENDING
