"""Query counts of the ticket pages do not grow with rows: the console queue and ticket page,
and every GET of the tickets API, cost as many queries with 9 rows as with 3 (give or take 2)."""

import pytest

from gonghui.accounts.testing import assert_queries_flat, verified_client
from gonghui.rights.choices import TicketState
from gonghui.rights.testing import TicketFactory, TicketStepFactory

pytestmark = pytest.mark.django_db

# The API paths these guards cover (platform/tests/test_query_counts.py).
API_PATHS = {"/api/v1/rights/tickets/", "/api/v1/rights/tickets/{ticket_id}"}


def _tickets(t):
    return lambda k: [TicketFactory(org=t.township, state=TicketState.HANDLING) for _ in range(k)]


def _steps(ticket):
    return lambda k: [TicketStepFactory(ticket=ticket, name="accept") for _ in range(k)]


@pytest.mark.parametrize("kind", ["console_list", "api_list", "console_page", "api_detail"])
def test_page_costs_the_same_with_more_rows(kind, tree, staff, django_assert_max_num_queries):
    client = verified_client(staff.yubei)
    if kind == "console_list":
        url, grow = "/console/rights/ticket/", _tickets(tree)
    elif kind == "api_list":
        url, grow = "/api/v1/rights/tickets/", _tickets(tree)
    else:
        ticket = TicketFactory(org=tree.township, state=TicketState.HANDLING)
        path = (
            "console/rights/ticket/{}/change/"
            if kind == "console_page"
            else "api/v1/rights/tickets/{}"
        )
        url, grow = "/" + path.format(ticket.pk), _steps(ticket)
    assert_queries_flat(django_assert_max_num_queries, client, url, grow)
