"""Money and workflow rules: bad input is refused with a clear code and nothing changes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import ItemState, ObjectionDecision, PaymentState
from gonghui.assistance.models import AidItem, Application, Budget, Payment, Step
from gonghui.assistance.testing import advance, make_person, staff_application
from gonghui.platform.testing.factories import grant, staff_with_role
from gonghui.platform.workflow.base import ActionError, OutOfScope

pytestmark = pytest.mark.django_db

LIVING = [{"aid_type": "living", "amount_requested": "3000"}]


def fresh(user):
    return User.objects.get(pk=user.pk)


def snapshot():
    """Row counts and money that a refused action must leave untouched."""
    return (
        Application.objects.count(),
        AidItem.objects.count(),
        Payment.objects.count(),
        Step.objects.count(),
        sorted(Budget.objects.values_list("pk", "reserved", "paid")),
        sorted(Application.objects.values_list("pk", "state")),
        sorted(AidItem.objects.values_list("pk", "state", "amount_approved")),
    )


@pytest.fixture
def person(tree):
    return make_person(tree.grassroots, 1)


@pytest.fixture
def case(tree, staff, funded, person):
    """A case awaiting approval: living 3000, medical 4000.50, school 2000, employment."""
    return advance(staff, staff_application(staff, tree.grassroots, person), S.APPROVAL)


def amounts_for(app, **overrides):
    out = {i.pk: i.amount_requested for i in app.items.all() if i.amount_requested}
    for item in app.items.all():
        if item.aid_type in overrides:
            out[item.pk] = overrides[item.aid_type]
    return out


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, code",
    [
        ("-5", "negative_amount"),
        ("0", "negative_amount"),
        ("abc", "invalid_amount"),
        ("12.345", "invalid_amount"),
        ("NaN", "invalid_amount"),
        ("1e3.5", "invalid_amount"),
        ("2000000", "invalid_amount"),
    ],
)
def test_bad_requested_amount_is_refused_and_nothing_is_created(
    tree, staff, funded, person, value, code
):
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        staff_application(
            staff,
            tree.grassroots,
            person,
            items=[{"aid_type": "living", "amount_requested": value}],
        )
    assert exc.value.code == code
    assert snapshot()[:4] == before[:4]
    assert not Application.objects.exists()


def test_parse_amount_messages():
    with pytest.raises(ActionError, match="at most two decimals"):
        actions.parse_amount("1.001")
    with pytest.raises(ActionError, match="greater than zero"):
        actions.parse_amount("-1")
    with pytest.raises(ActionError, match="not an amount of money"):
        actions.parse_amount("十元")
    assert actions.parse_amount("1,234.5") == Decimal("1234.50")
    assert actions.parse_amount(0.1) == Decimal("0.10")  # never float arithmetic
    assert actions.parse_amount("0", allow_zero=True) == Decimal("0.00")


@pytest.mark.parametrize(
    "value, code",
    [
        ("-1", "negative_amount"),
        ("abc", "invalid_amount"),
        ("100.001", "invalid_amount"),
        ("3000.01", "over_requested"),
        ("", "amount_missing"),
    ],
)
def test_bad_approved_amount_is_refused_and_nothing_changes(case, staff, value, code):
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.approve(
            actor=staff.approver, application=case, amounts=amounts_for(case, living=value)
        )
    assert exc.value.code == code
    assert snapshot() == before
    case.refresh_from_db()
    assert case.state == S.APPROVAL and case.approved_by is None


def test_over_requested_message_names_the_aid_and_request(case, staff):
    with pytest.raises(ActionError) as exc:
        actions.approve(
            actor=staff.approver, application=case, amounts=amounts_for(case, medical="5000")
        )
    assert exc.value.code == "over_requested"
    assert exc.value.messages == ["Medical aid: more than the 4000.50 yuan requested."]


def test_over_budget_approval_is_refused_and_nothing_is_reserved(tree, staff, case):
    actions.set_budget(
        actor=staff.finance, org=tree.yubei, year=case.year, aid_type="medical", amount="4000.49"
    )
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.approve(actor=staff.approver, application=case, amounts=amounts_for(case))
    assert exc.value.code == "over_budget"
    assert "Medical aid has 4000.49 yuan left" in exc.value.messages[0]
    assert snapshot() == before  # the living aid reserved before the refusal is rolled back


def test_no_budget_is_refused(tree, staff, person):
    app = advance(
        staff, staff_application(staff, tree.grassroots, person, items=LIVING), S.APPROVAL
    )
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.approve(actor=staff.approver, application=app, amounts=amounts_for(app))
    assert exc.value.code == "no_budget"
    assert snapshot() == before


def test_nothing_granted_must_be_a_rejection(tree, staff, funded, person):
    app = advance(
        staff, staff_application(staff, tree.grassroots, person, items=LIVING), S.APPROVAL
    )
    with pytest.raises(ActionError) as exc:
        actions.approve(actor=staff.approver, application=app, amounts=amounts_for(app, living="0"))
    assert exc.value.code == "nothing_granted"


def test_budget_cannot_drop_below_what_is_used(tree, staff, case):
    actions.approve(actor=staff.approver, application=case, amounts=amounts_for(case))
    with pytest.raises(ActionError) as exc:
        actions.set_budget(
            actor=staff.finance, org=tree.yubei, year=case.year, aid_type="living", amount="2999"
        )
    assert exc.value.code == "below_used"
    assert Budget.objects.get(org=tree.yubei, aid_type="living").amount == Decimal("100000.00")


# --- states -------------------------------------------------------------------------------


def test_end_publicity_on_a_submitted_case_is_refused(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.SUBMITTED)
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.end_publicity(actor=staff.reviewer, application=app)
    assert exc.value.code == "invalid_transition"
    assert snapshot() == before


def test_approve_during_verification_is_refused(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.approve(actor=staff.approver, application=app, amounts=amounts_for(app))
    assert exc.value.code == "invalid_transition"
    assert "Awaiting verification" in exc.value.messages[0]
    assert snapshot() == before


def test_first_review_twice_is_refused(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.HOME_VISIT)
    with pytest.raises(ActionError) as exc:
        actions.first_review(actor=staff.officer, application=app)
    assert exc.value.code == "invalid_transition"


# --- who may approve and verify -----------------------------------------------------------


def test_approver_outside_scope_gets_404(tree, staff, case):
    jb_approver = staff_with_role(tree.jiangbei, "assistance_approver", username="jb_approver")
    before = snapshot()
    with pytest.raises(OutOfScope):
        actions.approve(actor=jb_approver, application=case, amounts=amounts_for(case))
    assert snapshot() == before


def test_officer_without_the_approver_role_gets_403(staff, case):
    with pytest.raises(PermissionDenied):
        actions.approve(actor=staff.officer, application=case, amounts=amounts_for(case))


def test_submitter_cannot_approve_their_own_case(tree, staff, case):
    """Maker-checker (REL-6): even holding the approver role, who submitted it may not."""
    grant(staff.officer, tree.yubei, "assistance_approver")
    before = snapshot()
    with pytest.raises(PermissionDenied, match="another person must approve"):
        actions.approve(actor=fresh(staff.officer), application=case, amounts=amounts_for(case))
    assert snapshot() == before


def test_first_reviewer_cannot_approve(tree, staff, funded, person):
    reviewer = staff_with_role(tree.grassroots, "assistance_officer", username="first")
    grant(reviewer, tree.yubei, "assistance_approver")
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.SUBMITTED)
    app = actions.first_review(actor=reviewer, application=app, opinion="属实")
    app = advance(staff, app, S.APPROVAL)
    assert app.first_reviewed_by == reviewer and app.submitted_by == staff.officer
    with pytest.raises(PermissionDenied, match="another person must approve"):
        actions.approve(actor=fresh(reviewer), application=app, amounts=amounts_for(app))
    app.refresh_from_db()
    assert app.state == S.APPROVAL


def big_case(tree, staff, person):
    items = [
        {"aid_type": "living", "amount_requested": "6000"},
        {"aid_type": "medical", "amount_requested": "4000.01"},
    ]
    return advance(
        staff, staff_application(staff, tree.grassroots, person, items=items), S.APPROVAL
    )


def test_district_approver_cannot_approve_above_the_district_limit(tree, staff, funded, person):
    app = big_case(tree, staff, person)  # 10,000.01 yuan
    before = snapshot()
    with pytest.raises(
        PermissionDenied, match="10000.01 yuan must be approved by the city federation."
    ):
        actions.approve(actor=staff.approver, application=app, amounts=amounts_for(app))
    assert snapshot() == before
    app = actions.approve(actor=staff.city_approver, application=app, amounts=amounts_for(app))
    assert app.state == S.APPROVED and app.approval_depth == 1


def test_district_approver_cannot_cut_a_case_down_to_her_level(tree, staff, funded, person):
    """ADR 0013: the level follows the verified total, not the amount granted."""
    app = big_case(tree, staff, person)
    before = snapshot()
    with pytest.raises(PermissionDenied, match="must be approved by the city federation"):
        actions.approve(
            actor=staff.approver,
            application=app,
            amounts=amounts_for(app, medical="4000.00"),
            opinion="核减医疗救助",
        )
    assert snapshot() == before


def test_a_case_verified_down_is_approved_at_the_lower_level(tree, staff, funded, person):
    items = [
        {"aid_type": "living", "amount_requested": "6000"},
        {"aid_type": "medical", "amount_requested": "4000.01"},
    ]
    app = advance(
        staff, staff_application(staff, tree.grassroots, person, items=items), S.VERIFICATION
    )
    medical = app.items.get(aid_type="medical")
    app = actions.verify(
        actor=staff.reviewer,
        application=app,
        civil_affairs_result="eligible",
        checked_on=timezone.localdate(),
        tier="relative",
        amounts={medical.pk: "4000.00"},
        cut_reason="医保报销后自付部分为 4000 元",
    )
    app = advance(staff, app, S.APPROVAL)
    assert actions.verified_total(app) == Decimal("10000.00")
    with pytest.raises(ActionError) as exc:  # the request, above what was verified
        actions.approve(actor=staff.approver, application=app, amounts=amounts_for(app))
    assert exc.value.code == "over_verified"
    assert exc.value.messages == ["Medical aid: more than the 4000.00 yuan verified."]
    verified = {i.pk: i.amount_verified for i in app.items.all()}
    app = actions.approve(actor=staff.approver, application=app, amounts=verified)
    assert app.state == S.APPROVED and app.approval_depth == 2
    assert app.items.get(aid_type="medical").amount_approved == Decimal("4000.00")


def test_approval_levels_come_from_settings(tree, staff, funded, person, settings):
    settings.GONGHUI_ASSISTANCE_APPROVAL_LEVELS = [["1000.00", 2], [None, 1]]
    app = advance(
        staff, staff_application(staff, tree.grassroots, person, items=LIVING), S.APPROVAL
    )
    with pytest.raises(PermissionDenied, match="3000.00 yuan must be approved by the city"):
        actions.approve(actor=staff.approver, application=app, amounts=amounts_for(app))
    with pytest.raises(PermissionDenied):  # granting 1000 does not bring it to her level
        actions.approve(
            actor=staff.approver,
            application=app,
            amounts=amounts_for(app, living="1000"),
            opinion="按标准核减",
        )
    app = actions.approve(
        actor=staff.city_approver,
        application=app,
        amounts=amounts_for(app, living="1000"),
        opinion="按标准核减",
    )
    assert app.state == S.APPROVED and app.approval_depth == 1


def test_granting_less_than_verified_needs_the_opinion_as_reason(case, staff):
    with pytest.raises(ActionError) as exc:
        actions.approve(
            actor=staff.approver, application=case, amounts=amounts_for(case, living="2000")
        )
    assert exc.value.code == "cut_reason_required"
    app = actions.approve(
        actor=staff.approver,
        application=case,
        amounts=amounts_for(case, living="2000"),
        opinion="生活救助按本市标准核定",
    )
    assert app.items.get(aid_type="living").amount_approved == Decimal("2000.00")
    assert app.decision_reason == "生活救助按本市标准核定"


def test_the_verifier_cannot_approve(tree, staff, funded, person):
    """Maker-checker (ADR 0013): who verified the case never approves it."""
    grant(staff.reviewer, tree.yubei, "assistance_approver")
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.APPROVAL)
    assert app.verified_by == staff.reviewer
    with pytest.raises(PermissionDenied, match="another person must approve"):
        actions.approve(actor=fresh(staff.reviewer), application=app, amounts=amounts_for(app))


def test_township_reviewer_cannot_verify(tree, staff, funded, person, settings):
    township = staff_with_role(tree.township, "assistance_reviewer", username="township_rev")
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    before = snapshot()
    kwargs = dict(civil_affairs_result="eligible", checked_on=timezone.localdate(), tier="deep")
    with pytest.raises(PermissionDenied, match="district-level or higher"):
        actions.verify(actor=township, application=app, **kwargs)
    assert snapshot() == before
    settings.GONGHUI_ASSISTANCE_VERIFY_DEPTH = 3
    app = actions.verify(actor=fresh(township), application=app, **kwargs)
    assert app.state == S.PUBLICITY


def test_other_district_reviewer_cannot_verify(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    with pytest.raises(OutOfScope):
        actions.verify(
            actor=staff.jb_reviewer,
            application=app,
            civil_affairs_result="eligible",
            checked_on=timezone.localdate(),
            tier="deep",
        )


def test_ineligible_income_check_must_be_a_rejection(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    with pytest.raises(ActionError) as exc:
        actions.verify(
            actor=staff.reviewer,
            application=app,
            civil_affairs_result="ineligible",
            checked_on=None,
        )
    assert exc.value.code == "ineligible"


# --- return and reject --------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  ", "x"])
@pytest.mark.parametrize("how", ["return_application", "reject_application"])
def test_return_and_reject_need_a_reason(tree, staff, funded, person, how, reason):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        getattr(actions, how)(actor=staff.reviewer, application=app, reason=reason)
    assert exc.value.code == "reason_required"
    assert exc.value.messages == ["A reason is required."]
    assert snapshot() == before


def test_return_by_the_wrong_step_is_refused(tree, staff, funded, person):
    """In verification only a verifier may return the case; the grassroots officer may not."""
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    with pytest.raises(PermissionDenied):
        actions.return_application(actor=staff.officer, application=app, reason="补充材料")


def test_returned_case_is_corrected_and_submitted_again(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.HOME_VISIT)
    app = actions.return_application(actor=staff.officer, application=app, reason="缺少病历")
    assert app.state == S.RETURNED and app.decision_reason == "缺少病历"
    app = actions.submit_application(actor=staff.officer, application=app)
    assert app.state == S.SUBMITTED and app.decision_reason == ""


# --- publicity and objections -------------------------------------------------------------


@pytest.fixture
def publicised(tree, staff, funded, person):
    return advance(staff, staff_application(staff, tree.grassroots, person), S.PUBLICITY)


def test_publicity_cannot_end_before_its_end_date(staff, publicised):
    end = publicised.publicity_end
    assert end > publicised.publicity_start
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.end_publicity(actor=staff.reviewer, application=publicised, today=end)
    assert exc.value.code == "publicity_running"
    assert exc.value.messages == [f"Publicity runs until {end.isoformat()}."]
    assert snapshot() == before


def test_publicity_cannot_end_with_an_undecided_objection(staff, publicised):
    actions.record_objection(
        actor=staff.officer, application=publicised, content="他家有两套房", raised_by="邻居"
    )
    after_end = publicised.publicity_end + timedelta(days=1)
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.end_publicity(actor=staff.reviewer, application=publicised, today=after_end)
    assert exc.value.code == "open_objections"
    assert snapshot() == before


def test_upheld_objection_sends_the_case_back_to_verification(staff, publicised):
    objection = actions.record_objection(
        actor=staff.officer, application=publicised, content="他家有两套房"
    )
    actions.decide_objection(
        actor=staff.reviewer, objection=objection, upheld=True, note="核实属实"
    )
    publicised.refresh_from_db()
    objection.refresh_from_db()
    assert objection.decision == ObjectionDecision.UPHELD
    assert publicised.state == S.VERIFICATION
    assert publicised.publicity_start is None and publicised.publicity_end is None
    assert list(publicised.steps.values_list("name", flat=True))[-1] == "objection_upheld"


def test_dismissed_objection_keeps_the_case_in_publicity(staff, publicised):
    objection = actions.record_objection(
        actor=staff.officer, application=publicised, content="他家有两套房"
    )
    actions.decide_objection(
        actor=staff.reviewer, objection=objection, upheld=False, note="经核实无此情况"
    )
    publicised.refresh_from_db()
    assert publicised.state == S.PUBLICITY
    app = actions.end_publicity(
        actor=staff.reviewer,
        application=publicised,
        today=publicised.publicity_end + timedelta(days=1),
    )
    assert app.state == S.APPROVAL


def test_objection_decision_needs_a_note_and_is_made_once(staff, publicised):
    objection = actions.record_objection(
        actor=staff.officer, application=publicised, content="他家有两套房"
    )
    with pytest.raises(ActionError) as exc:
        actions.decide_objection(actor=staff.reviewer, objection=objection, upheld=False, note="")
    assert exc.value.code == "reason_required"
    actions.decide_objection(actor=staff.reviewer, objection=objection, upheld=False, note="不属实")
    with pytest.raises(ActionError) as exc:
        actions.decide_objection(
            actor=staff.reviewer, objection=objection, upheld=True, note="又查"
        )
    assert exc.value.code == "decided"
    publicised.refresh_from_db()
    assert publicised.state == S.PUBLICITY


def test_objection_outside_publicity_is_refused(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.VERIFICATION)
    with pytest.raises(ActionError) as exc:
        actions.record_objection(actor=staff.officer, application=app, content="异议内容")
    assert exc.value.code == "not_in_publicity"


# --- payments -----------------------------------------------------------------------------


@pytest.fixture
def approved(tree, staff, funded, person):
    app = advance(
        staff, staff_application(staff, tree.grassroots, person, items=LIVING), S.APPROVED
    )
    return app, app.items.get()


def test_duplicate_payment_is_refused(staff, approved):
    app, item = approved
    actions.record_payment(actor=staff.finance, item=item, bank_reference="B1")
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.record_payment(actor=staff.finance, item=item, bank_reference="B2")
    assert exc.value.code == "already_paid"
    assert exc.value.messages == ["This item has already been paid."]
    assert snapshot() == before
    assert Budget.objects.get(pk=item.budget_id).paid == Decimal("3000.00")


def test_payment_needs_the_bank_reference(staff, approved):
    _, item = approved
    before = snapshot()
    with pytest.raises(ActionError) as exc:
        actions.record_payment(actor=staff.finance, item=item, bank_reference="  ")
    assert exc.value.code == "reference"
    assert snapshot() == before


def test_unapproved_item_cannot_be_paid(tree, staff, funded, person):
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.APPROVAL)
    item = app.items.get(aid_type="living")
    with pytest.raises(ActionError) as exc:
        actions.record_payment(actor=staff.finance, item=item, bank_reference="B1")
    assert exc.value.code == "not_payable"
    assert not Payment.objects.exists()


def test_finance_outside_scope_cannot_pay(tree, staff, approved):
    _, item = approved
    jb_finance = staff_with_role(tree.jiangbei, "finance_officer", username="jb_finance")
    with pytest.raises(OutOfScope):
        actions.record_payment(actor=jb_finance, item=item, bank_reference="B1")
    assert not Payment.objects.exists()


def test_failed_payment_returns_the_item_to_approved_and_it_can_be_paid_later(
    tree, staff, approved
):
    app, item = approved
    budget = Budget.objects.get(pk=item.budget_id)
    assert budget.reserved == Decimal("3000.00")
    batch = actions.create_batch(actor=staff.finance, org=tree.yubei, items=[item])
    item.refresh_from_db()
    assert item.state == ItemState.IN_BATCH
    with pytest.raises(ActionError) as exc:
        actions.record_payment_failure(actor=staff.finance, item=item, reason="")
    assert exc.value.code == "reason_required"
    failed = actions.record_payment_failure(actor=staff.finance, item=item, reason="账户已冻结")
    assert failed.state == PaymentState.FAILED and failed.batch == batch
    item.refresh_from_db()
    assert item.state == ItemState.APPROVED
    budget.refresh_from_db()
    assert (budget.reserved, budget.paid) == (Decimal("3000.00"), 0)
    app.refresh_from_db()
    assert app.state == S.APPROVED
    # A second failure of the same item is refused: nothing is at the bank.
    with pytest.raises(ActionError) as exc:
        actions.record_payment_failure(actor=staff.finance, item=item, reason="again")
    assert exc.value.code == "not_pending"
    # Paid later (a new batch, then the bank's confirmation).
    actions.create_batch(actor=staff.finance, org=tree.yubei, items=[item])
    item.refresh_from_db()
    paid = actions.record_payment(actor=staff.finance, item=item, bank_reference="B-RETRY")
    assert paid.state == PaymentState.PAID and paid.pk != failed.pk
    budget.refresh_from_db()
    assert (budget.reserved, budget.paid) == (0, Decimal("3000.00"))
    assert sorted(item.payments.values_list("state", flat=True)) == ["failed", "paid"]
    app.refresh_from_db()
    assert app.state == S.CLOSED


def test_an_item_in_a_batch_cannot_go_into_a_second_batch(tree, staff, approved):
    _, item = approved
    actions.create_batch(actor=staff.finance, org=tree.yubei, items=[item])
    item.refresh_from_db()
    with pytest.raises(ActionError) as exc:
        actions.create_batch(actor=staff.finance, org=tree.yubei, items=[item])
    assert exc.value.code == "not_payable"
    assert Payment.objects.count() == 1


def test_a_federation_budget_may_exceed_the_largest_single_grant(tree, staff):
    budget = actions.set_budget(
        actor=staff.city_finance, org=tree.city, year=2026, aid_type="warmth", amount="60000000"
    )
    assert budget.amount == Decimal("60000000.00")
    with pytest.raises(ActionError) as err:
        actions.parse_amount("1000000.01")
    assert err.value.code == "invalid_amount"


def test_a_malformed_child_reference_is_a_clear_refusal(tree, staff, funded):
    person = make_person(tree.grassroots, 7)
    application = staff_application(staff, tree.grassroots, person)
    with pytest.raises(ActionError) as err:
        actions.save_application(
            actor=staff.officer,
            file=application.file,
            application=application,
            items=[{"aid_type": "education", "amount_requested": "100", "beneficiary": "x"}],
        )
    assert err.value.code == "beneficiary"
