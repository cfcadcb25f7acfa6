"""The partner scope of mediation: a partner account reads a case iff it was referred to or
from its agency; a union's staff read exactly what their grants give them, referrals or not."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.utils import timezone

from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import staff_with_role
from gonghui.rights import partner_actions
from gonghui.rights.choices import PartnerKind
from gonghui.rights.mediation.choices import Direction, ReferralKind, Source
from gonghui.rights.mediation.models import CaseStep, Claim, MediationCase, Referral
from gonghui.rights.models import PartnerAgency

_n = itertools.count(1)
PASSWORD = "Partner#2026-test"  # noqa: S105 - a test account's password


def make_agency(org, name=None, kind=PartnerKind.COURT) -> PartnerAgency:
    """An agency on ``org``'s list (written directly: test set-up, not the action)."""
    return PartnerAgency.objects.create(org=org, name=name or f"测试机构{next(_n)}", kind=kind)


def make_case(org, facts="公司拖欠工资") -> MediationCase:
    n = next(_n)
    return MediationCase.objects.create(
        number=f"T-TJ-{n:05d}",
        source=Source.STAFF,
        org=org,
        employer_name="某物流公司",
        facts=facts,
        applied_at=timezone.now(),
    )


def refer(case, agency, direction=Direction.IN) -> Referral:
    return Referral.objects.create(
        case=case,
        agency=agency,
        direction=direction,
        kind=ReferralKind.ENTRUSTED_PRE if direction == Direction.IN else ReferralKind.OTHER,
        referred_on=date(2026, 11, 2),
    )


def partner_account(officer, agency, username=None):
    """A partner account made as the console makes it (the audited action)."""
    n = next(_n)
    agent = partner_actions.create_partner_account(
        actor=officer,
        agency=agency,
        username=username or f"partner{n}",
        display_name=f"法院联络员{n}",
        phone=f"1390000{n:04d}",
        password=PASSWORD,
    )
    return agent.user


def fresh(user):
    """The user as the next request loads it (nothing cached on the object)."""
    return type(user).objects.get(pk=user.pk)


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def officer(tree):
    return staff_with_role(tree.yubei, "rights_officer", username="yb_rights")


def test_a_partner_reads_the_cases_referred_to_or_from_its_agency_and_no_other(tree, officer):
    court = make_agency(tree.yubei, "渝北区人民法院")
    bureau = make_agency(tree.yubei, "渝北区司法局", PartnerKind.JUSTICE)
    referred_in = make_case(tree.grassroots)
    refer(referred_in, court)
    referred_out = make_case(tree.yubei)
    refer(referred_out, court, Direction.OUT)
    elsewhere = make_case(tree.grassroots)
    refer(elsewhere, bureau)
    unreferred = make_case(tree.grassroots)
    partner = partner_account(officer, court)

    assert ids(restrict(MediationCase, partner)) == {referred_in.pk, referred_out.pk}
    assert unreferred.pk not in ids(restrict(MediationCase, partner))
    # Reading is all a partner does here.
    assert ids(restrict(MediationCase, partner, "change")) == set()


def test_a_case_referred_twice_to_the_agency_is_one_row(tree, officer):
    court = make_agency(tree.yubei)
    case = make_case(tree.grassroots)
    refer(case, court)
    refer(case, court, Direction.OUT)
    partner = partner_account(officer, court)
    assert list(restrict(MediationCase, partner).values_list("pk", flat=True)) == [case.pk]


def test_a_partner_never_sees_a_case_kept_at_the_city_it_is_granted_at(tree, officer):
    """The account's grant sits at the city; the tree must give it nothing."""
    court = make_agency(tree.yubei)
    at_city = make_case(tree.city)
    partner = partner_account(officer, court)
    assert at_city.pk not in ids(restrict(MediationCase, partner))


def test_the_case_rows_follow_the_case_and_only_its_own_referrals_show(tree, officer):
    court = make_agency(tree.yubei)
    bureau = make_agency(tree.yubei, kind=PartnerKind.JUSTICE)
    case = make_case(tree.grassroots)
    own = refer(case, court)
    other = refer(case, bureau, Direction.OUT)
    claim = Claim.objects.create(case=case, **_claim_fields())
    hidden_case = make_case(tree.grassroots)
    hidden_claim = Claim.objects.create(case=hidden_case, **_claim_fields())
    partner = partner_account(officer, court)

    assert ids(restrict(Claim, partner)) == {claim.pk}
    assert hidden_claim.pk not in ids(restrict(Claim, partner))
    assert ids(restrict(Referral, partner)) == {own.pk}
    assert other.pk not in ids(restrict(Referral, partner))
    assert ids(restrict(CaseStep, partner)) == set()


def _claim_fields() -> dict:
    from decimal import Decimal

    return {"item": "拖欠工资", "amount": Decimal("12000.00")}


def test_staff_scope_is_not_widened_by_referrals(tree, officer):
    """江北's staff never read a 渝北 case, even one referred by an agency 江北 keeps."""
    jiangbei_court = make_agency(tree.jiangbei, "江北区人民法院")
    case = make_case(tree.grassroots)
    refer(case, jiangbei_court)
    jiangbei_admin = staff_with_role(tree.jiangbei, "org_admin", username="jb_admin2")
    jiangbei_rights = staff_with_role(tree.jiangbei, "rights_officer", username="jb_rights2")
    for user in (jiangbei_admin, jiangbei_rights):
        assert case.pk not in ids(restrict(MediationCase, user))
        assert ids(restrict(Referral, user)) == set()
    assert case.pk in ids(restrict(MediationCase, officer))


def test_an_agency_out_of_use_or_a_deactivated_account_reads_nothing(tree, officer):
    court = make_agency(tree.yubei)
    case = make_case(tree.grassroots)
    refer(case, court)
    partner = partner_account(officer, court)
    colleague = partner_account(officer, court)
    assert ids(restrict(MediationCase, colleague)) == {case.pk}

    partner_actions.deactivate_partner_account(actor=officer, agent=partner.partner_agent)
    assert ids(restrict(MediationCase, fresh(partner))) == set()
    assert ids(restrict(MediationCase, fresh(colleague))) == {case.pk}

    partner_actions.set_agency_active(actor=officer, agency=court, active=False)
    assert ids(restrict(MediationCase, fresh(colleague))) == set()
    assert AuditEvent.objects.filter(action="rights.set_partner_agency_active").count() == 1


def test_a_partner_whose_grant_ended_reads_nothing(tree, officer):
    from gonghui.platform.access.models import RoleGrant

    court = make_agency(tree.yubei)
    case = make_case(tree.grassroots)
    refer(case, court)
    partner = partner_account(officer, court)
    assert ids(restrict(MediationCase, fresh(partner))) == {case.pk}
    RoleGrant.objects.filter(user=partner).update(valid_to=timezone.now())
    assert ids(restrict(MediationCase, fresh(partner))) == set()
