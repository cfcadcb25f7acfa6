"""Reconciliation of hardship-assistance money (REL-7): invariants that must hold whatever
happened, checked nightly by ``manage.py reconcile_assistance`` and in the tests.

Each check returns a list of :class:`Violation`. Messages name budgets by union, year and
aid type, and cases by application number, never by a person's name or ID number.

* :func:`check_budgets` — a budget never spends beyond its amount, and its ``reserved`` and
  ``paid`` equal the sums recomputed from its aid items and their paid payments;
* :func:`check_payments` — every paid payment belongs to an approved application, is for the
  item's approved amount, and has its ``assistance.record_payment`` audit event;
* :func:`check_duplicates` — no item is paid twice, and no person is paid the same aid in the
  same year through two applications;
* :func:`check_paid_within_approved` — per union, year and aid type, paid ≤ approved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext

from gonghui.assistance.choices import ApplicationState, ItemState, PaymentState
from gonghui.assistance.models import AidItem, Budget, Payment
from gonghui.platform.audit.models import AuditEvent

ZERO = Decimal("0.00")
RESERVED_ITEM_STATES = (ItemState.APPROVED, ItemState.IN_BATCH)
APPROVED_ITEM_STATES = (ItemState.APPROVED, ItemState.IN_BATCH, ItemState.PAID)
APPROVED_APPLICATION_STATES = (ApplicationState.APPROVED, ApplicationState.CLOSED)
PAYMENT_EVENT = "assistance.record_payment"


@dataclass(frozen=True)
class Violation:
    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


def _yuan(value) -> str:
    return "-" if value is None else f"{Decimal(value):.2f}"


def _budget_label(budget: Budget) -> str:
    return f"{budget.org.name} {budget.year} {budget.get_aid_type_display()}"


def _payments(year: int | None):
    qs = Payment.objects.filter(state=PaymentState.PAID)
    if year is not None:
        qs = qs.filter(item__application__year=year)
    return qs


def check_budgets(year: int | None = None) -> list[Violation]:
    budgets = Budget.objects.select_related("org").order_by("year", "org__path", "aid_type")
    if year is not None:
        budgets = budgets.filter(year=year)
    reserved = dict(
        AidItem.objects.filter(state__in=RESERVED_ITEM_STATES, budget__isnull=False)
        .values("budget")
        .annotate(total=Sum("amount_approved"))
        .values_list("budget", "total")
    )
    paid = dict(
        Payment.objects.filter(state=PaymentState.PAID, item__budget__isnull=False)
        .values("item__budget")
        .annotate(total=Sum("amount"))
        .values_list("item__budget", "total")
    )
    out = []
    for b in budgets:
        label = _budget_label(b)
        if b.paid > b.amount:
            out.append(
                Violation(
                    "budget_overpaid",
                    gettext("Budget %(b)s: paid %(paid)s exceeds the amount %(amount)s.")
                    % {"b": label, "paid": _yuan(b.paid), "amount": _yuan(b.amount)},
                )
            )
        if b.reserved + b.paid > b.amount:
            out.append(
                Violation(
                    "budget_exceeded",
                    gettext(
                        "Budget %(b)s: reserved %(reserved)s + paid %(paid)s exceeds the "
                        "amount %(amount)s."
                    )
                    % {
                        "b": label,
                        "reserved": _yuan(b.reserved),
                        "paid": _yuan(b.paid),
                        "amount": _yuan(b.amount),
                    },
                )
            )
        want_reserved = reserved.get(b.pk) or ZERO
        if b.reserved != want_reserved:
            out.append(
                Violation(
                    "budget_reserved_mismatch",
                    gettext(
                        "Budget %(b)s: reserved is %(actual)s but its approved, unpaid items "
                        "add up to %(expected)s."
                    )
                    % {"b": label, "actual": _yuan(b.reserved), "expected": _yuan(want_reserved)},
                )
            )
        want_paid = paid.get(b.pk) or ZERO
        if b.paid != want_paid:
            out.append(
                Violation(
                    "budget_paid_mismatch",
                    gettext(
                        "Budget %(b)s: paid is %(actual)s but its paid payments add up to "
                        "%(expected)s."
                    )
                    % {"b": label, "actual": _yuan(b.paid), "expected": _yuan(want_paid)},
                )
            )
    return out


def check_payments(year: int | None = None) -> list[Violation]:
    payments = list(
        _payments(year)
        .select_related("item__application")
        .order_by("pk")
        .only(
            "pk",
            "amount",
            "item__state",
            "item__amount_approved",
            "item__application__number",
            "item__application__state",
            "item__application__approved_at",
            "item__application__approved_by",
        )
    )
    audited = set(
        AuditEvent.objects.filter(
            action=PAYMENT_EVENT,
            object_type=Payment._meta.label_lower,
            object_id__in=[str(p.pk) for p in payments],
        ).values_list("object_id", flat=True)
    )
    out = []
    for p in payments:
        item, app = p.item, p.item.application
        ref = {"payment": p.pk, "number": app.number}
        if (
            app.state not in APPROVED_APPLICATION_STATES
            or app.approved_at is None
            or app.approved_by_id is None
        ):
            out.append(
                Violation(
                    "payment_not_approved",
                    gettext(
                        "Payment %(payment)s of application %(number)s: the application was "
                        "not approved."
                    )
                    % ref,
                )
            )
        if item.amount_approved is None or p.amount != item.amount_approved:
            out.append(
                Violation(
                    "payment_amount_mismatch",
                    gettext(
                        "Payment %(payment)s of application %(number)s: %(amount)s paid but "
                        "%(approved)s approved."
                    )
                    % {**ref, "amount": _yuan(p.amount), "approved": _yuan(item.amount_approved)},
                )
            )
        if item.state != ItemState.PAID:
            out.append(
                Violation(
                    "payment_item_not_paid",
                    gettext(
                        "Payment %(payment)s of application %(number)s: the aid item is not "
                        "marked paid."
                    )
                    % ref,
                )
            )
        if str(p.pk) not in audited:
            out.append(
                Violation(
                    "payment_not_audited",
                    gettext("Payment %(payment)s of application %(number)s has no audit event.")
                    % ref,
                )
            )
    return out


def check_duplicates(year: int | None = None) -> list[Violation]:
    out = []
    twice = (
        _payments(year)
        .values("item", "item__application__number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("item")
    )
    for row in twice:
        out.append(
            Violation(
                "item_paid_twice",
                gettext("Aid item %(item)s of application %(number)s is paid %(n)s times.")
                % {"item": row["item"], "number": row["item__application__number"], "n": row["n"]},
            )
        )
    # The same person (by ID blind index, so two records of one person count as one), the
    # same aid, the same year, through different applications. School aid is per child.
    seen: dict[tuple, set[str]] = defaultdict(set)
    rows = _payments(year).values_list(
        "item__application__applicant__id_index",
        "item__application__applicant_id",
        "item__application__year",
        "item__aid_type",
        "item__beneficiary__id_index",
        "item__beneficiary_id",
        "item__application__number",
    )
    for person_ix, person_id, yr, aid, child_ix, child_id, number in rows:
        key = (person_ix or f"person:{person_id}", yr, aid, child_ix or child_id)
        seen[key].add(number)
    for (_, yr, aid, _child), numbers in sorted(seen.items(), key=lambda kv: sorted(kv[1])):
        if len(numbers) > 1:
            out.append(
                Violation(
                    "person_paid_twice",
                    gettext(
                        "One person was paid %(aid)s twice in %(year)s, by applications "
                        "%(numbers)s."
                    )
                    % {
                        "aid": dict(AidItem._meta.get_field("aid_type").choices).get(aid, aid),
                        "year": yr,
                        "numbers": ", ".join(sorted(numbers)),
                    },
                )
            )
    return out


def check_paid_within_approved(year: int | None = None) -> list[Violation]:
    items = AidItem.objects.all()
    if year is not None:
        items = items.filter(application__year=year)
    approved = {
        (r["application__org"], r["application__year"], r["aid_type"]): r
        for r in items.filter(state__in=APPROVED_ITEM_STATES)
        .values("application__org", "application__org__name", "application__year", "aid_type")
        .annotate(total=Sum("amount_approved"))
    }
    paid = (
        _payments(year)
        .values(
            "item__application__org",
            "item__application__org__name",
            "item__application__year",
            "item__aid_type",
        )
        .annotate(total=Sum("amount"))
        .order_by("item__application__org", "item__application__year", "item__aid_type")
    )
    out = []
    for r in paid:
        key = (r["item__application__org"], r["item__application__year"], r["item__aid_type"])
        granted = (approved.get(key) or {}).get("total") or ZERO
        if r["total"] > granted:
            out.append(
                Violation(
                    "paid_over_approved",
                    gettext("%(org)s %(year)s %(aid)s: %(paid)s paid but %(approved)s approved.")
                    % {
                        "org": r["item__application__org__name"],
                        "year": r["item__application__year"],
                        "aid": dict(AidItem._meta.get_field("aid_type").choices).get(
                            r["item__aid_type"], r["item__aid_type"]
                        ),
                        "paid": _yuan(r["total"]),
                        "approved": _yuan(granted),
                    },
                )
            )
    return out


CHECKS = (check_budgets, check_payments, check_duplicates, check_paid_within_approved)


def reconcile(year: int | None = None) -> list[Violation]:
    """Every violation of every check (an empty list when the books are clean)."""
    return [v for check in CHECKS for v in check(year)]


__all__ = [
    "CHECKS",
    "Violation",
    "check_budgets",
    "check_duplicates",
    "check_paid_within_approved",
    "check_payments",
    "reconcile",
]
