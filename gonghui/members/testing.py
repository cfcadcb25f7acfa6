"""factory_boy factories for the members app (test set-up, not user actions).

A person is built as the join and import actions build one: a valid ID number (gender and
birth date read from it), the name's pinyin for search, the ID number and phone encrypted with
their blind indexes filled by the model's save. A membership gets its card number the way
``members.actions`` gives it one. Neither feeds the cockpit's summary rows: tests of the
summaries build through the actions."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from gonghui.members.actions import card_number_for, pinyin_of
from gonghui.members.choices import (
    EmploymentForm,
    JoinRequestState,
    MembershipSource,
    MembershipState,
    TransferInitiator,
    TransferState,
)
from gonghui.members.models import JoinChannel, JoinRequest, Membership, Person, Transfer
from gonghui.orgs.testing import make_grassroots
from gonghui.platform.testing.factories import (
    birth_date_of,
    gender_of,
    id_number_for,
    phone_for,
)

_SURNAMES = "王李张刘陈杨赵黄周吴"
_GIVEN = "芳伟敏静丽强磊军洋勇"


def chinese_name(n: int) -> str:
    """A two- or three-character name, different for each ``n`` below 1000."""
    return _SURNAMES[n % 10] + _GIVEN[(n // 10) % 10] + ("" if n < 100 else _GIVEN[(n // 100) % 10])


class PersonFactory(factory.django.DjangoModelFactory):
    """``PersonFactory(org=union)``; pass ``user=MemberFactory(phone=...)`` with the same
    ``phone`` for a person with a member account (``phone`` follows the user's by default)."""

    class Meta:
        model = Person

    org = factory.LazyFunction(make_grassroots)
    user = None
    name = factory.Sequence(chinese_name)
    name_pinyin = factory.LazyAttribute(lambda o: pinyin_of(o.name)[0])
    name_initials = factory.LazyAttribute(lambda o: pinyin_of(o.name)[1])
    id_number = factory.Sequence(id_number_for)
    gender = factory.LazyAttribute(lambda o: gender_of(o.id_number))
    birth_date = factory.LazyAttribute(lambda o: birth_date_of(o.id_number))
    phone = factory.LazyAttributeSequence(lambda o, n: o.user.phone if o.user else phone_for(n))


class MembershipFactory(factory.django.DjangoModelFactory):
    """A current membership of a new person (of ``person`` when given) in ``org``."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    org = factory.LazyFunction(make_grassroots)
    person = factory.SubFactory(PersonFactory, org=factory.SelfAttribute("..org"))
    employer_name = "测试单位有限公司"
    employment_form = EmploymentForm.STANDARD
    state = MembershipState.ACTIVE
    source = MembershipSource.MANUAL
    joined_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=400))

    @factory.post_generation
    def card(self, create, extracted, **kwargs):
        """The card number the approval gives (``card=False`` leaves it empty)."""
        if create and extracted is not False and not self.card_no:
            self.card_no = card_number_for(self)
            self.save(update_fields=["card_no"])


def make_member(org, **person_fields) -> Membership:
    """A current member of ``org``: ``make_member(org, name="张三", user=account)``."""
    return MembershipFactory(org=org, person=PersonFactory(org=org, **person_fields))


class JoinChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinChannel

    org = factory.LazyFunction(make_grassroots)
    label = factory.Sequence(lambda n: f"车间海报{n}")
    token = factory.Sequence(lambda n: f"t{n:04d}-" + "x" * 20)
    auto_approve = False


class JoinRequestFactory(factory.django.DjangoModelFactory):
    """A pending application to join ``org``, as the QR form leaves it."""

    class Meta:
        model = JoinRequest

    org = factory.LazyFunction(make_grassroots)
    name = factory.Sequence(chinese_name)
    id_number = factory.Sequence(lambda n: id_number_for(500_000 + n))
    phone = factory.Sequence(lambda n: phone_for(n, "134"))
    employer_name = "测试单位有限公司"
    employment_form = EmploymentForm.STANDARD
    state = JoinRequestState.PENDING
    submitted_at = factory.LazyFunction(timezone.now)


class TransferFactory(factory.django.DjangoModelFactory):
    """A member's request to move to ``to_org``, waiting for the receiving union."""

    class Meta:
        model = Transfer

    membership = factory.SubFactory(MembershipFactory, state=MembershipState.TRANSFERRING)
    from_org = factory.SelfAttribute("membership.org")
    to_org = factory.LazyFunction(make_grassroots)
    employer_name = "新单位有限公司"
    initiated_by = TransferInitiator.MEMBER
    state = TransferState.PENDING_RECEIVER
    reason = "工作调动"
    requested_at = factory.LazyFunction(timezone.now)


# Every members model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (
    PersonFactory,
    MembershipFactory,
    JoinChannelFactory,
    JoinRequestFactory,
    TransferFactory,
)
