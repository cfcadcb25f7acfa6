"""Builders for hardship-assistance tests and the demo: people, staff per step, a case driven
to any state through the real actions."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import FileState
from gonghui.assistance.models import (
    AidItem,
    AnnualReview,
    Application,
    Attachment,
    Budget,
    Campaign,
    HardshipFile,
    HouseholdClaim,
    HouseholdMember,
    Objection,
    Payment,
    PaymentBatch,
    ReviewEntry,
    Step,
    Visit,
)
from gonghui.members.models import Person
from gonghui.members.testing import MembershipFactory, PersonFactory
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.pii.fields import index_for
from gonghui.platform.testing.factories import (
    MemberFactory,
    UserFactory,
    birth_date_of,
    id_number_for,
    make_org,
    staff_with_role,
)
from gonghui.platform.validators.idcard import id_check_char

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def id_number(n: int, region: str = "500112", birth: str = "19850101") -> str:
    body = f"{region}{birth}{n % 1000:03d}"
    return body + id_check_char(body)


def child_id(n: int) -> str:
    return id_number(n, birth="20120601")


def png(name: str = "authorisation.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def make_person(
    org, n: int = 1, *, name: str = "王芳", phone: str | None = None, account: bool = False
) -> Person:
    """A current member of ``org`` (written directly: test set-up, not a user action)."""
    number = id_number(n)
    phone = phone or f"137{n:08d}"
    user = MemberFactory(phone=phone) if account else None
    person = PersonFactory(
        name=name,
        id_number=number,
        phone=phone,
        org=org,
        user=user,
        gender="F",
        birth_date=timezone.localdate().replace(year=1985),
    )
    MembershipFactory(person=person, org=org, card=False)
    assert person.id_index == index_for("id_number", number)
    return person


FILE_DATA = {
    "main_cause": "illness",
    "secondary_causes": ["education"],
    "tier": "",
    "employer_position": "渝北测试公司 装配工",
    "personal_monthly_income": "1800.00",
    "housing": "rented",
    "housing_area": "45",
    "household_size": 3,
    "household_monthly_income": "2600.00",
    "household_annual_income": "31200.00",
    "health": "本人患慢性肾病，需长期透析",
    "bank_name": "中国工商银行重庆渝北支行",
    "bank_account": "6222020200112233445",
}


def household(n: int = 1) -> list[dict]:
    return [
        {
            "name": "李强",
            "relation": "spouse",
            "id_number": id_number(500 + n, birth="19830305"),
            "monthly_income": "800",
            "health": "健康",
            "school_or_employer": "待业",
        },
        {
            "name": "李小明",
            "relation": "child",
            "id_number": child_id(700 + n),
            "health": "健康",
            "school_or_employer": "渝北区实验小学",
        },
    ]


class Staff:
    """Who acts at each step, for a case filed at ``grassroots`` under ``district``."""

    def __init__(self, tree):
        self.officer = staff_with_role(tree.grassroots, "assistance_officer", username="officer")
        self.reviewer = staff_with_role(tree.yubei, "assistance_reviewer", username="reviewer")
        self.approver = staff_with_role(tree.yubei, "assistance_approver", username="approver")
        self.city_approver = staff_with_role(
            tree.city, "assistance_approver", username="city_approver"
        )
        self.finance = staff_with_role(tree.yubei, "finance_officer", username="finance")
        self.city_finance = staff_with_role(tree.city, "finance_officer", username="city_finance")
        self.jb_reviewer = staff_with_role(
            tree.jiangbei, "assistance_reviewer", username="jb_reviewer"
        )


def budgets(org, actor, amount="100000.00", year=None):
    year = year or timezone.localdate().year
    return {
        t: actions.set_budget(actor=actor, org=org, year=year, aid_type=t, amount=amount)
        for t in ("living", "medical", "education", "warmth")
    }


def staff_application(staff: Staff, org, person, *, items=None, n: int = 1):
    file = actions.save_file(
        actor=staff.officer, org=org, applicant=person, data=FILE_DATA, household=household(n)
    )
    child = file.household.get(relation="child")
    items = items or [
        {"aid_type": "living", "amount_requested": "3000"},
        {"aid_type": "medical", "amount_requested": "4000.50"},
        {
            "aid_type": "education",
            "amount_requested": "2000",
            "beneficiary": child.pk,
            "school": "渝北区实验小学",
        },
        {"aid_type": "employment"},
    ]
    return actions.save_application(
        actor=staff.officer, file=file, items=items, situation="丈夫失业，本人患病，孩子上小学。"
    )


ORDER = [S.SUBMITTED, S.HOME_VISIT, S.VERIFICATION, S.PUBLICITY, S.APPROVAL, S.APPROVED, S.CLOSED]


def advance(staff: Staff, application, to: str, *, approver=None, amounts=None):
    """Drive ``application`` through the real actions until it reaches state ``to``."""
    target = ORDER.index(to)
    while ORDER.index(application.state) < target if application.state in ORDER else True:
        state = application.state
        if state in (S.DRAFT, S.RETURNED):
            application = actions.submit_application(actor=staff.officer, application=application)
        elif state == S.SUBMITTED:
            application = actions.first_review(
                actor=staff.officer, application=application, opinion="情况属实"
            )
        elif state == S.HOME_VISIT:
            application = actions.record_home_visit(
                actor=staff.officer,
                application=application,
                visit_date=timezone.localdate(),
                visitors="张主席、刘干事",
                findings="家中确有困难，租住45平米。",
                authorisation=png(),
            )
        elif state == S.VERIFICATION:
            application = actions.verify(
                actor=staff.reviewer,
                application=application,
                civil_affairs_result="eligible",
                checked_on=timezone.localdate(),
                tier="relative",
                level="city",
                opinion="核实无误",
            )
        elif state == S.PUBLICITY:
            application = actions.end_publicity(
                actor=staff.reviewer,
                application=application,
                today=application.publicity_end + timedelta(days=1),
            )
        elif state == S.APPROVAL:
            if amounts is None:
                amounts = {
                    i.pk: i.amount_requested for i in application.items.all() if i.amount_requested
                }
            application = actions.approve(
                actor=approver or staff.approver,
                application=application,
                amounts=amounts,
                opinion="同意",
            )
        elif state == S.APPROVED:
            for item in application.items.filter(state="approved"):
                actions.record_payment(
                    actor=staff.finance, item=item, bank_reference=f"BANK{item.pk}"
                )
            application.refresh_from_db()
        else:
            raise AssertionError(f"cannot advance from {state}")
    return application


# --- factories ------------------------------------------------------------------------------
#
# Rows written directly (test set-up). A case driven through its review path is built with
# ``staff_application`` and ``advance`` above; these build one row in a given state.


def _district():
    return make_org(kind="district_federation")


class HardshipFileFactory(factory.django.DjangoModelFactory):
    """A filed household file of a new member of ``org`` (a grassroots union)."""

    class Meta:
        model = HardshipFile

    org = factory.LazyFunction(make_grassroots)
    applicant = factory.SubFactory(PersonFactory, org=factory.SelfAttribute("..org"))
    number = factory.Sequence(lambda n: f"KNT{n:010d}")
    state = FileState.FILED
    tier = "relative"
    main_cause = "illness"
    secondary_causes = factory.LazyFunction(lambda: ["education"])
    employer_position = "测试公司 装配工"
    personal_monthly_income = Decimal("1800.00")
    housing = "rented"
    household_size = 3
    household_monthly_income = Decimal("2600.00")
    health = "慢性病，需长期服药"
    bank_name = "中国工商银行重庆渝北支行"
    bank_account = FILE_DATA["bank_account"]
    filed_at = factory.LazyFunction(timezone.now)
    next_review_due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    created_by = factory.SubFactory(UserFactory)


class HouseholdMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    file = factory.SubFactory(HardshipFileFactory)
    name = "李强"
    relation = "spouse"
    id_number = factory.Sequence(lambda n: id_number_for(700_000 + n))
    birth_date = factory.LazyAttribute(lambda o: birth_date_of(o.id_number))
    monthly_income = "800"
    health = "健康"
    school_or_employer = "待业"


class HouseholdClaimFactory(factory.django.DjangoModelFactory):
    """The open file's claim on its applicant's ID (``save_file`` writes one per person)."""

    class Meta:
        model = HouseholdClaim

    file = factory.SubFactory(HardshipFileFactory)
    id_index = factory.LazyAttribute(lambda o: index_for("id_number", o.file.applicant.id_number))


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A PNG in private storage (sealed by the default storage, as uploads are)."""

    class Meta:
        model = Attachment

    file = factory.SubFactory(HardshipFileFactory)
    application = None
    kind = "id_copy"
    content = factory.django.FileField(filename="upload.png", data=PNG)
    original_name = "身份证.png"
    content_type = "image/png"
    size = len(PNG)
    sha256 = hashlib.sha256(PNG).hexdigest()
    uploaded_by = factory.SubFactory(UserFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted application (awaiting first review) on a new file at ``org``."""

    class Meta:
        model = Application

    org = factory.LazyFunction(make_grassroots)
    file = factory.SubFactory(HardshipFileFactory, org=factory.SelfAttribute("..org"))
    applicant = factory.SelfAttribute("file.applicant")
    number = factory.Sequence(lambda n: f"BFT{n:010d}")
    state = S.SUBMITTED
    channel = "staff"
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    situation = "本人患病，孩子上小学。"
    created_by = factory.SubFactory(UserFactory)
    submitted_by = factory.SelfAttribute("created_by")
    submitted_at = factory.LazyFunction(timezone.now)


class AidItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidItem

    application = factory.SubFactory(ApplicationFactory)
    aid_type = "living"
    amount_requested = Decimal("3000.00")
    state = "requested"


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    application = factory.SubFactory(ApplicationFactory)
    name = "submit"
    from_state = S.DRAFT
    to_state = S.SUBMITTED
    actor = factory.SubFactory(UserFactory)
    actor_name = factory.LazyAttribute(lambda o: str(o.actor))
    org_name = factory.SelfAttribute("application.org.name")
    opinion = "情况属实"


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objection

    application = factory.SubFactory(ApplicationFactory, state=S.PUBLICITY)
    received_on = factory.LazyFunction(timezone.localdate)
    content = "申请人家中有车"
    raised_by = "同事"
    recorded_by = factory.SubFactory(UserFactory)


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget

    org = factory.LazyFunction(_district)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    aid_type = "living"
    amount = Decimal("100000.00")


class PaymentBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentBatch

    number = factory.Sequence(lambda n: f"ZFT{n:010d}")
    org = factory.LazyFunction(_district)
    state = "open"
    created_by = factory.SubFactory(UserFactory)


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment sent to the bank for an approved item of an approved application."""

    class Meta:
        model = Payment

    item = factory.SubFactory(
        AidItemFactory,
        state="in_batch",
        amount_approved=Decimal("3000.00"),
        application__state=S.APPROVED,
    )
    batch = factory.SubFactory(PaymentBatchFactory)
    amount = factory.SelfAttribute("item.amount_approved")
    state = "pending"


class AnnualReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualReview

    org = factory.LazyFunction(_district)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    seed = factory.Sequence(lambda n: f"seed{n:08d}")
    sample_ratio = Decimal("0.10")
    created_by = factory.SubFactory(UserFactory)


class ReviewEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewEntry

    review = factory.SubFactory(AnnualReviewFactory)
    file = factory.SubFactory(HardshipFileFactory)
    outcome = "pending"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    org = factory.LazyFunction(_district)
    name = factory.Sequence(lambda n: f"冬送温暖{n}")
    kind = "winter_warmth"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=20))
    budget = Decimal("50000.00")
    created_by = factory.SubFactory(UserFactory)


class VisitFactory(factory.django.DjangoModelFactory):
    """A condolence visit to one person under a campaign of the visiting union."""

    class Meta:
        model = Visit

    org = factory.LazyFunction(_district)
    campaign = factory.SubFactory(CampaignFactory, org=factory.SelfAttribute("..org"))
    person = None
    recipient = factory.Sequence(lambda n: f"困难职工{n}")
    head_count = 1
    cash = Decimal("500.00")
    goods_value = Decimal("200.00")
    visited_on = factory.LazyFunction(timezone.localdate)
    leaders = "张主席"
    created_by = factory.SubFactory(UserFactory)


# Every assistance model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (
    HardshipFileFactory,
    HouseholdMemberFactory,
    HouseholdClaimFactory,
    AttachmentFactory,
    ApplicationFactory,
    AidItemFactory,
    StepFactory,
    ObjectionFactory,
    BudgetFactory,
    PaymentBatchFactory,
    PaymentFactory,
    AnnualReviewFactory,
    ReviewEntryFactory,
    CampaignFactory,
    VisitFactory,
)
