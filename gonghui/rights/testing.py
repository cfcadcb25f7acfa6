"""Test set-up for 12351 tickets: factories and the staff of a small tree (not user actions)."""

from __future__ import annotations

from datetime import date, datetime, time

import factory
from django.utils import timezone

from gonghui.platform.testing.factories import UserFactory, root_org, staff_with_role
from gonghui.rights.choices import Channel, Complexity, DeadlineStep, PartnerKind, TicketState
from gonghui.rights.models import (
    KnowledgeAnswer,
    PartnerAgency,
    PartnerAgent,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketDeadline,
    TicketStep,
)


def category(code: str = "complaint-arrears") -> TicketCategory:
    """A default category (published again if a transactional test's flush emptied the table,
    as at intake)."""
    from gonghui.rights.actions import category_of

    return category_of(code)


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket as received at the city, written directly; ``at`` sets its receipt day."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"12351-T-{n:05d}")
    channel = Channel.PHONE
    category = factory.LazyFunction(category)
    complexity = Complexity.GENERAL
    caller_name = "王芳"
    caller_phone = factory.Sequence(lambda n: f"135{n:08d}")
    employer_name = "渝北某物流公司"
    facts = "公司拖欠三个月工资共一万二千元"
    request = "要求公司支付拖欠的工资"
    org = factory.LazyFunction(root_org)
    state = TicketState.RECEIVED
    received_at = factory.LazyFunction(timezone.now)


def on(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class Staff:
    """The 12351 staff of the ``tree`` fixture: an operator at the city, rights officers at
    渝北, 回兴街道 and 江北."""

    def __init__(self, tree):
        self.operator = staff_with_role(tree.city, "hotline_operator", username="operator")
        self.yubei = staff_with_role(tree.yubei, "rights_officer", username="yubei_rights")
        self.township = staff_with_role(tree.township, "rights_officer", username="hx_rights")
        self.jiangbei = staff_with_role(tree.jiangbei, "rights_officer", username="jb_rights")


class TicketCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketCategory

    code = factory.Sequence(lambda n: f"test_{n}")
    name = factory.Sequence(lambda n: f"测试类别{n}")
    parent = factory.LazyFunction(lambda: category("complaint"))


class TicketDeadlineFactory(factory.django.DjangoModelFactory):
    """The shipped row of a class and step (one row each: the migration made them all)."""

    class Meta:
        model = TicketDeadline
        django_get_or_create = ("complexity", "step")

    complexity = Complexity.GENERAL
    step = DeadlineStep.FINISH
    days = 5


class TicketStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketStep

    ticket = factory.SubFactory(TicketFactory)
    name = "receive"
    to_state = TicketState.RECEIVED
    org_name = "重庆市总工会"
    at = factory.LazyFunction(timezone.now)


class KnowledgeAnswerFactory(factory.django.DjangoModelFactory):
    """An answer in use under a consultation subcategory."""

    class Meta:
        model = KnowledgeAnswer

    category = factory.LazyFunction(lambda: category("consult-contract"))
    question = factory.Sequence(lambda n: f"试用期的常见问题{n}")
    answer = "同一用人单位与同一劳动者只能约定一次试用期。"
    keywords = "试用期"
    active = True


class TicketAttachmentFactory(factory.django.DjangoModelFactory):
    """A small PDF on a ticket, stored like an uploaded one."""

    class Meta:
        model = TicketAttachment

    ticket = factory.SubFactory(TicketFactory)
    content = factory.django.FileField(filename="payslip.pdf", data=b"%PDF-1.4\n%test\n")
    original_name = "工资条.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64
    uploaded_by = factory.LazyFunction(lambda: staff_with_role(root_org(), "hotline_operator"))


class PartnerAgencyFactory(factory.django.DjangoModelFactory):
    """A court kept by the city (written directly)."""

    class Meta:
        model = PartnerAgency

    name = factory.Sequence(lambda n: f"测试法院{n}")
    kind = PartnerKind.COURT
    org = factory.LazyFunction(root_org)


class PartnerAgentFactory(factory.django.DjangoModelFactory):
    """A partner account of an agency (without its grant: tests that read add one)."""

    class Meta:
        model = PartnerAgent

    user = factory.SubFactory(UserFactory, kind="partner")
    agency = factory.SubFactory(PartnerAgencyFactory)


# Every rights model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (
    PartnerAgencyFactory,
    PartnerAgentFactory,
    TicketFactory,
    TicketCategoryFactory,
    TicketDeadlineFactory,
    TicketStepFactory,
    KnowledgeAnswerFactory,
    TicketAttachmentFactory,
)
