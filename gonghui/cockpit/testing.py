"""factory_boy factories for the cockpit's summary rows (test set-up).

The write paths keep these rows in step with the records (``gonghui.cockpit.summaries``); a
factory row stands alone, for tests of the cockpit's reading side. Figures that must agree
with real memberships are built through the actions, or with ``manage.py rebuild_summaries``.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from gonghui.cockpit.models import OrgMonthStat, OrgTotal, TicketMonthStat
from gonghui.orgs.testing import make_grassroots


class OrgMonthStatFactory(factory.django.DjangoModelFactory):
    """This month's row of a new grassroots union (``month`` is a first of the month)."""

    class Meta:
        model = OrgMonthStat

    org = factory.LazyFunction(make_grassroots)
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    members_joined = 3
    members_current = 3
    members_new_form = 1
    members_migrant = 1
    members_ended = 0
    unions_founded = 0


class OrgTotalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgTotal

    org = factory.LazyFunction(make_grassroots)
    members_joined = 3
    members_current = 3
    members_new_form = 1
    members_migrant = 1
    members_ended = 0
    unions_founded = 1


def _category():
    from gonghui.rights.testing import category

    return category()


class TicketMonthStatFactory(factory.django.DjangoModelFactory):
    """This month's ticket row of a new grassroots union (figures that must agree with
    tickets are made by the ticket actions, or ``manage.py rebuild_summaries``)."""

    class Meta:
        model = TicketMonthStat

    org = factory.LazyFunction(make_grassroots)
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    category = factory.LazyFunction(_category)
    complexity = "general"
    received = 4
    reopened = 1
    closed = 3
    closed_on_time = 2
    rated = 3
    satisfied = 2
    arrears_workers = 2
    arrears_recovered = Decimal("8600.00")


# Every cockpit model and its factory (gonghui/platform/tests/test_factories.py).
FACTORIES = (OrgMonthStatFactory, OrgTotalFactory, TicketMonthStatFactory)
