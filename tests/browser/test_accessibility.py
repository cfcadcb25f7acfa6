"""Accessible to every worker (WCAG 2.1 AA, issue #14), beyond what axe-core sees.

axe-core itself runs on every page of every browser test (conftest.py, axe.py). Here:

- each portal page at 200% text on a 360 px phone: the text really grows (the CSS is in rem, so
  the phone's font-size setting applies) and nothing runs off the screen (no sideways scroll,
  no element past the right edge: the e-card's number, a case number in the .facts grid);
- a form sent back with errors marks its fields (aria-invalid, aria-describedby naming the
  message) and puts the focus on the first one, not on the button;
- a keyboard-only walk of a console list page and a change form reaches every control there:
  links, buttons, fields, the filter button, the sidebar toggle, the user menu and, once that
  menu is open, the theme switcher.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .test_smoke import PHONE_VIEWPORT, enter_code, staff_login, start_phone_login

pytestmark = pytest.mark.chinese

# What runs off a 360 px screen: the page scrolls sideways, or an element (clipped by a card
# with overflow hidden, say) ends past the right edge. Hidden elements and the 1 px screen
# reader texts are left out.
OFF_SCREEN = """() => {
  const root = document.documentElement;
  const out = [];
  if (root.scrollWidth > root.clientWidth) out.push("page " + root.scrollWidth + " px wide");
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || box.width <= 1) continue;
    if (box.right > root.clientWidth + 0.5) {
      const classes = typeof el.className === "string" ? el.className.trim() : "";
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (classes ? "." + classes.split(/\\s+/).join(".") : "") + " ends at " +
        Math.round(box.right) + " px: " + (el.textContent || "").trim().slice(0, 40));
    }
  }
  return out;
}"""

FONT_SIZE = "(selector) => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize)"


def at_double_text(page: Page, name: str, screenshot) -> None:
    """Set the phone's text size to 200% and check that the page grows with it and still fits."""
    before = page.evaluate(FONT_SIZE, "main")
    heading = "main h1, main h2, main p"
    heading_before = page.evaluate(FONT_SIZE, heading)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    try:
        assert page.evaluate(FONT_SIZE, "main") == pytest.approx(2 * before), (
            f"{name}: the text does not follow the phone's font size (px instead of rem?)"
        )
        assert page.evaluate(FONT_SIZE, heading) == pytest.approx(2 * heading_before), name
        assert page.evaluate("window.innerWidth") == 360
        off = page.evaluate(OFF_SCREEN)
        assert not off, f"{name} at 200% text on 360 px runs off the screen:\n" + "\n".join(off)
        screenshot(page, f"a11y-200pct-{name}")
    finally:
        page.evaluate("document.documentElement.style.fontSize = ''")


@pytest.mark.browser
def test_portal_pages_fit_a_phone_at_double_text_size(live_server, demo, new_context, screenshot):
    from gonghui.assistance.models import Application
    from gonghui.demo.seed import DEMO_MEMBER_PHONE
    from gonghui.platform.pii.fields import index_for

    base = live_server.url
    case = Application.objects.filter(
        applicant__phone_index=index_for("phone", DEMO_MEMBER_PHONE)
    ).first()
    page = new_context(**PHONE_VIEWPORT).new_page()

    page.goto(f"{base}/m/login/")
    at_double_text(page, "login", screenshot)
    code = start_phone_login(page, base)
    at_double_text(page, "verify", screenshot)
    enter_code(page, code)
    page.wait_for_url(f"{base}/m/")

    pages = {
        "home": "/m/",
        "card": "/m/card/",
        "messages": "/m/messages/",
        "privacy": "/m/privacy/portal/",
        "assistance": "/m/assistance/",
        "landing": "/",
        "not-found": "/m/no-such-page/",
    }
    if case is not None:
        pages["assistance-case"] = f"/m/assistance/{case.pk}/"
    for name, path in pages.items():
        page.goto(f"{base}{path}")
        expect(page.locator("main")).to_be_visible()
        at_double_text(page, name, screenshot)

    # The e-card's 18-character number stays on the card, in white on its red.
    page.goto(f"{base}/m/card/")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    card = page.locator("#member-card").bounding_box()
    number = page.locator("#card-no").bounding_box()
    assert number["x"] + number["width"] <= card["x"] + card["width"]
    assert page.locator("#card-no").evaluate("el => getComputedStyle(el).color") == (
        "rgb(255, 255, 255)"
    )


