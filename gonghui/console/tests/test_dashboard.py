"""The console start page and navigation follow the user's grants."""

import pytest

from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.testing.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def test_start_page_counts_only_the_users_subtree(client, tree):
    EmployerFactory(org=tree.grassroots)
    EmployerFactory(org=tree.township)  # not unionised yet: held by the township federation
    EmployerFactory(org=tree.jb_grassroots)
    client.force_login(tree.yubei_admin)
    page = client.get("/console/").content.decode()
    assert "渝北区总工会" in page
    assert "Employers: 2, of which 1 have a union and 1 do not yet." in page


def test_navigation_shows_only_permitted_groups(client, tree):
    client.force_login(tree.yubei_admin)
    page = client.get("/console/").content.decode()
    assert "/console/orgs/org/tree/" in page
    assert "/console/access/rolegrant/" not in page
    assert "/console/audit/auditevent/" not in page
    auditor = UserFactory()
    grant(auditor, tree.city, "audit_admin")
    client.force_login(auditor)
    page = client.get("/console/").content.decode()
    assert "/console/audit/auditevent/" in page
    assert "/console/orgs/org/tree/" not in page
    # the scenario groups without pages are hidden
    assert "Hardship assistance" not in page
