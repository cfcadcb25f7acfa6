"""The nightly reconciliation (REL-7): clean books report 0 violations; each kind of corruption
written straight into the tables is named, and the command exits non-zero."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import ItemState, PaymentState
from gonghui.assistance.models import AidItem, Application, Budget, Payment
from gonghui.assistance.reconcile import reconcile
from gonghui.assistance.testing import advance, id_number, make_person, staff_application
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db

LIVING = [{"aid_type": "living", "amount_requested": "1500"}]


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile_assistance", *args, stdout=out)
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def books(tree, staff, funded):
    """Demo-like books: a fully paid case, one paid in part with an item in a bank batch, one
    whose bank transfer failed (approved again), a rejected case and a referral-only case."""
    cases = {}
    p1 = make_person(tree.grassroots, 1)
    cases["closed"] = advance(staff, staff_application(staff, tree.grassroots, p1, n=1), S.CLOSED)
    p2 = make_person(tree.grassroots, 2, name="张伟")
    app = advance(staff, staff_application(staff, tree.grassroots, p2, n=2), S.APPROVED)
    living, medical, education = (
        app.items.get(aid_type=t) for t in ("living", "medical", "education")
    )
    actions.record_payment(actor=staff.finance, item=living, bank_reference="B-1")
    actions.create_batch(actor=staff.finance, org=tree.yubei, items=[medical, education])
    actions.record_payment_failure(actor=staff.finance, item=education, reason="账户已销户")
    cases["approved"] = app
    p3 = make_person(tree.grassroots, 3, name="赵磊")
    app = advance(staff, staff_application(staff, tree.grassroots, p3, n=3), S.VERIFICATION)
    cases["rejected"] = actions.reject_application(
        actor=staff.reviewer, application=app, reason="收入超过标准"
    )
    p4 = make_person(tree.grassroots, 4, name="孙丽")
    app = staff_application(staff, tree.grassroots, p4, n=4, items=[{"aid_type": "employment"}])
    cases["referral"] = advance(staff, app, S.APPROVED)
    return cases


def test_clean_books_have_no_violations(books):
    assert reconcile() == []
    code, out = run()
    assert code == 0
    assert out.strip().endswith("0 violations")
    assert AuditEvent.objects.filter(action="assistance.reconcile").count() == 1


def test_clean_for_a_single_year(books):
    year = books["closed"].year
    assert run("--year", str(year))[0] == 0
    assert run("--year", str(year - 1)) == (0, "0 violations\n")


def test_budget_paid_bumped_is_reported(books, tree):
    Budget.objects.filter(org=tree.yubei, aid_type="living").update(paid=F("paid") + 1)
    code, out = run()
    assert code == 1
    assert "[budget_paid_mismatch]" in out and "渝北区总工会" in out and "Living aid" in out
    assert "1 violations" in out


def test_budget_reserved_drift_is_reported(books, tree):
    Budget.objects.filter(org=tree.yubei, aid_type="medical").update(reserved=0)
    code, out = run()
    assert code == 1 and "[budget_reserved_mismatch]" in out
    assert "reserved is 0.00 but its approved, unpaid items add up to 4000.50" in out


def test_payment_written_outside_the_action_is_reported(books, staff, tree):
    """A paid payment inserted directly: no audit event, the item not marked paid, and the
    budget's paid no longer matches."""
    app = advance(
        staff,
        staff_application(
            staff, tree.grassroots, make_person(tree.grassroots, 5), n=5, items=LIVING
        ),
        S.APPROVED,
    )
    item = app.items.get()
    payment = Payment.objects.create(item=item, amount=item.amount_approved, state="paid")
    code, out = run()
    assert code == 1
    assert f"[payment_not_audited] Payment {payment.pk} of application {app.number}" in out
    assert "[payment_item_not_paid]" in out
    assert "[budget_paid_mismatch]" in out


def test_payment_of_an_unapproved_application_is_reported(books):
    app = books["closed"]
    Application.objects.filter(pk=app.pk).update(state=S.APPROVAL, approved_at=None)
    code, out = run()
    assert code == 1
    assert out.count("[payment_not_approved]") == 3  # living, medical and school aid
    assert app.number in out