def join_page(base: str) -> str:
    from gonghui.accounts.models import User
    from gonghui.members.actions import create_join_channel
    from gonghui.members.tokens import join_token
    from gonghui.platform.access.models import RoleGrant

    admin = User.objects.get(username="grassroots_admin")
    union = RoleGrant.objects.filter(user=admin).select_related("org").get().org
    channel = create_join_channel(actor=admin, org=union, label="无障碍测试海报")
    return f"{base}/m/join/{join_token(channel)}/"


@pytest.mark.browser
def test_join_form_errors_take_the_focus_and_describe_their_field(
    live_server, demo, new_context, screenshot
):
    page = new_context(**PHONE_VIEWPORT).new_page()
    page.goto(join_page(live_server.url))
    at_double_text(page, "join", screenshot)

    # In the browser: a wrong ID number is caught before sending; the focus goes to it.
    page.locator("#id_name").fill("张小红")
    page.locator("#id_id_number").fill("500112199501011230")
    page.locator("#id_phone").fill("13800138009")
    page.locator("#id_employment_form").select_option(index=1)
    page.locator("#join-submit").click()
    id_number = page.locator("#id_id_number")
    expect(id_number).to_be_focused()
    expect(id_number).to_have_attribute("aria-invalid", "true")
    message = page.locator("#id_id_number_check")
    expect(message).to_be_visible()
    assert "id_id_number_check" in id_number.get_attribute("aria-describedby").split()

    # From the server: the form comes back with its errors; the first field to fix has the focus
    # and names its message.
    page.locator("#id_id_number").fill("")
    page.locator("#id_name").fill("")
    page.evaluate("document.getElementById('join-form').noValidate = true")
    page.locator("#join-form").evaluate("form => form.submit()")
    page.wait_for_load_state("load")
    name = page.locator("#id_name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    described = name.get_attribute("aria-describedby").split()
    assert "id_name_error" in described
    expect(page.locator("#id_name_error")).to_be_visible()
    expect(page.locator("#id_name_error")).not_to_be_empty()
    at_double_text(page, "join-errors", screenshot)


@pytest.mark.browser
def test_login_error_takes_the_focus(live_server, demo, new_context):
    page = new_context(**PHONE_VIEWPORT).new_page()
    page.goto(f"{live_server.url}/m/login/")
    page.locator("#id_phone").fill("123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    phone = page.locator("#id_phone")
    expect(phone).to_be_focused()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", "id_phone_error")
    expect(page.locator("#id_phone_error")).not_to_be_empty()


# --- the console by keyboard ------------------------------------------------------------------

# Every control a mouse user can use on the page, as the keyboard walk names it.
VISIBLE_CONTROLS = """() => {
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex], " +
    "[x-on\\\\:click]");
  const out = [];
  for (const el of controls) {
    if (el.disabled || el.getAttribute("tabindex") === "-1" || el.closest("[inert]")) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    if (el.classList.contains("skip-link")) continue;  // it shows when it has the focus
    if (!el.matches("a[href], button, input, select, textarea, summary, [tabindex]")
        && !el.children.length && !el.textContent.trim()) continue;  // a backdrop
    if (el.matches("input[type=radio]") && !el.checked
        && document.querySelector(`input[type=radio][name="${el.name}"]:checked`)) continue;
    if (!el.dataset.walkId) el.dataset.walkId = "w" + (window.__walkN = (window.__walkN || 0) + 1);
    out.push(el.dataset.walkId);
  }
  return out;
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (!el.dataset.walkId) el.dataset.walkId = "w" + (window.__walkN = (window.__walkN || 0) + 1);
  return el.dataset.walkId;
}"""

DESCRIBE = """(id) => {
  const el = document.querySelector(`[data-walk-id="${id}"]`);
  if (!el) return id;
  return el.outerHTML.slice(0, 160);
}"""


def keyboard_walk(page: Page, *, limit: int = 400) -> set[str]:
    """Tab from the top of the page until the focus comes round again; what received it."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = page.evaluate(FOCUSED)
        if current is not None and seen and current == seen[0]:
            break
        if current is not None:
            seen.append(current)
    return set(seen)


def assert_keyboard_reaches_everything(page: Page, name: str) -> None:
    controls = page.evaluate(VISIBLE_CONTROLS)
    reached = keyboard_walk(page)
    missed = [page.evaluate(DESCRIBE, c) for c in controls if c not in reached]
    assert not missed, f"{name}: the keyboard never reaches:\n" + "\n".join(missed)


@pytest.mark.browser
def test_a_keyboard_reaches_every_console_control(live_server, demo, new_context, screenshot):
    base = live_server.url
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    staff_login(page, base, "yubei_admin")

    page.goto(f"{base}/console/members/membership/")
    # The first Tab reaches the skip link, which leads past the sidebar to the page itself.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    for control in ("#sidebar-toggle", "[x-on\\:click='filterOpen = true']"):
        expect(page.locator(control)).to_be_visible()
    assert_keyboard_reaches_everything(page, "member list")

    # The user menu opens from the keyboard, and its theme switcher is reached too.
    user_menu = page.locator("[x-on\\:click='openUserLinks = !openUserLinks']")
    expect(user_menu).to_have_attribute("role", "button")
    expect(user_menu).to_have_attribute("aria-expanded", "false")
    user_menu.focus()
    page.keyboard.press("Enter")
    expect(user_menu).to_have_attribute("aria-expanded", "true")
    light = page.get_by_role("button", name=re.compile("浅色|Light"))
    expect(light).to_be_visible()
    assert_keyboard_reaches_everything(page, "member list, user menu open")
    # Escape closes the menu and gives the focus back to the control that opened it.
    page.keyboard.press("Escape")
    expect(user_menu).to_have_attribute("aria-expanded", "false")
    expect(user_menu).to_be_focused()

    # The filter button opens the filters from the keyboard.
    page.locator("[x-on\\:click='filterOpen = true']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#changelist-filter")).to_be_visible()
    screenshot(page, "a11y-console-filters-by-keyboard")

    page.goto(f"{base}/console/members/membership/")
    page.locator("#result_list tbody tr a[href*='/change/']").first.click()
    page.wait_for_url(re.compile(r"/change/$"))
    assert_keyboard_reaches_everything(page, "membership change form")

    # A page not found keeps the console around it (and axe checks it like any other page).
    page.goto(f"{base}/console/members/no-such-page/")
    expect(page.locator("#console-not-found")).to_be_visible()
    expect(page.locator("#nav-sidebar")).to_be_visible()


@pytest.mark.browser
def test_axe_stops_a_test_on_a_page_with_a_violation(live_server, transactional_db, new_context):
    """The check conftest.py puts before every action fails the test on an inaccessible page."""
    from .axe import AccessibilityViolation

    page = new_context(**PHONE_VIEWPORT).new_page()
    page.goto(f"{live_server.url}/m/login/")
    page.locator("#id_phone").fill("13800138000")  # checked before this: no violation
    # A new document with a button that has no name (axe's button-name, WCAG 4.1.2).
    page.goto(f"{live_server.url}/m/login/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<button></button>')"
    )
    with pytest.raises(AccessibilityViolation, match="button-name"):
        page.locator("#id_phone").fill("13800138000")
