"""Issue #14 in a real browser: a staff login without ``next`` lands on the console's start
page (not /accounts/profile/), and a worker withdrawing her draft hardship application reads
撤回申请 and then 已撤回, never 退会 (which is leaving the union)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_smoke import PHONE_VIEWPORT, page_width

pytestmark = pytest.mark.chinese

WORKER_PHONE = "13700000931"


@pytest.mark.browser
def test_a_console_login_without_next_lands_on_the_start_page(live_server, demo, new_context):
    from gonghui.demo.seed import DEMO_PASSWORD

    page = new_context().new_page()
    page.goto(f"{live_server.url}/console/login/")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill("yubei_admin")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/console/")
    expect(page.locator("#my-todos")).to_contain_text("我的待办")


@pytest.mark.browser
def test_a_worker_withdraws_her_draft_and_reads_yichehui(
    live_server, demo, new_context, screenshot
):
    from gonghui.assistance import actions
    from gonghui.assistance.testing import make_person
    from gonghui.demo.seed import DEMO_MEMBER_PHONE
    from gonghui.members.choices import CURRENT_STATES
    from gonghui.members.models import Membership
    from gonghui.platform.consent.testing import accept_for_test
    from gonghui.platform.pii.fields import index_for

    union = (
        Membership.objects.filter(
            person__phone_index=index_for("phone", DEMO_MEMBER_PHONE), state__in=CURRENT_STATES
        )
        .select_related("org")
        .first()
        .org
    )
    worker = make_person(union, 931, name="周晓燕", phone=WORKER_PHONE, account=True)
    for purpose in ("portal", "assistance"):
        accept_for_test(worker.user, purpose)
    draft = actions.member_save_application(
        actor=worker.user,
        file_data={"main_cause": "illness", "household_size": 1},
        household=[],
        items=[{"aid_type": "living", "amount_requested": "3000"}],
        situation="本人患病，暂时无法工作。",
    )

    page = new_context(**PHONE_VIEWPORT).new_page()
    page.goto(f"{live_server.url}/m/login/")
    page.locator("#id_phone").fill(WORKER_PHONE)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/m/login/verify/$"))
    code = page.locator("#demo-code")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    page.locator("#id_code").fill(code.inner_text().strip())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/m/")

    page.goto(f"{live_server.url}/m/assistance/{draft.pk}/")
    withdraw = page.get_by_role("link", name="撤回申请").or_(
        page.get_by_role("button", name="撤回申请")
    )
    expect(withdraw.first).to_be_visible()
    assert "退会" not in page.locator("main").inner_text()
    withdraw.first.click()
    expect(page.locator("#aid-withdraw-confirm")).to_be_visible()
    page.locator("#withdraw-reason").fill("情况好转")
    page.locator("#withdraw-confirm").click()
    page.wait_for_url(re.compile(rf"/m/assistance/{draft.pk}/$"))
    expect(page.locator("#aid-state")).to_have_text("已撤回")
    assert "退会" not in page.locator("main").inner_text()
    assert page_width(page) <= 360
    screenshot(page, "portal-assistance-withdrawn-360")
