"""factory_boy factories for the org app's models (test set-up, not user actions).

Orgs are added to the one tree with treebeard (``platform.testing.factories.make_org``), under
the city federation unless a ``parent`` is given."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import (
    DutyItem,
    DutyLetter,
    DutyLevel,
    DutyList,
    DutyListState,
    Employer,
    FoundingApplication,
    FoundingKind,
    FoundingState,
    Official,
    OfficialPosition,
    Org,
    Team,
    TeamMember,
    Term,
    TermLength,
)
from gonghui.platform.testing.factories import make_org, phone_for
from gonghui.platform.validators import make_uscc_for


def make_grassroots(parent=None, **fields) -> Org:
    """A grassroots union (the kind members belong to), under ``parent`` or the city."""
    return make_org(parent, OrgKind.GRASSROOTS, **fields)


class OrgFactory(factory.django.DjangoModelFactory):
    """``OrgFactory(parent=district, kind=OrgKind.GRASSROOTS)``; without a parent the org
    hangs under the city federation (created if the tree is empty)."""

    class Meta:
        model = Org

    parent = None
    kind = OrgKind.DISTRICT_FEDERATION
    name = factory.Sequence(lambda n: f"测试工会{n}")
    region_code = "500112"

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        kwargs.pop("parent", None)
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.pop("parent", None)
        return make_org(parent, kwargs.pop("kind"), kwargs.pop("name"), **kwargs)


class GrassrootsFactory(OrgFactory):
    kind = OrgKind.GRASSROOTS
    name = factory.Sequence(lambda n: f"测试公司{n}工会")


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc_for(10_000 + n))
    industry_section = "C"
    ownership = "private"
    headcount = 100
    region_code = "500112"
    org = factory.LazyFunction(lambda: make_org(kind=OrgKind.GRASSROOTS))


class FoundingApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted application to found a grassroots union at an employer without one."""

    class Meta:
        model = FoundingApplication

    parent = factory.LazyFunction(lambda: make_org(kind=OrgKind.DISTRICT_FEDERATION))
    employer = factory.SubFactory(EmployerFactory, org=factory.SelfAttribute("..parent"))
    name = factory.LazyAttribute(lambda o: f"{o.employer.name}工会委员会")
    kind = FoundingKind.GRASSROOTS
    proposed_chair = "刘建国"
    committee = factory.LazyFunction(lambda: [{"name": "刘建国", "position": "chair"}])
    meeting_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))
    term_years = TermLength.FIVE
    member_count = 30
    contact_name = "刘建国"
    contact_phone = factory.Sequence(lambda n: phone_for(n, "133"))
    state = FoundingState.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class TermFactory(factory.django.DjangoModelFactory):
    """The current term of ``org`` (one per org: ``is_current=False`` for earlier ones)."""

    class Meta:
        model = Term

    org = factory.LazyFunction(lambda: make_org(kind=OrgKind.GRASSROOTS))
    number = factory.Sequence(lambda n: n + 1)
    started_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=400))
    years = TermLength.FIVE
    is_current = True


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    term = factory.SubFactory(TermFactory)
    org = factory.SelfAttribute("term.org")
    name = factory.Sequence(lambda n: f"官员{n}")
    position = OfficialPosition.CHAIR
    phone = factory.Sequence(lambda n: phone_for(n, "133"))
    started_on = factory.SelfAttribute("term.started_on")


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    org = factory.LazyFunction(lambda: make_org(kind=OrgKind.GRASSROOTS))
    team = Team.SAFETY_INFORMANT
    name = factory.Sequence(lambda n: f"队员{n}")
    phone = factory.Sequence(lambda n: phone_for(n, "133"))
    employer_name = "测试单位有限公司"
    appointed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=100))


class DutyListFactory(factory.django.DjangoModelFactory):
    """This year's published list for grassroots unions, issued by a district."""

    class Meta:
        model = DutyList

    org = factory.LazyFunction(lambda: make_org(kind=OrgKind.DISTRICT_FEDERATION))
    level = DutyLevel.GRASSROOTS
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.LazyAttribute(lambda o: f"{o.year}年基层工会责任清单")
    state = DutyListState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class DutyItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyItem

    list = factory.SubFactory(DutyListFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "按时足额收缴会费"


class DutyLetterFactory(factory.django.DjangoModelFactory):
    """A grassroots union below the list's publisher signed the list."""

    class Meta:
        model = DutyLetter

    list = factory.SubFactory(DutyListFactory)
    org = factory.LazyAttribute(lambda o: make_org(o.list.org, OrgKind.GRASSROOTS))
    year = factory.SelfAttribute("list.year")
    signed_on = factory.LazyFunction(timezone.localdate)
    signed_by = "刘建国"


# Every org model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (
    OrgFactory,
    EmployerFactory,
    FoundingApplicationFactory,
    TermFactory,
    OfficialFactory,
    TeamMemberFactory,
    DutyListFactory,
    DutyItemFactory,
    DutyLetterFactory,
)
