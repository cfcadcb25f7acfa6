"""Test set-up for legal aid: factories, the staff of a small tree and two law firms with a
lawyer's partner account each (not user actions)."""

from __future__ import annotations

import factory
from django.utils import timezone

from gonghui.platform.testing.factories import root_org, staff_with_role
from gonghui.rights.choices import PartnerKind
from gonghui.rights.legalaid.choices import AidChannel, AidState, CaseType, DocumentKind
from gonghui.rights.legalaid.models import AidApplication, AidDocument, AidStep
from gonghui.rights.models import PartnerAgency, PartnerAgent

# The smallest valid files of each kind (their first bytes are what is checked).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class AidApplicationFactory(factory.django.DjangoModelFactory):
    """An application as received, written directly; ``org`` defaults to the city."""

    class Meta:
        model = AidApplication
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"FY-T-{n:05d}")
    channel = AidChannel.STAFF
    org = factory.LazyFunction(root_org)
    applicant_name = "刘芳"
    applicant_phone = factory.Sequence(lambda n: f"136{n:08d}")
    case_type = CaseType.WAGES
    facts = "物流公司拖欠三个月工资共一万五千元"
    claims = "要求支付拖欠工资和经济补偿"
    employer_name = "渝北某物流公司"
    state = AidState.SUBMITTED
    applied_at = factory.LazyFunction(timezone.now)
    complete_at = factory.LazyAttribute(lambda o: o.applied_at)


class AidStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidStep

    application = factory.SubFactory(AidApplicationFactory)
    name = "apply"
    to_state = AidState.SUBMITTED
    org_name = "重庆市总工会"
    at = factory.LazyFunction(timezone.now)


class AidDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidDocument

    application = factory.SubFactory(AidApplicationFactory)
    kind = DocumentKind.EVIDENCE
    content = factory.django.FileField(filename="evidence.pdf", data=PDF)
    original_name = "evidence.pdf"
    content_type = "application/pdf"
    size = len(PDF)
    sha256 = "0" * 64
    uploaded_by = factory.LazyFunction(lambda: staff_with_role(root_org(), "rights_officer"))


def law_firm(org, name="重庆渝工律师事务所", kind=PartnerKind.LAW_FIRM) -> PartnerAgency:
    return PartnerAgency.objects.create(name=name, kind=kind, org=org)


def lawyer_of(agency, username) -> object:
    """A partner account of ``agency`` (its grant at the city, as the partners slice makes)."""
    user = staff_with_role(
        root_org(), "partner_agent", include_descendants=False, username=username, kind="partner"
    )
    PartnerAgent.objects.create(user=user, agency=agency)
    return user


class Staff:
    """The legal-aid staff of the ``tree`` fixture: rights officers at 渝北, 回兴街道 and 江北,
    an assistance officer at 渝北, two law firms kept by 渝北 with a lawyer each, and a court."""

    def __init__(self, tree):
        self.yubei = staff_with_role(tree.yubei, "rights_officer", username="la_yubei")
        self.township = staff_with_role(tree.township, "rights_officer", username="la_hx")
        self.jiangbei = staff_with_role(tree.jiangbei, "rights_officer", username="la_jb")
        self.assistance = staff_with_role(tree.yubei, "assistance_officer", username="la_aid")
        self.firm = law_firm(tree.yubei)
        self.other_firm = law_firm(tree.yubei, name="重庆某某律师事务所")
        self.court = law_firm(tree.yubei, name="重庆市渝北区人民法院", kind=PartnerKind.COURT)
        self.lawyer = lawyer_of(self.firm, "la_lawyer")
        self.other_lawyer = lawyer_of(self.other_firm, "la_other_lawyer")


# Every legal-aid model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (AidApplicationFactory, AidStepFactory, AidDocumentFactory)
