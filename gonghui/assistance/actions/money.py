"""Budgets and payments: setting a budget, payment batches and the bank file, recording a
payment or its failure, and closing the application when every item is paid.

The states of aid items, payments and batches move only through their declared transitions
(:mod:`gonghui.assistance.workflows_money`, registered from ``AssistanceConfig.ready()``):
those declarations call these actions, so the actions find the machines in the platform's
registry when they run (:func:`_move`) instead of importing them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import MAX_BUDGET, S, _number, _reason, _step, parse_amount
from gonghui.assistance.actions.applications import application_states
from gonghui.assistance.choices import NON_MONEY_AID, AidType, BatchState, ItemState, PaymentState
from gonghui.assistance.models import AidItem, Application, Budget, Payment, PaymentBatch
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.platform.workflow.transitions import machine_for


def _move(ctx, obj, name: str, *, extra_fields=()) -> str:
    """Take the declared transition ``name`` of ``obj``'s state (refused from a state it does
    not start from), saving ``extra_fields`` with it."""
    return machine_for(type(obj)).apply(ctx, obj, name, extra_fields=extra_fields)


@action("assistance.set_budget", permission="assistance.add_budget")
def set_budget(ctx, *, org: Org, year: int, aid_type: str, amount, note: str = "") -> Budget:
    """Create a budget or change its amount; never below what is already approved or paid."""
    org = ctx.require(org, "assistance.add_budget")
    if aid_type not in AidType.values or aid_type in NON_MONEY_AID:
        raise ActionError(_("Budgets are for aid paid in money."), code="invalid_choice")
    if not 2000 <= int(year) <= 2100:
        raise ActionError(_("Give a valid year."), code="invalid_year")
    amount = parse_amount(amount, allow_zero=True, limit=MAX_BUDGET)
    budget, created = Budget.objects.select_for_update().get_or_create(
        org=org, year=year, aid_type=aid_type, defaults={"amount": amount, "note": note[:200]}
    )
    if not created:
        if amount < budget.reserved + budget.paid:
            raise ActionError(
                _("%(used)s yuan is already approved or paid from this budget."),
                code="below_used",
                params={"used": budget.reserved + budget.paid},
            )
        before = budget.amount
        budget.amount = amount
        budget.note = note[:200] or budget.note
        budget.save(update_fields=["amount", "note"])
        ctx.details["before"] = str(before)
    ctx.wrote(budget, details={"amount": str(amount), "year": year, "aid": aid_type})
    ctx.org = org
    return budget


@action("assistance.create_batch", permission="assistance.add_paymentbatch")
def create_batch(ctx, *, org: Org, items) -> PaymentBatch:
    """A payment batch of approved items in scope; each gets one pending payment."""
    org = ctx.require(org, "assistance.add_paymentbatch")
    items = list(items)
    if not items:
        raise ActionError(_("Choose the approved items to pay."), code="no_items")
    in_scope = restrict(AidItem, ctx.actor, "assistance.pay_aiditem").filter(
        pk__in=[getattr(i, "pk", i) for i in items]
    )
    rows = list(in_scope.select_for_update().order_by("pk"))
    if len(rows) != len(items):
        raise OutOfScope("item not in scope")
    batch = PaymentBatch.objects.create(number=uuid.uuid4().hex, org=org, created_by=ctx.actor)
    batch.number = _number("ZF", batch.pk, timezone.localdate().year)
    batch.save(update_fields=["number"])
    payments = []
    for item in rows:
        if item.state != ItemState.APPROVED or not item.amount_approved:
            raise ActionError(
                _("Only approved, unpaid items can be paid (item %(id)s)."),
                code="not_payable",
                params={"id": item.pk},
            )
        if not item.application.file.bank_account:
            raise ActionError(
                _("Application %(number)s has no bank account."),
                code="no_bank_account",
                params={"number": item.application.number},
            )
        _move(ctx, item, "add_to_batch")
        payments.append(Payment(item=item, batch=batch, amount=item.amount_approved))
    try:
        with transaction.atomic():
            Payment.objects.bulk_create(payments)
    except IntegrityError:
        raise ActionError(_("An item is already being paid."), code="already_paying") from None
    ctx.wrote(
        batch, details={"items": len(payments), "total": str(sum(p.amount for p in payments))}
    )
    ctx.org = org
    return batch


@dataclass
class BankFile:
    filename: str
    content_type: str
    content: bytes
    rows: int


BANK_FILE_HEADER = ["序号", "收款人", "收款账号", "开户银行", "金额(元)", "用途", "业务编号"]


@action("assistance.export_bank_file", permission="assistance.export_paymentbatch")
def export_bank_file(ctx, *, batch: PaymentBatch, fmt: str = "xlsx") -> BankFile:
    """The bank's payment file: the only place full account numbers leave the database."""
    batch = ctx.require(batch, "assistance.export_paymentbatch")
    ctx.lock(batch)
    payments = list(
        batch.payments.filter(state=PaymentState.PENDING)
        .select_related("item__application__file", "item__application__applicant")
        .order_by("pk")
    )
    if not payments:
        raise ActionError(_("The batch has nothing left to pay."), code="empty_batch")
    rows = []
    for n, p in enumerate(payments, start=1):
        app = p.item.application
        rows.append(
            [
                n,
                app.applicant.name,
                app.file.bank_account,
                app.file.bank_name,
                f"{p.amount:.2f}",
                f"{p.item.get_aid_type_display()}",
                f"{app.number}-{p.item.pk}",
            ]
        )
    if fmt == "csv":
        import csv
        import io

        from gonghui.platform.security.cells import csv_row

        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(BANK_FILE_HEADER)
        for row in rows:
            # Account numbers as text so spreadsheet programs do not round them; the other
            # cells through csv_row (stored names must not run as formulas).
            writer.writerow([*csv_row(row[:2]), f"\t{row[2]}", *csv_row(row[3:])])
        content = ("\ufeff" + buf.getvalue()).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        import io

        from openpyxl import Workbook

        from gonghui.platform.security.cells import xlsx_row

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("付款清单")
        ws.append(BANK_FILE_HEADER)
        for row in rows:
            ws.append(xlsx_row(ws, row))
        buf = io.BytesIO()
        wb.save(buf)
        content = buf.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise ActionError(_("Unknown file format."), code="invalid_format")
    batch.exported_at = timezone.now()
    batch.exported_by = ctx.actor
    _move(ctx, batch, "export_bank_file", extra_fields=["exported_at", "exported_by"])
    ctx.wrote(
        batch,
        details={"rows": len(rows), "format": fmt, "total": str(sum(p.amount for p in payments))},
    )
    ctx.org = batch.org
    return BankFile(f"{batch.number}.{fmt}", content_type, content, len(rows))


