"""Money is never paid twice nor lost (security.md REL-1..REL-3, §7.1).

The race tests need real concurrent transactions: PostgreSQL, ``transactional_db`` (a plain
``db`` test wraps everything in one uncommitted transaction the threads cannot see) and one
connection per thread. They are skipped on SQLite, which has no ``SELECT … FOR UPDATE``.
"""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from gonghui.assistance import actions
from gonghui.assistance.actions import money as money_actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import BatchState, ItemState, PaymentState
from gonghui.assistance.models import AidItem, Application, Budget, Payment, PaymentBatch
from gonghui.assistance.testing import Staff, advance, budgets, make_person, staff_application
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.workflow.base import ActionError

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent row locks need PostgreSQL (SQLite has no SELECT … FOR UPDATE and "
    "serialises writers); run with DATABASE_URL=postgres://…",
)

THREADS = 20
ROUNDS = 100  # issue #11: at least 100 rounds of 20 threads
SETTLE_ROUNDS = 20
LIVING = [{"aid_type": "living", "amount_requested": "2000"}]


def _race(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released together; each closes its connection."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            results[i] = work(i, barrier)
        except ActionError as exc:
            results[i] = exc.code
        except IntegrityError:
            results[i] = "IntegrityError"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def _approved_item(staff, tree, n: int) -> AidItem:
    person = make_person(tree.grassroots, n)
    app = staff_application(staff, tree.grassroots, person, items=LIVING, n=n)
    app = advance(staff, app, S.APPROVED)
    return app.items.get()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_payments_of_one_item_pay_once(tree):
    staff = Staff(tree)
    budget = actions.set_budget(
        actor=staff.finance,
        org=tree.yubei,
        year=_year(),
        aid_type="living",
        amount=str(2000 * ROUNDS),
    )
    user_model = get_user_model()
    for round_no in range(ROUNDS):
        item = _approved_item(staff, tree, round_no + 1)
        before = Budget.objects.get(pk=budget.pk)

        def pay(i, barrier, item_pk=item.pk):
            finance = user_model.objects.get(pk=staff.finance.pk)
            fresh = AidItem.objects.get(pk=item_pk)
            barrier.wait()
            actions.record_payment(actor=finance, item=fresh, bank_reference=f"R{i}")
            return "paid"

        results = _race(THREADS, pay)
        assert Counter(results) == {"paid": 1, "already_paid": THREADS - 1}, (round_no, results)
        paid = Payment.objects.filter(item=item, state=PaymentState.PAID)
        assert paid.count() == 1 and Payment.objects.filter(item=item).count() == 1
        assert paid.get().amount == Decimal("2000.00")
        after = Budget.objects.get(pk=budget.pk)
        assert after.paid == before.paid + Decimal("2000.00")
        assert after.reserved == before.reserved - Decimal("2000.00") == 0
        assert (
            AuditEvent.objects.filter(
                action="assistance.record_payment", object_id=str(paid.get().pk)
            ).count()
            == 1
        )
        item.refresh_from_db()
        assert item.state == ItemState.PAID
        assert Application.objects.get(pk=item.application_id).state == S.CLOSED
    final = Budget.objects.get(pk=budget.pk)
    assert final.paid == Decimal("2000.00") * ROUNDS and final.reserved == 0
    assert AuditEvent.objects.filter(action="assistance.record_payment").count() == ROUNDS


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_naive_concurrent_inserts_hit_the_unique_index(tree):
    """Without the lock, twenty writers each inserting a paid payment: the partial unique
    index lets exactly one through (REL-3: the database is the backstop)."""
    staff = Staff(tree)
    actions.set_budget(
        actor=staff.finance, org=tree.yubei, year=_year(), aid_type="living", amount="100000"
    )
    item = _approved_item(staff, tree, 1)

    def insert(i, barrier):
        barrier.wait()
        with transaction.atomic():
            Payment.objects.create(
                item_id=item.pk, amount=item.amount_approved, state=PaymentState.PAID
            )
        return "inserted"

    results = _race(THREADS, insert)
    assert Counter(results) == {"inserted": 1, "IntegrityError": THREADS - 1}, results
    assert Payment.objects.filter(item=item, state=PaymentState.PAID).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_overspend_a_budget(tree):
    """Two cases approved at once against a budget with room for one: one is approved, the
    other is refused "over_budget" and stays awaiting approval. Five rounds."""
    staff = Staff(tree)
    year = _year()
    user_model = get_user_model()
    for round_no in range(5):
        # The budget has exactly 2,000 yuan left for this round's two cases.
        current = Budget.objects.filter(org=tree.yubei, year=year, aid_type="living").first()
        used = (current.reserved + current.paid) if current else Decimal(0)
        budget = actions.set_budget(
            actor=staff.finance,
            org=tree.yubei,
            year=year,
            aid_type="living",
            amount=used + Decimal("2000"),
        )
        apps = []
        for k in (1, 2):
            n = round_no * 10 + k
            person = make_person(tree.grassroots, n)
            app = staff_application(staff, tree.grassroots, person, items=LIVING, n=n)
            apps.append(advance(staff, app, S.APPROVAL))

        def approve(i, barrier, apps=apps):
            approver = user_model.objects.get(pk=staff.approver.pk)
            app = Application.objects.get(pk=apps[i].pk)
            amounts = {it.pk: "2000" for it in app.items.all()}
            barrier.wait()
            actions.approve(actor=approver, application=app, amounts=amounts, opinion="同意")
            return "approved"

        results = _race(2, approve)
        assert sorted(results) == ["approved", "over_budget"], (round_no, results)
        states = sorted(
            Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("state", flat=True)
        )
        assert states == sorted([S.APPROVED, S.APPROVAL])
        budget.refresh_from_db()
        assert budget.reserved + budget.paid == budget.amount
        loser = Application.objects.get(pk__in=[a.pk for a in apps], state=S.APPROVAL)
        assert loser.items.get().state == ItemState.REQUESTED
        assert loser.items.get().amount_approved is None


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_last_two_lines_of_a_batch_paid_at_once_settle_it(tree):
    """Two lines of one batch paid at once, from two budgets (so the budget lock does not
    serialise them), each the other's last pending line: the batch is done all the same. The
    settling locks the batch row, so the second to get there reads the first's paid line."""
    staff = Staff(tree)
    budgets(tree.yubei, staff.finance)
    user_model = get_user_model()
    two = [
        {"aid_type": "living", "amount_requested": "2000"},
        {"aid_type": "medical", "amount_requested": "2000"},
    ]
    for round_no in range(SETTLE_ROUNDS):
        person = make_person(tree.grassroots, round_no + 1)
        app = staff_application(staff, tree.grassroots, person, items=two, n=round_no + 1)
        app = advance(staff, app, S.APPROVED)
        items = list(app.items.order_by("pk"))
        batch = actions.create_batch(actor=staff.finance, org=tree.yubei, items=items)

        def pay(i, barrier, items=items):
            finance = user_model.objects.get(pk=staff.finance.pk)
            fresh = AidItem.objects.get(pk=items[i].pk)
            barrier.wait()
            actions.record_payment(actor=finance, item=fresh, bank_reference=f"R{i}")
            return "paid"

        results = _race(2, pay)
        assert results == ["paid", "paid"], (round_no, results)
        assert PaymentBatch.objects.get(pk=batch.pk).state == BatchState.DONE, round_no
        assert Application.objects.get(pk=app.pk).state == S.CLOSED, round_no
        assert (
            AuditEvent.objects.filter(
                action="assistance.record_payment",
                object_id__in=[str(p.pk) for p in batch.payments.all()],
            ).count()
            == 2
        )


# --- on any database --------------------------------------------------------------------


@pytest.mark.django_db
def test_naive_second_paid_payment_is_refused_by_the_database(tree, staff, funded):
    item = _approved_item(staff, tree, 1)
    Payment.objects.create(item=item, amount=item.amount_approved, state=PaymentState.PAID)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(item=item, amount=item.amount_approved, state=PaymentState.PAID)
    assert Payment.objects.filter(item=item).count() == 1


@pytest.mark.django_db
def test_a_failed_payment_does_not_block_the_index(tree, staff, funded):
    item = _approved_item(staff, tree, 1)
    Payment.objects.create(item=item, amount=item.amount_approved, state=PaymentState.FAILED)
    Payment.objects.create(item=item, amount=item.amount_approved, state=PaymentState.PENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(item=item, amount=item.amount_approved, state=PaymentState.PAID)


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["_settle_batch", "_maybe_complete"])
def test_fault_after_the_payment_insert_rolls_everything_back(
    tree, staff, funded, monkeypatch, where
):
    """REL-1: an exception after the payment row is written, before the action ends,
    leaves no payment, the budget and the item as they were, and no audit event."""
    item = _approved_item(staff, tree, 1)
    budget = Budget.objects.get(pk=item.budget_id)
    events = AuditEvent.objects.count()

    def boom(*args, **kwargs):
        assert Payment.objects.filter(item=item).exists()  # the insert did happen
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(money_actions, where, boom)  # looked up in the money module
    with pytest.raises(RuntimeError, match="disk on fire"):
        actions.record_payment(actor=staff.finance, item=item, bank_reference="R1")
    assert not Payment.objects.filter(item=item).exists()
    after = Budget.objects.get(pk=budget.pk)
    assert (after.reserved, after.paid) == (budget.reserved, budget.paid)
    assert after.reserved == Decimal("2000.00") and after.paid == 0
    item.refresh_from_db()
    assert item.state == ItemState.APPROVED and item.paid_at is None
    assert AuditEvent.objects.count() == events
    # And the item can still be paid once the fault is gone.
    monkeypatch.undo()
    payment = actions.record_payment(actor=staff.finance, item=item, bank_reference="R2")
    assert payment.state == PaymentState.PAID


def _year() -> int:
    from django.utils import timezone

    return timezone.localdate().year
