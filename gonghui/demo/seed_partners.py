"""Partner agencies for the demo (issue #15): the court, procuratorate, arbitration commission,
justice bureau and a contracted law firm that 渝北区总工会 works with, and the logins of a court
clerk (``court_partner``) and a law-firm lawyer (``lawfirm_partner``), made through the same
action as the console's 合作机构 page. Idempotent: agencies are found by name (the mediation
seeder may have made some), accounts by username."""

from __future__ import annotations

from gonghui.accounts.models import User
from gonghui.demo.accounts import DEMO_PASSWORD, DemoAccount
from gonghui.rights import partner_actions
from gonghui.rights.choices import PartnerKind
from gonghui.rights.models import PartnerAgency

AGENCIES = [
    ("重庆市渝北区人民法院", PartnerKind.COURT, "重庆市渝北区双龙大道"),
    ("重庆市渝北区人民检察院", PartnerKind.PROCURATORATE, "重庆市渝北区龙塔街道"),
    ("重庆市渝北区劳动人事争议仲裁委员会", PartnerKind.ARBITRATION, "重庆市渝北区人和街道"),
    ("重庆市渝北区司法局", PartnerKind.JUSTICE, "重庆市渝北区双凤桥街道"),
    ("重庆渝工律师事务所", PartnerKind.LAW_FIRM, "重庆市渝北区金开大道"),
]
# (username, display name, phone, agency)
LOGINS = [
    ("court_partner", "渝北区人民法院立案庭联络员", "13983100101", "重庆市渝北区人民法院"),
    ("lawfirm_partner", "渝工律师事务所律师", "13983100102", "重庆渝工律师事务所"),
]


def seed_partners(*, officer, yubei) -> list[DemoAccount]:
    """The agencies kept by ``yubei`` and the two partner logins, made by ``officer`` (a union
    administrator or rights officer of 渝北). Returns the accounts ``load_demo`` prints."""
    agencies = {}
    for name, kind, address in AGENCIES:
        agency = PartnerAgency.objects.filter(name=name).first()
        if agency is None:
            agency = partner_actions.add_agency(
                actor=officer, org=yubei, name=name, kind=kind, address=address
            )
        agencies[name] = agency
    accounts = []
    for username, display_name, phone, agency_name in LOGINS:
        if not User.objects.filter(username=username).exists():
            partner_actions.create_partner_account(
                actor=officer,
                agency=agencies[agency_name],
                username=username,
                display_name=display_name,
                phone=phone,
                password=DEMO_PASSWORD,
            )
        accounts.append(DemoAccount(username, display_name, "partner_agent", agency_name))
    return accounts
