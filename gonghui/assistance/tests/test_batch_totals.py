"""A payment batch reads what the bank did with it: the total of every line sent, what was
paid, what failed; and it is not 已结清 (settled) while a failed line is waiting to be paid
again (issue #14: lines of 3,500 and 2,500, one failed, showed 合计 3,500 and 已结清)."""

import re

import pytest
from django.urls import reverse

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import ItemState
from gonghui.assistance.models import PaymentBatch
from gonghui.assistance.testing import advance, make_person, staff_application

pytestmark = pytest.mark.django_db


def _cell(html: str, cell_id: str) -> str:
    match = re.search(rf'id="{cell_id}"[^>]*>([^<]*)<', html)
    assert match, cell_id
    return match.group(1).strip()


@pytest.fixture
def failed_batch(tree, staff, funded):
    person = make_person(tree.grassroots, 1, name="张三丰")
    app = staff_application(
        staff,
        tree.grassroots,
        person,
        items=[
            {"aid_type": "living", "amount_requested": "3500"},
            {"aid_type": "medical", "amount_requested": "2500"},
        ],
    )
    app = advance(staff, app, S.APPROVED)
    living, medical = app.items.order_by("pk")
    batch = actions.create_batch(actor=staff.finance, org=tree.yubei, items=[living, medical])
    actions.record_payment(actor=staff.finance, item=living, bank_reference="B1")
    actions.record_payment_failure(actor=staff.finance, item=medical, reason="账户已销户")
    batch.refresh_from_db()
    return batch, medical


def test_a_batch_with_a_failed_line_shows_every_figure_and_is_not_settled(
    client, staff, failed_batch
):
    batch, medical = failed_batch
    assert batch.state == "done"  # nothing is at the bank any more …
    client.force_login(staff.finance)
    url = reverse("console:assistance_paymentbatch_change", args=[batch.pk])
    html = client.get(url).content.decode()
    assert _cell(html, "total-all") == "6,000.00"
    assert _cell(html, "total-paid") == "3,500.00"
    assert _cell(html, "total-failed") == "2,500.00"
    assert _cell(html, "total-pending") == "0.00"
    # … but it does not read as settled while the failed line is unpaid.
    assert _cell(html, "batch-status") == "1 failed, to be paid again"
    assert 'id="batch-failed-note"' in html

    changelist = client.get(reverse("console:assistance_paymentbatch_changelist")).content
    row = changelist.decode().split(batch.number, 1)[1].split("</tr>", 1)[0]
    assert "6,000.00" in row and "3,500.00" in row and "2,500.00" in row
    assert "1 failed, to be paid again" in row and "Settled" not in row

    # Paid again in a new batch, the first batch is settled.
    medical.refresh_from_db()
    assert medical.state == ItemState.APPROVED
    actions.create_batch(actor=staff.finance, org=batch.org, items=[medical])
    actions.record_payment(actor=staff.finance, item=medical, bank_reference="B2")
    html = client.get(url).content.decode()
    assert _cell(html, "batch-status") == "Settled"
    assert 'id="batch-failed-note"' not in html
    assert _cell(html, "total-failed") == "2,500.00"  # the line itself failed all the same
    assert PaymentBatch.objects.count() == 2


@pytest.mark.chinese
def test_the_chinese_batch_page_says_what_failed(client, staff, failed_batch):
    batch, _medical = failed_batch
    client.force_login(staff.finance)
    url = reverse("console:assistance_paymentbatch_change", args=[batch.pk])
    html = client.get(url).content.decode()
    assert _cell(html, "batch-status") == "1笔付款失败，待重新支付"
    assert "1笔付款被银行退回，尚未支付" in html
    assert _cell(html, "total-all") == "6,000.00"
