"""The console in the dark theme (unfold follows the system's colour scheme by default): axe
checks every page the test opens for WCAG 2.1 AA contrast, as in the light theme."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_smoke import staff_login

pytestmark = pytest.mark.chinese


@pytest.mark.browser
def test_the_console_in_the_dark_theme_keeps_its_contrast(live_server, demo, new_context):
    base = live_server.url
    page = new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark").new_page()
    staff_login(page, base, "yubei_admin")
    assert page.evaluate("document.documentElement.classList.contains('dark')")
    for path in (
        "/console/",
        "/console/members/membership/",
        "/console/members/joinrequest/",
        "/console/orgs/org/",
    ):
        page.goto(f"{base}{path}")
        expect(page.locator("main#main")).to_be_visible()
    page.goto(f"{base}/console/members/membership/")
    page.locator("#result_list tbody tr a[href*='/change/']").first.click()
    page.wait_for_url(re.compile(r"/change/$"))


@pytest.mark.browser
def test_the_assistance_pages_in_the_dark_theme_keep_their_contrast(live_server, demo, new_context):
    from gonghui.demo.seed import DEMO_PASSWORD

    base = live_server.url
    page = new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark").new_page()
    page.goto(f"{base}/console/login/?next=/console/assistance/queues/")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill("yubei_assist")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/console/assistance/queues/")
    page.locator("#assistance-queues tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/console/assistance/application/\d+/change/$"))
    expect(page.locator(".step-indicator")).to_be_visible()
    for path in ("/console/?home=1", "/console/assistance/visit/", "/console/imports/importjob/"):
        page.goto(f"{base}{path}")
        expect(page.locator("main#main")).to_be_visible()
