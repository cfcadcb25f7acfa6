"""factory_boy factories for the org app's models (test set-up, not user actions)."""

from __future__ import annotations

import factory

from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer
from gonghui.platform.testing.factories import make_org
from gonghui.platform.validators import make_uscc_for


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
