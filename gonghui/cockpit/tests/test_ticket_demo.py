"""``make demo`` has ticket figures: the seed's final ``summaries.rebuild()`` counts the year of
demo tickets (back-dated directly) into the cockpit rows, and they match a recount."""

import pytest
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.cockpit import tickets
from gonghui.cockpit.ticket_queries import ticket_figures
from gonghui.demo.seed import seed_demo
from gonghui.orgs.models import Org
from gonghui.rights.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_has_exact_ticket_figures():
    seed_demo(members_per_union=2)
    assert tickets.check() == []
    operator = User.objects.get(username="hotline_city")
    city = Org.objects.get_first_root_node()
    year = timezone.localdate().year
    received = Ticket.objects.filter(received_at__year=year).count()
    assert received and ticket_figures(operator, city, year).total["received"] == received
