"""No English on the 12351 console pages, walked as the demo's hotline operator and 渝北's
rights officer (the console walker's own accounts hold no rights role)."""

import pytest

from gonghui.accounts.models import User
from gonghui.console.tests.test_no_english import _english_on_console
from gonghui.demo.seed import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]


@pytest.mark.parametrize("username", ["hotline_city", "yubei_rights", "township_rights"])
def test_every_ticket_page_reads_chinese(client, username):
    seed_demo(members_per_union=2)
    client.force_login(User.objects.get(username=username))
    found = _english_on_console(client)
    assert not found, "English on console pages:\n" + "\n".join(
        f"{page}: {texts}" for page, texts in found.items()
    )
