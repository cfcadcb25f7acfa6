"""Declared transitions of the money side of hardship aid: aid items, payments and payment
batches (issue #12 §1, ADR 0013). Registered from ``AssistanceConfig.ready()``.

An **aid item** is granted, referred or not granted inside the application's approval
(``actions.approve``: no face of its own), goes into a payment batch with ``create_batch`` (a
choice of many items on the finance queue, not a per-item button) and is then

* 已付款 (``record_payment``): the bank paid it, from a batch or directly while it is
  approved; offered on the console and the API to a holder of ``assistance.pay_aiditem`` over
  the item;
* 付款失败退回 (``record_payment_failure``): the bank returned the payment; the item is approved
  (and reserved) again, to be paid in a new batch.

Its **payment** is pending until one of those two settles it (no face: the item's actions move
it). A **payment batch** is open until 导出银行代发文件 (``export_bank_file``, console only: the
answer is the bank's file with full account numbers, which the API does not hand out), which may
be repeated while payments are pending; the platform settles it (``settle``, no face) once none
is pending.

``check`` gives the action's own refusals beforehand: an item without an approved amount cannot
be paid, a failure needs a payment at the bank, a batch with nothing pending has no file to
export. The money actions have no maker-checker rule. Each check reads at most one row; for a
page of rows, :func:`prepare` answers the permission tests and the checks of the whole page in
one query each, so the finance queue and the batch page cost the same with more rows.

The two payment endpoints of the API keep their paths and their ``Idempotency-Key`` (the
generic per-transition route has no idempotency) and run through :func:`take`, as the batch
page's pasted results do.
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.assistance import actions
from gonghui.assistance.choices import BatchState, ItemState, PaymentState
from gonghui.assistance.models import AidItem, Payment, PaymentBatch
from gonghui.platform.api.errors import conflict_codes
from gonghui.platform.workflow.transitions import StateMachine, Transition, register

PAY = "assistance.pay_aiditem"
EXPORT = "assistance.export_paymentbatch"
NO_FACE = frozenset()


# --- inputs (the API body and the console form) ------------------------------------------------


class PaymentIn(Schema):
    bank_reference: str = Field(..., min_length=1, max_length=64, title="Bank reference")


class FailureIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, title="Reason")


class ExportIn(Schema):
    fmt: Literal["xlsx", "csv"] = Field("xlsx", title="File format")


# --- the machines --------------------------------------------------------------------------------


def _has_pending(obj) -> bool:
    """A payment of this item (or batch) is at the bank: read from :func:`prepare` when set."""
    known = getattr(obj, "_money_pending", None)
    if known is not None:
        return known
    field = "item" if isinstance(obj, AidItem) else "batch"
    return Payment.objects.filter(**{field: obj}, state=PaymentState.PENDING).exists()


def prepare(objects, user) -> list:
    """Work out for a page of aid items or payment batches, in one query per permission and one
    for their pending payments, what :meth:`StateMachine.offered` would otherwise ask per row.
    Returns the objects as a list (the same instances)."""
    objects = list(objects)
    if not objects:
        return objects
    model = type(objects[0])
    machine = aid_item_states if model is AidItem else batch_states
    machine.prime(objects, user)
    pks = [o.pk for o in objects]
    field = "item_id" if model is AidItem else "batch_id"
    pending = set(
        Payment.objects.filter(**{f"{field}__in": pks}, state=PaymentState.PENDING).values_list(
            field, flat=True
        )
    )
    for obj in objects:
        obj._money_pending = obj.pk in pending
    return objects


def _payable(item: AidItem, user=None) -> list:
    if not item.amount_approved:
        return [_("Only approved, unpaid items can be paid (item %(id)s).") % {"id": item.pk}]
    return []


def _at_the_bank(item: AidItem, user=None) -> list:
    if not _has_pending(item):
        return [_("Only a payment sent to the bank can fail.")]
    return []


def _anything_to_pay(batch: PaymentBatch, user=None) -> list:
    if not _has_pending(batch):
        return [_("The batch has nothing left to pay.")]
    return []


aid_item_states = StateMachine(
    "state",
    [
        # Inside the application's approval (actions.approve): each item is granted, referred
        # (aid that is not money) or not granted.
        Transition("approve", frozenset({ItemState.REQUESTED}), ItemState.APPROVED, faces=NO_FACE),
        Transition("refer", frozenset({ItemState.REQUESTED}), ItemState.REFERRED, faces=NO_FACE),
        Transition("reject", frozenset({ItemState.REQUESTED}), ItemState.REJECTED, faces=NO_FACE),
        # create_batch: the finance queue puts the items it chose into a new batch.
        Transition(
            "add_to_batch", frozenset({ItemState.APPROVED}), ItemState.IN_BATCH, faces=NO_FACE
        ),
        Transition(
            "record_payment",
            frozenset({ItemState.APPROVED, ItemState.IN_BATCH}),
            ItemState.PAID,
            label=_("Paid"),
            permission=PAY,
            input=PaymentIn,
            check=_payable,
            execute=lambda obj, actor, **data: actions.record_payment(
                actor=actor, item=obj, **data
            ),
            done=_("The payment is recorded: the item is paid."),
        ),
        Transition(
            "record_payment_failure",
            frozenset({ItemState.IN_BATCH}),
            ItemState.APPROVED,
            label=_("Payment failed, returned"),
            permission=PAY,
            input=FailureIn,
            check=_at_the_bank,
            execute=lambda obj, actor, **data: actions.record_payment_failure(
                actor=actor, item=obj, **data
            ),
            style="danger",
            done=_("The payment failed: the item is approved again, to be paid in a new batch."),
        ),
    ],
)

payment_states = StateMachine(
    "state",
    [
        # Settled by the item's record_payment and record_payment_failure.
        Transition(
            "record_payment", frozenset({PaymentState.PENDING}), PaymentState.PAID, faces=NO_FACE
        ),
        Transition(
            "record_payment_failure",
            frozenset({PaymentState.PENDING}),
            PaymentState.FAILED,
            faces=NO_FACE,
        ),
    ],
)

batch_states = StateMachine(
    "state",
    [
        Transition(
            "export_bank_file",
            frozenset({BatchState.OPEN, BatchState.EXPORTED}),
            BatchState.EXPORTED,
            label=_("Export the bank file"),
            permission=EXPORT,
            input=ExportIn,
            check=_anything_to_pay,
            execute=lambda obj, actor, **data: actions.export_bank_file(
                actor=actor, batch=obj, **data
            ),
            # The answer is a file holding full account numbers: a console download only.
            faces=frozenset({"console"}),
            intro=_(
                "The bank file holds full account numbers. Exports are recorded in the audit "
                "log; keep the file only as long as the bank needs it."
            ),
        ),
        # The last pending payment settled (actions.money._settle_batch).
        Transition(
            "settle",
            frozenset({BatchState.OPEN, BatchState.EXPORTED}),
            BatchState.DONE,
            faces=NO_FACE,
        ),
    ],
)

ITEM_ACTIONS = {
    "record_payment": actions.record_payment,
    "record_payment_failure": actions.record_payment_failure,
}


def take(item: AidItem, user, name: str, data: dict, face: str):
    """Take the item's transition ``name`` on ``face`` through its machine, so its ``check``
    refuses here as on every face (409 with the reasons).

    From a state the transition does not start from, or for a user it is not offered to, the
    action answers itself, with its own refusal: ``already_paid`` and ``not_pending`` (which
    API clients and the pasted bank results tell apart), 403 without the permission, 404
    outside the scope."""
    transition = aid_item_states.transitions[name]
    if aid_item_states.can(item, name) and aid_item_states.permitted(transition, item, user):
        return aid_item_states.run(item, user, name, data, face=face)
    return ITEM_ACTIONS[name](actor=user, item=item, **data)


def register_workflows() -> None:
    register(AidItem, aid_item_states)
    register(Payment, payment_states)
    register(PaymentBatch, batch_states)
    # A payment refused for the item's present state is a conflict with it (409), like a check.
    conflict_codes("already_paid", "already_paying", "not_payable", "not_pending", "empty_batch")
