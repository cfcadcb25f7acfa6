"""Hardship assistance in a real browser: the worker follows her case on a phone, the
district assistance centre finds it in its publicity queue and opens the case page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_smoke import PHONE_VIEWPORT, enter_code, page_width, start_phone_login

pytestmark = pytest.mark.chinese


@pytest.mark.browser
def test_worker_follows_her_application_on_a_phone(live_server, demo, new_context, screenshot):
    from gonghui.assistance.models import Application
    from gonghui.demo.seed import DEMO_MEMBER_PHONE
    from gonghui.platform.pii.fields import index_for

    mine = Application.objects.get(
        applicant__phone_index=index_for("phone", DEMO_MEMBER_PHONE), state="publicity"
    )
    page = new_context(**PHONE_VIEWPORT).new_page()
    enter_code(page, start_phone_login(page, live_server.url))
    page.wait_for_url(f"{live_server.url}/m/")
    page.goto(f"{live_server.url}/m/assistance/")
    expect(page.locator("#aid-number")).to_have_text(mine.number)
    expect(page.locator("#aid-state")).to_have_attribute("class", re.compile("state-publicity"))
    assert page_width(page) <= 360, "assistance page scrolls sideways on a 360 px phone"
    page.locator("#aid-progress").click()
    page.wait_for_url(re.compile(rf"/m/assistance/{mine.pk}/$"))
    expect(page.locator("#publicity-end")).to_have_text(mine.publicity_end.strftime("%Y-%m-%d"))
    expect(page.locator("#aid-steps li")).to_have_count(mine.steps.count())
    assert page_width(page) <= 360, "progress page scrolls sideways on a 360 px phone"
    screenshot(page, "portal-assistance-progress-360")


@pytest.mark.browser
def test_assistance_centre_opens_a_case_from_its_queue(live_server, demo, new_context, screenshot):
    from gonghui.demo.seed import DEMO_PASSWORD

    page = new_context().new_page()
    page.goto(f"{live_server.url}/console/login/?next=/console/assistance/queues/")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill("yubei_center")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/console/assistance/queues/")
    publicity = page.locator("#queue-publicity")
    expect(publicity).to_be_visible()
    first = publicity.locator("tbody tr a").first
    number = first.inner_text().strip()
    first.click()
    page.wait_for_url(re.compile(r"/console/assistance/application/\d+/change/$"))
    expect(page.locator("body")).to_contain_text(number)
    screenshot(page, "console-assistance-case")


@pytest.mark.browser
def test_a_step_that_cannot_run_yet_is_shown_disabled_with_its_reason(
    live_server, demo, new_context, screenshot
):
    """结束公示 while publicity runs: the button is there, greyed out, and says until when —
    it does not fail after a click (issue #12 §1)."""
    from django.utils import timezone

    from gonghui.assistance.models import Application
    from gonghui.demo.seed import DEMO_PASSWORD

    running = Application.objects.filter(
        state="publicity", publicity_end__gte=timezone.localdate(), objections__isnull=True
    ).first()
    assert running is not None, "the demo has a case whose publicity still runs"
    page = new_context().new_page()
    page.goto(f"{live_server.url}/console/login/?next=/console/assistance/queues/")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill("yubei_center")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/console/assistance/queues/")
    page.goto(f"{live_server.url}/console/assistance/application/{running.pk}/change/")
    step = page.locator('#transition-buttons [data-transition="end_publicity"]')
    expect(step).to_have_attribute("data-disabled", "1")
    expect(step.locator("button")).to_be_disabled()
    expect(step).to_contain_text(running.publicity_end.isoformat())
    # The steps that can run now are links, not greyed out.
    expect(page.locator('#transition-buttons a[data-transition="return"]')).to_be_visible()
    screenshot(page, "console-step-disabled-with-reason")
