"""Test set-up for mediation: factories for the case and its rows, the agencies and the
staff of the ``tree`` fixture (written directly: set-up, not user actions)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from gonghui.platform.testing.factories import root_org, staff_with_role
from gonghui.rights.mediation.choices import CaseState, Direction, ReferralKind, Source
from gonghui.rights.mediation.models import (
    Applicant,
    CaseStep,
    Claim,
    MediationCase,
    Referral,
    Session,
)
from gonghui.rights.testing import PartnerAgencyFactory

_n = itertools.count(1)


class MediationCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediationCase
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"TJ-T-{n:05d}")
    source = Source.STAFF
    org = factory.LazyFunction(root_org)
    employer_name = "渝北某物流公司"
    facts = "公司拖欠三个月工资共一万二千元"
    state = CaseState.APPLIED
    applied_at = factory.LazyFunction(timezone.now)


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    case = factory.SubFactory(MediationCaseFactory)
    name = "王芳"
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    case = factory.SubFactory(MediationCaseFactory)
    item = "拖欠工资"
    amount = Decimal("12000.00")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    case = factory.SubFactory(MediationCaseFactory)
    held_on = factory.LazyFunction(timezone.localdate)
    place = "渝北区总工会调解室"
    note = "双方陈述意见"


class CaseStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseStep

    case = factory.SubFactory(MediationCaseFactory)
    name = "apply"
    to_state = CaseState.APPLIED
    org_name = "重庆市总工会"
    at = factory.LazyFunction(timezone.now)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    case = factory.SubFactory(MediationCaseFactory)
    agency = factory.SubFactory(PartnerAgencyFactory)
    direction = Direction.IN
    kind = ReferralKind.ENTRUSTED_PRE
    referred_on = date(2026, 11, 2)


def applicant(name="王芳", phone=None, id_number=""):
    return {"name": name, "phone": phone or f"139{next(_n):08d}", "id_number": id_number}


def claim(item="拖欠工资", amount="12000.00"):
    return {"item": item, "amount": amount}


class Staff:
    """Rights officers at 渝北 (the district's mediation centre), 回兴街道 and 江北."""

    def __init__(self, tree):
        self.yubei = staff_with_role(tree.yubei, "rights_officer", username="yb_mediator")
        self.township = staff_with_role(tree.township, "rights_officer", username="hx_mediator")
        self.jiangbei = staff_with_role(tree.jiangbei, "rights_officer", username="jb_mediator")
        self.viewer = staff_with_role(tree.yubei, "viewer", username="yb_viewer")


# Every mediation model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (
    MediationCaseFactory,
    ApplicantFactory,
    ClaimFactory,
    SessionFactory,
    CaseStepFactory,
    ReferralFactory,
)
