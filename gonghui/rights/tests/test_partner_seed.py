"""The demo's partner agencies and logins (gonghui/demo/seed_partners.py)."""

from __future__ import annotations

from django.contrib.auth import authenticate

from gonghui.demo.accounts import DEMO_PASSWORD
from gonghui.demo.seed_partners import seed_partners
from gonghui.platform.access.scoping import restrict
from gonghui.platform.testing.factories import staff_with_role
from gonghui.rights.mediation.models import MediationCase
from gonghui.rights.models import PartnerAgency
from gonghui.rights.tests.test_partner_scope import make_agency, make_case, refer


def test_the_demo_has_five_agencies_of_yubei_and_two_partner_logins(tree):
    admin = staff_with_role(tree.yubei, "org_admin", username="yb_demo_admin")
    # The mediation seeder may already have put the court on the list.
    court = make_agency(tree.yubei, "重庆市渝北区人民法院")
    accounts = seed_partners(officer=admin, yubei=tree.yubei)
    again = seed_partners(officer=admin, yubei=tree.yubei)

    assert PartnerAgency.objects.filter(org=tree.yubei).count() == 5
    assert (
        [a.username for a in accounts]
        == ["court_partner", "lawfirm_partner"]
        == [a.username for a in again]
    )
    clerk = authenticate(username="court_partner", password=DEMO_PASSWORD)
    lawyer = authenticate(username="lawfirm_partner", password=DEMO_PASSWORD)
    assert clerk.partner_agent.agency == court
    assert lawyer.partner_agent.agency.name == "重庆渝工律师事务所"
    assert clerk.kind == lawyer.kind == "partner"

    referred = make_case(tree.grassroots)
    refer(referred, court)
    make_case(tree.grassroots)
    assert list(restrict(MediationCase, clerk).values_list("pk", flat=True)) == [referred.pk]
    assert not restrict(MediationCase, lawyer).exists()
