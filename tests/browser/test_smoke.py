"""Smoke tests in a real browser: what a district officer and a worker on a phone see.

Run with ``make browser`` (``pytest -m browser tests/browser -p no:xdist``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from gonghui.demo.seed import DEMO_MEMBER_PHONE, DEMO_PASSWORD

# The product as people see it: in its default language, Simplified Chinese.
pytestmark = pytest.mark.chinese

TREE_URL = "/console/orgs/org/tree/"
PHONE_VIEWPORT = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def staff_login(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/console/login/?next={TREE_URL}")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base_url}{TREE_URL}")


def top_rows(page: Page):
    return page.locator("#tree-body > li.org-node")


def row_of(page: Page, org_pk: int):
    return page.locator(f"li.org-node[data-org='{org_pk}']")


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.browser
def test_district_admin_sees_only_own_subtree(live_server, demo, new_context, screenshot):
    from gonghui.orgs.models import Org

    # ORM look-ups first, before the browser talks to the server.
    yubei = Org.objects.get(name="渝北区总工会")
    jiangbei = Org.objects.get(name="江北区总工会")
    yubei_children = set(
        Org.objects.filter(path__startswith=yubei.path, depth=yubei.depth + 1).values_list(
            "name", flat=True
        )
    )
    assert {"渝北区周转库", "回兴街道总工会"} <= yubei_children

    page = new_context().new_page()
    staff_login(page, live_server.url, "yubei_admin")

    # The tree starts at the district: one top row, nothing above or beside it.
    tree = page.locator("#org-tree")
    expect(top_rows(page)).to_have_count(1)
    expect(top_rows(page).first.locator("a.org-name").first).to_have_text("渝北区总工会")
    expect(tree).not_to_contain_text("重庆市总工会")
    expect(tree).not_to_contain_text("江北区总工会")

    # Expanding the district loads its direct children (htmx) under its row.
    yubei_row = row_of(page, yubei.pk)
    toggle = yubei_row.locator(":scope > div .tree-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    children = yubei_row.locator(":scope > ul > li.org-node > div a.org-name")
    expect(children).to_have_count(len(yubei_children))
    expect(children.filter(has_text=re.compile(r"^渝北区周转库$"))).to_have_count(1)
    expect(children.filter(has_text=re.compile(r"^回兴街道总工会$"))).to_have_count(1)
    assert set(children.all_inner_texts()) == yubei_children
    expect(tree).not_to_contain_text("江北区总工会")
    screenshot(page, "console-tree-yubei_admin")

    # The flat list is scoped the same way.
    response = page.goto(f"{live_server.url}/console/orgs/org/")
    assert response is not None and response.status == 200
    expect(page.locator("#result_list")).to_contain_text("渝北区总工会")
    assert "江北区总工会" not in page.content()
    screenshot(page, "console-org-list-yubei_admin")

    # An org outside the subtree does not exist for this officer.
    response = page.goto(f"{live_server.url}/console/orgs/org/{jiangbei.pk}/change/")
    assert response is not None and response.status == 404
    assert "江北区总工会" not in page.content()
    screenshot(page, "console-org-change-outside-scope-404")


@pytest.mark.browser
def test_city_admin_sees_the_whole_tree(live_server, demo, new_context, screenshot):
    from gonghui.orgs.models import Org

    city = Org.objects.get(name="重庆市总工会")
    assert city.depth == 1
    district_count = Org.objects.filter(path__startswith=city.path, depth=city.depth + 1).count()

    page = new_context().new_page()
    staff_login(page, live_server.url, "city_admin")

    expect(top_rows(page)).to_have_count(1)
    expect(top_rows(page).first.locator("a.org-name").first).to_have_text("重庆市总工会")

    city_row = row_of(page, city.pk)
    city_row.locator(":scope > div .tree-toggle").click()
    children = city_row.locator(":scope > ul > li.org-node > div a.org-name")
    expect(children).to_have_count(district_count)
    expect(children.filter(has_text=re.compile(r"^渝北区总工会$"))).to_have_count(1)
    expect(children.filter(has_text=re.compile(r"^江北区总工会$"))).to_have_count(1)
    screenshot(page, "console-tree-city_admin")


def start_phone_login(page: Page, base_url: str) -> str:
    """Open /m/ on a phone, ask for a code; return the demo code shown on the verify page."""
    page.goto(f"{base_url}/m/")
    page.wait_for_url(re.compile(r"/m/login/(\?.*)?$"))
    assert page_width(page) <= 360, "login page scrolls sideways on a 360 px phone"
    page.locator("#id_phone").fill(DEMO_MEMBER_PHONE)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/m/login/verify/$"))
    code = page.locator("#demo-code")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    assert page_width(page) <= 360, "verify page scrolls sideways on a 360 px phone"
    return code.inner_text().strip()


def enter_code(page: Page, code: str, *, accept_privacy: bool = True) -> None:
    """Log in with ``code``; at her first login she then accepts the portal's privacy notice
    (asked once: a later login goes straight on)."""
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").click()
    if accept_privacy:
        accept_privacy_notice(page)


def accept_privacy_notice(page: Page) -> None:
    page.wait_for_url(re.compile(r"/m/(privacy/portal/.*)?$"))
    if "/m/privacy/portal/" in page.url:
        expect(page.locator("#notice-title")).to_be_visible()
        page.locator("#privacy-accept").click()


@pytest.mark.browser
def test_member_phone_login_on_small_screen(live_server, demo, new_context, screenshot):
    page = new_context(**PHONE_VIEWPORT).new_page()
    code = start_phone_login(page, live_server.url)
    screenshot(page, "portal-verify-360")

    enter_code(page, code)
    page.wait_for_url(f"{live_server.url}/m/")
    expect(page.locator("#my-phone")).to_have_text("138****8000")
    assert page.evaluate("window.innerWidth") == 360
    assert page_width(page) <= 360, "home page scrolls sideways on a 360 px phone"
    screenshot(page, "portal-home-360")


@pytest.mark.browser
def test_member_wrong_code_is_refused(live_server, demo, new_context, screenshot):
    page = new_context(**PHONE_VIEWPORT).new_page()
    code = start_phone_login(page, live_server.url)

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    enter_code(page, wrong, accept_privacy=False)
    expect(page.locator("main .error[role=alert]")).to_be_visible()
    expect(page.locator("main .error[role=alert]")).not_to_be_empty()
    expect(page).to_have_url(re.compile(r"/m/login/verify/$"))
    expect(page.locator("#my-phone")).to_have_count(0)
    assert page_width(page) <= 360, "error message makes the page scroll sideways"
    screenshot(page, "portal-wrong-code-360")

    # The member is not logged in: the home page still sends them to the login page.
    page.goto(f"{live_server.url}/m/")
    page.wait_for_url(re.compile(r"/m/login/(\?.*)?$"))
