"""Money endpoints: budgets (/assistance/budgets/), aid items with payment results
(/assistance/items/) and payment batches (/assistance/payment-batches/).

The transitions of items and batches are declared in :mod:`gonghui.assistance.workflows_money`.
Each item in the list and each batch detail says ``allowed_transitions`` (name, label, enabled,
reasons) for the caller. The item's two transitions keep their endpoints,
``POST /items/{id}/payment`` (``record_payment``) and ``/payment-failure``
(``record_payment_failure``), because they carry an ``Idempotency-Key`` that the generic
per-transition route cannot: both run through the declaration (:func:`workflows_money.take`),
so a failing check answers 409 with the reasons as on every face, and a refusal from the
item's state keeps its code (``already_paid``, ``not_pending``). Exporting a batch's bank file
is a console download only (full account numbers): the batch has no API transition.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Header, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.assistance import actions, queries
from gonghui.assistance.api._shared import ERRORS, Money, MoneyIn, _Lazy
from gonghui.assistance.api.application_routes import ItemOut, _item
from gonghui.assistance.choices import AidType, BatchState, ItemState, PaymentState
from gonghui.assistance.models import AidItem, Payment, PaymentBatch
from gonghui.assistance.workflows_money import (
    FailureIn,
    PaymentIn,
    aid_item_states,
    batch_states,
    prepare,
    take,
)
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.api.pagination import LimitOffsetPagination
from gonghui.platform.idempotency.services import HEADER as IDEMPOTENCY_HEADER
from gonghui.platform.idempotency.services import idempotent
from gonghui.platform.pii.masking import mask_bank_card, mask_name
from gonghui.platform.workflow.schemas import AllowedTransition

budgets = Router(tags=["assistance: money"])
items = Router(tags=["assistance: money"])
batches = Router(tags=["assistance: money"])


class BudgetOut(Schema):
    id: int
    org_id: int
    org_name: str
    year: int
    aid_type: AidType
    amount: Money
    reserved: Money = Field(description="Approved, unpaid")
    paid: Money
    remaining: Money
    note: str


class BudgetIn(Schema):
    org_id: int
    year: int = Field(..., ge=2000, le=2100)
    aid_type: AidType
    amount: MoneyIn
    note: str = Field("", max_length=200)


def _budget(b) -> dict:
    return {
        "id": b.pk,
        "org_id": b.org_id,
        "org_name": b.org.name,
        "year": b.year,
        "aid_type": b.aid_type,
        "amount": b.amount,
        "reserved": b.reserved,
        "paid": b.paid,
        "remaining": b.remaining,
        "note": b.note,
    }


@budgets.get(
    "",
    response=list[BudgetOut],
    summary="Budgets in your scope",
    operation_id="gonghui_assistance_api_list_budgets",
)
@paginate(LimitOffsetPagination)
def list_budgets(request, year: int | None = None, aid_type: AidType | None = None):
    qs = queries.budgets(request.user).order_by("-year", "org__path", "aid_type")
    if year is not None:
        qs = qs.filter(year=year)
    if aid_type:
        qs = qs.filter(aid_type=aid_type)
    return _Lazy(qs, _budget)


@budgets.post(
    "",
    response={200: BudgetOut, **ERRORS},
    summary="Set a budget (create or change)",
    operation_id="gonghui_assistance_api_set_budget",
)
def set_budget(request, payload: BudgetIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    b = actions.set_budget(
        actor=request.user,
        org=org,
        year=payload.year,
        aid_type=payload.aid_type,
        amount=payload.amount,
        note=payload.note,
    )
    return _budget(queries.budgets(request.user).get(pk=b.pk))


class QueueItemOut(ItemOut):
    application_number: str
    applicant_name: str = Field(description="Masked")
    org_id: int
    org_name: str
    allowed_transitions: list[AllowedTransition] = Field(
        description="record_payment (POST …/payment) and record_payment_failure "
        "(POST …/payment-failure) as you may take them now, with the reasons a disabled one "
        "cannot run"
    )


class PaymentOut(Schema):
    id: int
    item_id: int
    batch_id: int | None
    amount: Money
    state: PaymentState
    bank_reference: str
    failure_reason: str
    settled_at: datetime | None


class BatchPaymentOut(PaymentOut):
    application_number: str
    payee: str = Field(description="Masked")
    bank_name: str
    bank_account: str = Field(description="Masked (622202*********3445)")


class BatchOut(Schema):
    id: int
    number: str
    org_id: int
    org_name: str
    state: BatchState
    created_at: datetime
    exported_at: datetime | None
    total: Money


class BatchDetail(BatchOut):
    payments: list[BatchPaymentOut]
    allowed_transitions: list[AllowedTransition] = Field(
        description="The batch's transitions you may take through the API now (its bank file "
        "is exported on the console)"
    )


class BatchIn(Schema):
    org_id: int = Field(description="The paying union")
    item_ids: list[int] = Field(..., min_length=1, max_length=1000)


def _queue_item(i: AidItem, user) -> dict:
    data = _item(i)
    a = i.application
    data.update(
        {
            "application_number": a.number,
            "applicant_name": mask_name(a.applicant.name),
            "org_id": a.org_id,
            "org_name": a.org.name,
            "allowed_transitions": aid_item_states.describe(i, user, "api"),
        }
    )
    return data


def _payment(p: Payment) -> dict:
    return {
        "id": p.pk,
        "item_id": p.item_id,
        "batch_id": p.batch_id,
        "amount": p.amount,
        "state": p.state,
        "bank_reference": p.bank_reference,
        "failure_reason": p.failure_reason,
        "settled_at": p.settled_at,
    }


def _batch(b: PaymentBatch, payments=None) -> dict:
    payments = list(payments if payments is not None else b.payments.all())
    return {
        "id": b.pk,
        "number": b.number,
        "org_id": b.org_id,
        "org_name": b.org.name,
        "state": b.state,
        "created_at": b.created_at,
        "exported_at": b.exported_at,
        "total": sum((p.amount for p in payments if p.state != "failed"), Decimal("0.00")),
    }


def _batch_detail(b: PaymentBatch, user) -> dict:
    payments = list(
        restrict(b.payments.all(), user, "view")
        .select_related("item__application__applicant", "item__application__file")
        .order_by("pk")
    )
    data = _batch(b, payments)
    rows = []
    for p in payments:
        a = p.item.application
        row = _payment(p)
        row.update(
            {
                "application_number": a.number,
                "payee": mask_name(a.applicant.name),
                "bank_name": a.file.bank_name,
                "bank_account": mask_bank_card(a.file.bank_account) or "",
            }
        )
        rows.append(row)
    data["payments"] = rows
    data["allowed_transitions"] = batch_states.describe(b, user, "api")
    return data


@items.get(
    "",
    response=list[QueueItemOut],
    summary="Aid items (approved = the finance queue)",
    operation_id="gonghui_assistance_api_list_items",
)
@paginate(LimitOffsetPagination)
def list_items(request, state: ItemState | None = None, application: int | None = None):
    if state == ItemState.APPROVED:
        qs = queries.queue(request.user, "unpaid")
    else:
        qs = restrict(AidItem, request.user, "view").select_related(
            "application__applicant", "application__org"
        )
        if state:
            qs = qs.filter(state=state)
    if application is not None:
        qs = qs.filter(application_id=application)
    user = request.user
    return _Lazy(
        qs.order_by("pk"), lambda i: _queue_item(i, user), prepare=lambda rows: prepare(rows, user)
    )


def _payable_item(request, item_id: int) -> AidItem:
    return get_scoped_or_404(AidItem, request.user, "view", pk=item_id)


IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias=IDEMPOTENCY_HEADER,
        description="A UUID, new for each payment result; a repeat answers the first response",
    ),
]


def _take(request, item_id: int, name: str, payload, idempotency_key):
    """Run the item's transition ``name`` once per key. Refusals reach the API's handlers
    (409 with the reasons for a failing check, 409 ``already_paid``/``not_pending`` from the
    item's state, 403, 404) and roll the key back, so the client may retry with it."""

    def produce():
        item = _payable_item(request, item_id)
        payment = take(item, request.user, name, payload.dict(), face="api")
        return 200, PaymentOut.model_validate(_payment(payment)).model_dump(mode="json")

    return idempotent(request, idempotency_key, produce)


@items.post(
    "/{int:item_id}/payment",
    response={200: PaymentOut, 400: dict, 403: dict, 404: dict, 409: dict, 422: dict},
    summary="Paid: record that the bank paid an item (record_payment; Idempotency-Key required)",
    operation_id="gonghui_assistance_api_record_payment",
)
def record_payment(request, item_id: int, payload: PaymentIn, idempotency_key: IdempotencyKey):
    return _take(request, item_id, "record_payment", payload, idempotency_key)


@items.post(
    "/{int:item_id}/payment-failure",
    response={200: PaymentOut, 400: dict, 403: dict, 404: dict, 409: dict, 422: dict},
    summary="Payment failed, returned: the bank returned a payment "
    "(record_payment_failure; Idempotency-Key required)",
    operation_id="gonghui_assistance_api_record_payment_failure",
)
def record_payment_failure(
    request, item_id: int, payload: FailureIn, idempotency_key: IdempotencyKey
):
    return _take(request, item_id, "record_payment_failure", payload, idempotency_key)


def _visible_batches(user):
    return restrict(PaymentBatch, user, "view").select_related("org")


@batches.get(
    "",
    response=list[BatchOut],
    summary="Payment batches in your scope",
    operation_id="gonghui_assistance_api_list_batches",
)
@paginate(LimitOffsetPagination)
def list_batches(request, state: BatchState | None = None):
    qs = _visible_batches(request.user).prefetch_related("payments").order_by("-id")
    if state:
        qs = qs.filter(state=state)
    return _Lazy(qs, _batch)


@batches.get(
    "/{int:batch_id}",
    response=BatchDetail,
    summary="One payment batch",
    operation_id="gonghui_assistance_api_get_batch",
)
def get_batch(request, batch_id: int):
    b = get_scoped_or_404(_visible_batches(request.user), request.user, "view", pk=batch_id)
    return _batch_detail(b, request.user)


@batches.post(
    "",
    response={201: BatchDetail, **ERRORS},
    summary="Put approved items in a batch",
    operation_id="gonghui_assistance_api_create_batch",
)
def create_batch(request, payload: BatchIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    b = actions.create_batch(
        actor=request.user, org=org, items=list(dict.fromkeys(payload.item_ids))
    )
    b = _visible_batches(request.user).get(pk=b.pk)
    return Status(201, _batch_detail(b, request.user))
