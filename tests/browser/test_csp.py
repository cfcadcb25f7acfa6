"""The Content-Security-Policy breaks nothing (WEB-3): the console and the portal pages run
in chromium under the real header, and the browser reports no CSP violation.

Violations are caught twice: as chromium's console errors ("Refused to … because it violates
the following Content Security Policy directive") and through the ``securitypolicyviolation``
DOM event, recorded by an init script (Playwright injects it outside the page's CSP).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from gonghui.demo.seed import DEMO_PASSWORD

from .test_smoke import (
    PHONE_VIEWPORT,
    enter_code,
    row_of,
    staff_login,
    start_phone_login,
)

pytestmark = pytest.mark.chinese

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(
    e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
    (e.sourceFile || document.location.pathname) + ":" + e.lineNumber);
});
"""


class CspWatch:
    def __init__(self, page: Page):
        self.page = page
        self.messages: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self._record(f"pageerror: {exc}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self._record(f"console: {message.text}")

    def _record(self, text: str) -> None:
        if re.search(r"Content[- ]Security[- ]Policy|unsafe-eval|unsafe-inline", text, re.I):
            self.messages.append(f"{self.page.url}: {text}")

    def assert_clean(self) -> None:
        try:
            dom = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # page closed or navigating
            dom = []
        problems = self.messages + [f"{self.page.url}: {v}" for v in dom]
        assert not problems, "CSP violations:\n" + "\n".join(problems)

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        csp = response.headers.get("content-security-policy", "")
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(200)  # late violations (Alpine, htmx) arrive as events
        self.assert_clean()


@pytest.mark.browser
def test_console_runs_under_csp(live_server, demo, new_context):
    from gonghui.orgs.models import Org

    city = Org.objects.get(name="重庆市总工会")
    page = new_context().new_page()
    watch = CspWatch(page)
    base = live_server.url

    watch.visit(f"{base}/console/login/")
    staff_login(page, base, "city_admin")
    page.wait_for_load_state("load")
    watch.assert_clean()

    # Org tree: expand a node (htmx + console/tree.js), then collapse it again.
    toggle = row_of(page, city.pk).locator(":scope > div .tree-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(row_of(page, city.pk).locator(":scope > ul > li.org-node").first).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(row_of(page, city.pk).locator(":scope > ul > li.org-node")).to_have_count(0)
    watch.assert_clean()

    # A changelist with filters: open the filter sheet (Alpine.js) and apply a filter.
    watch.visit(f"{base}/console/members/membership/")
    opener = page.locator("a, button").filter(has_text=re.compile("筛选|Filter")).first
    if opener.count():
        opener.click()
        page.wait_for_timeout(300)  # let Alpine open the sheet; violations arrive as events
    watch.assert_clean()
    watch.visit(f"{base}/console/members/joinrequest/?state__exact=pending")
    watch.visit(f"{base}/console/orgs/org/")
    # The sidebar and the theme switch are Alpine components too.
    watch.visit(f"{base}/console/")
    watch.assert_clean()


@pytest.mark.browser
def test_assistance_queues_run_under_csp(live_server, demo, new_context):

    page = new_context().new_page()
    watch = CspWatch(page)
    base = live_server.url
    page.goto(f"{base}/console/login/?next=/console/assistance/queues/")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill("yubei_center")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/console/assistance/queues/")
    page.wait_for_load_state("load")
    watch.assert_clean()
    first = page.locator("#queue-publicity tbody tr a").first
    first.click()
    page.wait_for_url(re.compile(r"/console/assistance/application/\d+/change/$"))
    page.wait_for_load_state("load")
    watch.assert_clean()


@pytest.mark.browser
def test_portal_runs_under_csp(live_server, demo, new_context):
    page = new_context(**PHONE_VIEWPORT).new_page()
    watch = CspWatch(page)
    base = live_server.url

    watch.visit(f"{base}/")
    watch.visit(f"{base}/m/login/")
    code = start_phone_login(page, base)
    watch.assert_clean()
    enter_code(page, code)
    page.wait_for_url(f"{base}/m/")
    page.wait_for_load_state("load")
    watch.assert_clean()
    watch.visit(f"{base}/m/assistance/")
    page.locator("#aid-progress").click()
    page.wait_for_load_state("load")
    watch.assert_clean()


@pytest.mark.browser
def test_inline_scripts_with_nonce_still_run(live_server, demo, new_context):
    """The join page checks an ID number in the browser (an inline script with the nonce):
    the message appears only if the script runs. The console's poster page has one too."""
    from gonghui.accounts.models import User
    from gonghui.members.actions import create_join_channel
    from gonghui.members.tokens import join_token
    from gonghui.platform.access.models import RoleGrant

    admin = User.objects.get(username="grassroots_admin")
    union = RoleGrant.objects.filter(user=admin).select_related("org").get().org
    channel = create_join_channel(actor=admin, org=union, label="CSP")
    base = live_server.url

    worker = new_context(**PHONE_VIEWPORT).new_page()
    watch = CspWatch(worker)
    watch.visit(f"{base}/m/join/{join_token(channel)}/")
    worker.locator("#id_id_number").fill("500112199501011230")  # wrong check digit
    worker.locator("#id_phone").focus()
    expect(worker.locator('.client-error[data-for="id_number"]')).to_be_visible()
    watch.assert_clean()

    officer = new_context().new_page()
    officer_watch = CspWatch(officer)
    officer.goto(f"{base}/console/login/")
    form = officer.locator("#login-form")
    form.locator("input[name=username]").fill("grassroots_admin")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    officer.wait_for_load_state("load")
    officer_watch.visit(f"{base}/console/members/joinchannel/{channel.pk}/poster/")
    expect(officer.locator("#poster-qr svg")).to_be_visible()
    officer.evaluate("window.print = function () { window.__printed = true; }")
    officer.locator("#print-poster").click()
    assert officer.evaluate("window.__printed === true")
    officer_watch.assert_clean()