def test_amount_differing_from_the_approved_amount_is_reported(books):
    item = books["closed"].items.get(aid_type="medical")
    AidItem.objects.filter(pk=item.pk).update(amount_approved=Decimal("100.00"))
    code, out = run()
    assert code == 1
    assert "[payment_amount_mismatch]" in out and "4000.50 paid but 100.00 approved" in out
    # Other medical aid approved at the union still covers what was paid in aggregate.
    assert "[paid_over_approved]" not in out


def test_paid_beyond_approved_per_union_year_and_aid_is_reported(books):
    AidItem.objects.filter(aid_type="medical").update(amount_approved=Decimal("100.00"))
    code, out = run()
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith("[paid_over_approved]"))
    assert "渝北测试公司工会" in line and "Medical aid" in line
    assert "4000.50 paid but 200.00 approved" in line


def test_person_paid_the_same_aid_twice_in_a_year_is_reported(books, staff, tree):
    """Two applications, both paid living aid; the second is rewritten to the first's
    applicant. The report names both applications, never the ID number."""
    first = books["closed"]
    other = make_person(tree.grassroots, 6, name="周强")
    second = advance(
        staff, staff_application(staff, tree.grassroots, other, n=6, items=LIVING), S.CLOSED
    )
    assert run()[0] == 0
    Application.objects.filter(pk=second.pk).update(applicant=first.applicant)
    code, out = run()
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith("[person_paid_twice]"))
    assert "Living aid" in line and str(first.year) in line
    assert first.number in line and second.number in line
    assert id_number(1) not in out and first.applicant.name not in out


def test_every_violation_kind_is_listed_once_per_problem(books, tree):
    Budget.objects.filter(org=tree.yubei, aid_type="living").update(paid=F("paid") + 1)
    Budget.objects.filter(org=tree.yubei, aid_type="medical").update(reserved=F("reserved") + 2)
    violations = reconcile()
    assert sorted(v.check for v in violations) == [
        "budget_paid_mismatch",
        "budget_reserved_mismatch",
    ]
    code, out = run()
    assert code == 1 and "2 violations" in out
    event = AuditEvent.objects.filter(action="assistance.reconcile").get()
    assert event.details["violations"] == 2


def test_reconcile_ignores_failed_and_pending_payments(books):
    """The failed transfer and the one still at the bank are not money paid."""
    assert Payment.objects.filter(state=PaymentState.FAILED).count() == 1
    assert Payment.objects.filter(state=PaymentState.PENDING).count() == 1
    education = books["approved"].items.get(aid_type="education")
    assert education.state == ItemState.APPROVED
    assert reconcile() == []


def test_same_aid_twice_in_a_year_is_refused_at_approval(tree, staff, funded):
    person = make_person(tree.grassroots, 1)
    first = advance(
        staff, staff_application(staff, tree.grassroots, person, items=LIVING), S.CLOSED
    )
    again = actions.save_application(
        actor=staff.officer, file=first.file, items=LIVING, situation="再次申请"
    )
    again = advance(staff, again, S.APPROVAL)
    with pytest.raises(ActionError) as exc:
        actions.approve(
            actor=staff.approver,
            application=again,
            amounts={i.pk: "1500" for i in again.items.all()},
        )
    assert exc.value.code == "already_granted"
    again.refresh_from_db()
    assert again.state == S.APPROVAL


def test_same_aid_paid_twice_in_a_year_is_flagged(tree, staff, funded):
    """Should a second grant get past approval (data from before the rule, a direct write),
    the nightly check reports it."""
    person = make_person(tree.grassroots, 1)
    first = advance(
        staff, staff_application(staff, tree.grassroots, person, items=LIVING), S.CLOSED
    )
    again = actions.save_application(
        actor=staff.officer, file=first.file, items=LIVING, situation="再次申请"
    )
    again = advance(staff, again, S.APPROVAL)
    # Hide the first grant from the rule for a moment, as old data would.
    AidItem.objects.filter(application=first).update(state=ItemState.REFERRED)
    again = advance(staff, again, S.CLOSED)
    AidItem.objects.filter(application=first).update(state=ItemState.PAID)
    checks = [v.check for v in reconcile()]
    assert checks == ["person_paid_twice"]