def _settle_batch(ctx, batch_id: int | None) -> None:
    """The batch is done once none of its payments is pending. The batch row is locked first:
    two payments settling the last two lines at once cannot both see the other still pending
    (the second waits, then reads the first's committed line)."""
    if batch_id is None:
        return
    batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
    if batch.state == BatchState.DONE:
        return
    if not Payment.objects.filter(batch_id=batch_id, state=PaymentState.PENDING).exists():
        _move(ctx, batch, "settle")


def _maybe_complete(ctx, application: Application) -> None:
    open_items = application.items.filter(state__in=[ItemState.APPROVED, ItemState.IN_BATCH])
    if application.state == S.APPROVED and not open_items.exists():
        application.closed_at = timezone.now()
        before = application.state
        application_states.apply(ctx, application, "complete", extra_fields=["closed_at"])
        _step(ctx, application, "complete", before)


@action("assistance.record_payment", permission="assistance.pay_aiditem")
def record_payment(ctx, *, item: AidItem, bank_reference: str) -> Payment:
    """The bank paid an item: settle its payment, move the money from reserved to paid.

    The item row is locked first, so of any number of concurrent calls exactly one pays; the
    rest see it paid and are refused. The unique index on live payments is the backstop."""
    item = ctx.require(item)
    ctx.lock(item)
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise ActionError(_("Give the bank's reference for the payment."), code="reference")
    if item.state == ItemState.PAID:
        raise ActionError(_("This item has already been paid."), code="already_paid")
    if item.state not in (ItemState.APPROVED, ItemState.IN_BATCH) or not item.amount_approved:
        raise ActionError(
            _("Only approved, unpaid items can be paid (item %(id)s)."),
            code="not_payable",
            params={"id": item.pk},
        )
    payment = item.payments.filter(state=PaymentState.PENDING).first()
    if payment is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(item=item, amount=item.amount_approved)
        except IntegrityError:
            raise ActionError(_("This item has already been paid."), code="already_paid") from None
    budget = Budget.objects.select_for_update().get(pk=item.budget_id)
    budget.reserved -= payment.amount
    budget.paid += payment.amount
    budget.save(update_fields=["reserved", "paid"])
    payment.bank_reference = bank_reference[:64]
    payment.settled_at = timezone.now()
    payment.settled_by = ctx.actor
    _move(
        ctx, payment, "record_payment", extra_fields=["bank_reference", "settled_at", "settled_by"]
    )
    item.paid_at = payment.settled_at
    _move(ctx, item, "record_payment", extra_fields=["paid_at"])
    _settle_batch(ctx, payment.batch_id)
    application = Application.objects.select_for_update().get(pk=item.application_id)
    _maybe_complete(ctx, application)
    ctx.wrote(
        payment,
        details={"amount": str(payment.amount), "item": item.pk, "reference": bank_reference[:64]},
    )
    ctx.org = application.org
    return payment


@action("assistance.record_payment_failure", permission="assistance.pay_aiditem")
def record_payment_failure(ctx, *, item: AidItem, reason: str) -> Payment:
    """The bank returned a payment: the item is approved (and reserved) again, to be re-paid."""
    item = ctx.require(item)
    ctx.lock(item)
    reason = _reason(reason)
    payment = item.payments.filter(state=PaymentState.PENDING).first()
    if item.state != ItemState.IN_BATCH or payment is None:
        raise ActionError(_("Only a payment sent to the bank can fail."), code="not_pending")
    payment.failure_reason = reason[:300]
    payment.settled_at = timezone.now()
    payment.settled_by = ctx.actor
    _move(
        ctx,
        payment,
        "record_payment_failure",
        extra_fields=["failure_reason", "settled_at", "settled_by"],
    )
    _move(ctx, item, "record_payment_failure")
    _settle_batch(ctx, payment.batch_id)
    ctx.wrote(payment, details={"item": item.pk, "reason": reason})
    ctx.org = item.application.org
    return payment
