"""A 12351 ticket asking for legal aid becomes an application with one action: the caller,
her employer and what she said are copied, the ticket is linked, and nothing else is."""

import pytest

from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid.choices import AidChannel, AidState
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.testing import TicketFactory, category

pytestmark = pytest.mark.django_db


def test_a_legal_aid_ticket_becomes_an_application_of_the_union_handling_it(tree, staff):
    ticket = TicketFactory(
        org=tree.yubei,
        category=category("legal-aid-dispute"),
        caller_name="周敏",
        caller_phone="13622223333",
        employer_name="渝北某电子厂",
        facts="被公司无故辞退，需要律师代理仲裁",
        request="申请工会法律援助",
    )
    app = actions.apply_from_ticket(actor=staff.yubei, ticket=ticket, case_type="dismissal")
    assert app.ticket == ticket and app.channel == AidChannel.TICKET
    assert app.org == tree.yubei and app.state == AidState.SUBMITTED
    assert (app.applicant_name, app.applicant_phone) == ("周敏", "13622223333")
    assert app.employer_name == "渝北某电子厂" and app.facts == ticket.facts
    assert app.claims == "申请工会法律援助" and app.case_type == "dismissal"
    # Once only.
    with pytest.raises(ActionError) as again:
        actions.apply_from_ticket(actor=staff.yubei, ticket=ticket)
    assert again.value.code == "already_applied"
    assert AidApplication.objects.count() == 1


def test_only_a_legal_aid_ticket_in_ones_scope(tree, staff):
    wages = TicketFactory(org=tree.yubei, category=category("complaint-arrears"))
    with pytest.raises(ActionError) as refused:
        actions.apply_from_ticket(actor=staff.yubei, ticket=wages)
    assert refused.value.code == "not_legal_aid"
    elsewhere = TicketFactory(org=tree.jiangbei, category=category("legal-aid-dispute"))
    with pytest.raises(OutOfScope):
        actions.apply_from_ticket(actor=staff.yubei, ticket=elsewhere)
    assert not AidApplication.objects.exists()


def test_the_console_page_and_the_api_turn_a_ticket_into_an_application(client, tree, staff):
    from gonghui.accounts.testing import verified_client

    ticket = TicketFactory(org=tree.yubei, category=category("legal-aid-dispute"))
    client = verified_client(staff.yubei, client)
    url = f"/console/legalaid/aidapplication/from-ticket/{ticket.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and ticket.number in page.content.decode()
    response = client.post(url, {"case_type": "wages"})
    app = AidApplication.objects.get(ticket=ticket)
    assert response["Location"] == f"/console/legalaid/aidapplication/{app.pk}/change/"
    again = client.post(url, {"case_type": "wages"})
    assert again.status_code == 200 and AidApplication.objects.count() == 1
    other = TicketFactory(org=tree.yubei, category=category("legal-aid-advice"))
    api = client.post(
        f"/api/v1/legal-aid/applications/from-ticket/{other.pk}",
        '{"case_type": "dismissal"}',
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["ticket_id"] == other.pk
    verified_client(staff.jiangbei, client)
    assert client.get(url).status_code == 404
