"""Test set-up for legal consultations: law firms, their lawyers, factories (not user actions)."""

from __future__ import annotations

import factory
from django.utils import timezone

from gonghui.platform.testing.factories import UserFactory, grant, root_org
from gonghui.rights.choices import PartnerKind
from gonghui.rights.consult.choices import Author, ConsultState, Topic
from gonghui.rights.consult.models import Consultation, Message
from gonghui.rights.models import PartnerAgency, PartnerAgent


def law_firm(org, name: str = "重庆渝工律师事务所") -> PartnerAgency:
    """A law firm kept by ``org`` (written directly)."""
    return PartnerAgency.objects.create(name=name, kind=PartnerKind.LAW_FIRM, org=org)


def lawyer(agency: PartnerAgency, username: str = "lawyer", *, descendants: bool = True):
    """A partner account of ``agency`` with the partner role. The grant sits at the city and,
    by default, covers the whole tree: the worst case for the partner scope, which must still
    open only the firm's consultations."""
    user = UserFactory(username=username, kind="partner", display_name=f"{username}律师")
    grant(user, root_org(), "partner_agent", descendants)
    PartnerAgent.objects.create(user=user, agency=agency)
    return user


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A consultation in the city's queue, written directly."""

    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"ZX-T-{n:05d}")
    worker = factory.SubFactory(UserFactory, kind="member", is_staff=False)
    worker_name = "李娜"
    worker_phone = factory.Sequence(lambda n: f"138{n:08d}")
    topic = Topic.WAGES
    question = "公司两个月没有发工资，我可以怎么办？"
    org = factory.LazyFunction(root_org)
    state = ConsultState.UNASSIGNED
    asked_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    consultation = factory.SubFactory(ConsultationFactory)
    author = Author.WORKER
    text = "公司说下个月一起发，可以等吗？"
    at = factory.LazyFunction(timezone.now)


# Every consult model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (ConsultationFactory, MessageFactory)
