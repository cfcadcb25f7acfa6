"""Household ID numbers in the portal's apply form (issue #11, finding 1).

The form once put every household member's full ID number back into ``value="…"``: whoever
held the account (after taking over a former member's record, say) read them all. Now a saved
number is shown masked, as the empty field's placeholder; left empty it keeps the saved number,
typed it replaces it (validated by the action), and only rows of the member's own file count.
"""

import re

import pytest

from gonghui.assistance.models import HardshipFile
from gonghui.assistance.testing import Staff, child_id, id_number, make_person, staff_application
from gonghui.portal.tests.test_assistance import APPLY, complete_form, html_of

pytestmark = pytest.mark.django_db

SPOUSE = id_number(501, birth="19830305")
CHILD = child_id(701)
NEW_SPOUSE = id_number(602, birth="19800101")


@pytest.fixture
def member(tree, client):
    """A current member with a portal account, logged in."""
    person = make_person(tree.grassroots, account=True)
    client.force_login(person.user)
    return person


def _saved(member) -> list:
    file = HardshipFile.objects.get(applicant=member)
    return list(file.household.order_by("pk"))


def _keep(**extra):
    """The form as the page sends it back: saved rows with their keys, ID fields empty."""
    return complete_form(
        save="1", **{"household-0-id_number": "", "household-1-id_number": "", **extra}
    )


def test_the_form_shows_saved_numbers_masked_and_never_in_a_value(client, member):
    client.post(APPLY, complete_form(save="1"))
    rows = _saved(member)
    page = html_of(client.get(APPLY))
    assert SPOUSE not in page and CHILD not in page
    assert SPOUSE[:6] + "********" + SPOUSE[14:] in page
    assert f'name="household-0-key" value="{rows[0].pk}"' in page
    for n in (0, 1):
        field = re.search(rf'<input[^>]*name="household-{n}-id_number"[^>]*>', page).group(0)
        assert "placeholder=" in field and "value=" not in field, field


def test_an_empty_field_keeps_the_number_and_a_typed_one_replaces_it(client, member):
    client.post(APPLY, complete_form(save="1"))
    rows = _saved(member)
    keys = {"household-0-key": str(rows[0].pk), "household-1-key": str(rows[1].pk)}

    kept = client.post(APPLY, {**_keep(), **keys, "household-0-id_number": ""})
    assert kept.status_code == 302
    assert [m.id_number for m in _saved(member)] == [SPOUSE, CHILD]

    replaced = client.post(
        APPLY, {**_keep(), **keys, "household-0-id_number": NEW_SPOUSE, "household-1-id_number": ""}
    )
    assert replaced.status_code == 302
    assert [m.id_number for m in _saved(member)] == [NEW_SPOUSE, CHILD]

    refused = client.post(APPLY, {**_keep(), **keys, "household-0-id_number": NEW_SPOUSE[:-1]})
    assert refused.status_code == 200
    page = html_of(refused)
    assert "the ID number is not valid" in page
    assert [m.id_number for m in _saved(member)] == [NEW_SPOUSE, CHILD]
    # The page shown again says which number is kept, masked, and never writes it out.
    assert NEW_SPOUSE not in page and CHILD not in page
    assert CHILD[:6] + "********" + CHILD[14:] in page


def test_a_key_of_another_household_brings_nothing(client, member, tree):
    staff = Staff(tree)
    other = make_person(tree.grassroots, 2, name="张三丰")
    staff_application(staff, tree.grassroots, other, n=2)
    theirs = HardshipFile.objects.get(applicant=other).household.order_by("pk").first()

    response = client.post(
        APPLY,
        {**_keep(), "household-0-key": str(theirs.pk), "household-1-id_number": CHILD},
    )
    assert response.status_code == 302
    mine = _saved(member)
    assert [m.id_number for m in mine] == ["", CHILD]
    assert theirs.id_number not in html_of(client.get(APPLY))
