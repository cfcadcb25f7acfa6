"""A page not found or refused under /console/ keeps the console around it (issue #14): staff
land in the console's own layout with its navigation, the skip link and the <main> landmark,
and a way back to the start page; not in the portal's design, nor Django's bare English page.
Elsewhere a missing page keeps the portal's design."""

import re

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]

CALENDAR = "/console/calendar/calendaryear/"  # the system administrator's, not a city admin's


def assert_console_layout(html: str) -> None:
    assert 'id="nav-sidebar"' in html  # the console's navigation
    assert 'href="/console/orgs/org/tree/"' in html  # ... with the pages of the console
    assert '<main id="main"' in html and 'class="skip-link" href="#main"' in html
    assert re.search(r'<a [^>]*href="/console/">返回工作台</a>', html)  # the way back
    assert 'class="bar"' not in html  # not the portal's red bar


def test_a_missing_console_page_shows_in_the_console_for_staff(client, tree):
    client.force_login(tree.city_admin)
    response = client.get("/console/members/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_console_layout(html)
    assert "该页面不存在，或您无权访问。" in html


def test_an_object_out_of_scope_is_a_console_404_for_staff(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(f"/console/orgs/org/{tree.jiangbei.pk}/change/")
    assert response.status_code == 404
    assert_console_layout(response.content.decode())


def test_a_refused_console_page_shows_in_the_console_in_chinese(client, tree):
    client.force_login(tree.city_admin)
    response = client.get(CALENDAR)
    assert response.status_code == 403
    html = response.content.decode()
    assert_console_layout(html)
    assert "Forbidden" not in html
    assert 'id="console-refused"' in html


def test_a_portal_404_keeps_the_portals_design(client):
    response = client.get("/m/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="bar"' in html and 'id="nav-sidebar"' not in html
