"""A database whose category and deadline tables were emptied (a flushed test database, a table
cleared by hand) gets the defaults again at the first intake: a worker is never offered no
category, and the call is taken as on a fresh install."""

import pytest

from gonghui.rights import actions
from gonghui.rights.defaults import CATEGORIES
from gonghui.rights.models import TicketCategory, TicketDeadline

pytestmark = pytest.mark.django_db


def _empty_tables():
    """As a flush leaves them (children first: a category protects its subcategories)."""
    TicketCategory.objects.filter(parent__isnull=False).delete()
    TicketCategory.objects.all().delete()
    TicketDeadline.objects.all().delete()


def test_an_emptied_category_table_offers_the_defaults_again(staff):
    _empty_tables()
    offered = {c.code for c in actions.active_categories(parent__isnull=False)}
    assert "complaint-arrears" in offered and len(offered) == sum(len(c[2]) for c in CATEGORIES)
    assert TicketDeadline.objects.filter(complexity="general", step="finish").get().days == 5


def test_a_call_is_taken_after_the_table_was_emptied(staff):
    _empty_tables()
    ticket = actions.take_call(
        actor=staff.operator,
        category="complaint-arrears",
        caller_name="李四",
        caller_phone="13500001111",
        facts="物流公司拖欠两个月工资",
        request="讨回工资",
        employer_name="渝北某物流公司",
    )
    assert ticket.category.name == "拖欠工资" and ticket.category.parent.name == "信访投诉"
