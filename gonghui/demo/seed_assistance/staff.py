"""The assistance staff accounts of 渝北 and the city, and what the seeder returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from gonghui.accounts.models import User
from gonghui.demo.accounts import DemoAccount, _ensure_grant, _ensure_user
from gonghui.orgs.models import Org


@dataclass
class AssistanceStaff:
    officer: User  # yubei_assist
    reviewer: User  # yubei_center
    approver: User  # yubei_approver
    city_approver: User
    finance: User  # yubei_finance
    city_finance: User
    city_officer: User  # city_assist


@dataclass
class AssistanceSeed:
    accounts: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def ensure_staff(*, sysadmin, secadmin, root: Org, yubei: Org) -> tuple[AssistanceStaff, list]:
    plan = [
        (
            "officer",
            "yubei_assist",
            "渝北区帮扶专干",
            "assistance_officer",
            yubei,
            "files cases, first review and home visits for 渝北's grassroots unions",
        ),
        (
            "reviewer",
            "yubei_center",
            "渝北区困难职工帮扶中心",
            "assistance_reviewer",
            yubei,
            "帮扶中心: verification, publicity and objections, annual review",
        ),
        (
            "approver",
            "yubei_approver",
            "渝北区总工会审批人",
            "assistance_approver",
            yubei,
            "approves aid up to 10,000 yuan verified per application; refers larger cases up",
        ),
        (
            "city_approver",
            "city_approver",
            "市总工会帮扶审批人",
            "assistance_approver",
            root,
            "approves aid over 10,000 yuan verified (one referred case waits for you)",
        ),
        (
            "finance",
            "yubei_finance",
            "渝北区总工会财务",
            "finance_officer",
            yubei,
            "budgets, payment batches, bank file, paid/failed",
        ),
        (
            "city_finance",
            "city_finance",
            "市总工会财务",
            "finance_officer",
            root,
            "the city's assistance budgets",
        ),
        (
            "city_officer",
            "city_assist",
            "市总工会帮扶专干",
            "assistance_officer",
            root,
            "city campaigns (两节送温暖) and condolence visits",
        ),
    ]
    users, accounts = {}, []
    for attr, username, display, role, org, note in plan:
        user = _ensure_user(sysadmin, username, display)
        _ensure_grant(secadmin, user, org, role)
        users[attr] = user
        accounts.append(DemoAccount(username, display, role, org.name, note))
    return AssistanceStaff(**users), accounts
