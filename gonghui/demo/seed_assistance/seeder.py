"""The seeder: budgets, the cases, payments, the annual review and the campaigns."""

from __future__ import annotations

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import ItemState, ReviewOutcome
from gonghui.assistance.models import AidItem, Application, HardshipFile
from gonghui.demo.seed_assistance.campaigns import _campaigns
from gonghui.demo.seed_assistance.cases import CASES, LI_NA_CASE
from gonghui.demo.seed_assistance.households import _applicants, _Ids
from gonghui.demo.seed_assistance.review import _drive, _li_na_case, _open_case
from gonghui.demo.seed_assistance.staff import AssistanceSeed, ensure_staff
from gonghui.demo.seed_assistance.timeline import spread_timeline
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.pii.fields import index_for

DEMO_NOTE = "演示数据"
# 渝北 budgets and the city's, in yuan, per money aid type.
YUBEI_BUDGETS = {"living": 300_000, "medical": 500_000, "education": 200_000, "warmth": 150_000}
CITY_BUDGETS = {
    "living": 20_000_000,
    "medical": 30_000_000,
    "education": 15_000_000,
    "warmth": 60_000_000,
}


def seed_assistance(*, sysadmin, secadmin, root: Org, yubei: Org) -> AssistanceSeed:
    """Accounts always; the data once (nothing is added when a 渝北 hardship file exists)."""
    staff, accounts = ensure_staff(sysadmin=sysadmin, secadmin=secadmin, root=root, yubei=yubei)
    result = AssistanceSeed(accounts=accounts)
    if HardshipFile.objects.filter(org__path__startswith=yubei.path).exists():
        return result
    today = timezone.localdate()
    year = today.year
    ids = _Ids()

    budgets = {}
    for aid, amount in YUBEI_BUDGETS.items():
        budgets[aid] = actions.set_budget(
            actor=staff.finance,
            org=yubei,
            year=year,
            aid_type=aid,
            amount=str(amount),
            note=f"{year}年度困难职工帮扶资金（{DEMO_NOTE}）",
        )
    for aid, amount in CITY_BUDGETS.items():
        actions.set_budget(
            actor=staff.city_finance,
            org=root,
            year=year,
            aid_type=aid,
            amount=str(amount),
            note=f"{year}年度市级帮扶资金（{DEMO_NOTE}）",
        )

    li_na = None
    from gonghui.demo.seed_members import DEMO_MEMBER

    candidate = Person.objects.filter(
        id_index=index_for("id_number", DEMO_MEMBER["id_number"])
    ).first()
    if (
        candidate is not None
        and candidate.user_id
        and (m := candidate.current_membership()) is not None
        and m.org.path.startswith(yubei.path)
    ):
        li_na = candidate
    admin = User.objects.filter(username="yubei_admin").first() or staff.officer
    cases = list(CASES) if li_na else [*CASES, LI_NA_CASE]
    people = _applicants(yubei, admin, len(cases), {li_na.pk} if li_na else set())

    apps: dict[str, Application] = {}
    for n, (case, person) in enumerate(zip(cases, people, strict=True)):
        org = person.current_membership().org
        app = _open_case(staff, org, person, case, n, ids, today)
        apps[case["key"]] = _drive(staff, app, case, n, today)
    if li_na is not None:
        apps["li_na"] = _li_na_case(staff, li_na, len(cases), ids, today)

    # Payments: one batch paid in full (those cases complete), one with a failed transfer.
    paid_items = [
        i
        for key, app in apps.items()
        if next((c for c in cases if c["key"] == key), {}).get("batch") == "paid"
        for i in app.items.filter(state=ItemState.APPROVED).order_by("pk")
    ]
    batch = actions.create_batch(actor=staff.finance, org=yubei, items=paid_items)
    actions.export_bank_file(actor=staff.finance, batch=batch, fmt="xlsx")
    for item in AidItem.objects.filter(payments__batch=batch).order_by("pk"):
        actions.record_payment(
            actor=staff.finance, item=item, bank_reference=f"ICBC{year}{item.pk:08d}"
        )
    mixed = list(apps["approved_batch"].items.filter(state=ItemState.APPROVED).order_by("pk"))
    batch2 = actions.create_batch(actor=staff.finance, org=yubei, items=mixed)
    actions.export_bank_file(actor=staff.finance, batch=batch2, fmt="csv")
    actions.record_payment(
        actor=staff.finance, item=mixed[0], bank_reference=f"ICBC{year}{mixed[0].pk:08d}"
    )
    actions.record_payment_failure(
        actor=staff.finance,
        item=mixed[1],
        reason="收款账户已销户，银行退回，请核实新账号后重新支付",
    )

    # 撤档 of a household that recovered.
    for case in cases:
        if case.get("close_file"):
            actions.close_file(
                actor=staff.officer, file=apps[case["key"]].file, reason=case["close_file"]
            )

    # Each case's steps at distinct times in order, agreeing with its dates (timeline.py).
    numbers = {case["key"]: n for n, case in enumerate(cases)}
    numbers.setdefault("li_na", len(cases))
    for key, app in apps.items():
        spread_timeline(app, numbers[key], today)

    # The district's annual review: every filed file listed, ≥ 30 % drawn for spot checks.
    review = actions.start_annual_review(
        actor=staff.reviewer, org=yubei, year=year, seed=f"yubei-{year}-demo"
    )
    entries = list(review.entries.select_related("file").order_by("-spot_check", "pk"))
    if entries:
        actions.decide_review_entry(
            actor=staff.reviewer,
            entry=entries[0],
            outcome=ReviewOutcome.KEEP,
            note="抽查入户核实，困难情况未发生变化，继续在档",
        )
    if len(entries) > 1:
        file = entries[1].file
        actions.decide_review_entry(
            actor=staff.reviewer,
            entry=entries[1],
            outcome=ReviewOutcome.CHANGE_TIER,
            new_tier="deep" if file.tier != "deep" else "relative",
            note="家庭成员病情变化，调整困难类别",
        )

    visits = _campaigns(staff, root, yubei, apps, today)
    result.summary = {
        "files": HardshipFile.objects.filter(org__path__startswith=yubei.path).count(),
        "applications": Application.objects.filter(org__path__startswith=yubei.path).count(),
        "in_publicity": Application.objects.filter(state=S.PUBLICITY).count(),
        "review_entries": len(entries),
        "visits": visits,
    }
    return result
