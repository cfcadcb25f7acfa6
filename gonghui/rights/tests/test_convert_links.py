"""The 12351 ticket page leads a rights officer on to mediation and legal aid with the ticket
(the forms there copy its caller, employer and facts); the hotline, who holds neither right,
is offered neither, and a closed ticket offers nothing."""

import pytest

from gonghui.rights.testing import TicketFactory

pytestmark = pytest.mark.django_db


def test_the_rights_officer_takes_a_ticket_on_to_mediation_or_legal_aid(client, tree, staff):
    ticket = TicketFactory(org=tree.yubei, state="handling")
    client.force_login(staff.yubei)
    page = client.get(f"/console/rights/ticket/{ticket.pk}/change/").content.decode()
    assert f"/console/mediation/mediationcase/add/?ticket_number={ticket.number}" in page
    assert f"/console/legalaid/aidapplication/from-ticket/{ticket.pk}/" in page
    form = client.get(f"/console/mediation/mediationcase/add/?ticket_number={ticket.number}")
    assert f'value="{ticket.number}"' in form.content.decode()
    assert (
        client.get(f"/console/legalaid/aidapplication/from-ticket/{ticket.pk}/").status_code == 200
    )

    ticket.state = "closed"
    ticket.save(update_fields=["state"])
    page = client.get(f"/console/rights/ticket/{ticket.pk}/change/").content.decode()
    assert 'id="ticket-convert"' not in page


def test_the_hotline_is_not_offered_what_it_cannot_open(client, tree, staff):
    ticket = TicketFactory(org=tree.city, state="received")
    client.force_login(staff.operator)
    page = client.get(f"/console/rights/ticket/{ticket.pk}/change/").content.decode()
    assert 'id="ticket-to-mediation"' not in page and 'id="ticket-to-legal-aid"' not in page
