"""End to end on a 360 px phone: a worker scans a union's QR poster, applies, is approved in
the console, logs in and shows the e-card; the union verifies it; another district cannot see
the member.

Run with ``pytest -m browser tests/browser/test_join_flow.py -p no:xdist``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import F
from playwright.sync_api import Page, expect

from gonghui.demo.seed import DEMO_PASSWORD

pytestmark = pytest.mark.chinese

PHONE_VIEWPORT = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
WORKER_PHONE = "13900001111"
WORKER_NAME = "王小骑"


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def staff_login(page: Page, base_url: str, username: str, next_url: str) -> None:
    page.goto(f"{base_url}/console/login/?next={next_url}")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base_url}{next_url}")


@pytest.mark.browser
def test_worker_joins_by_qr_and_shows_a_card_that_verifies(
    live_server, demo, new_context, screenshot, settings
):
    from gonghui.accounts.models import User
    from gonghui.members.actions import create_join_channel
    from gonghui.members.models import JoinRequest, Membership
    from gonghui.members.tokens import join_token
    from gonghui.platform.access.models import RoleGrant
    from gonghui.platform.sms.models import SMSCode
    from gonghui.platform.validators import id_check_char

    settings.SMS_SHOW_CODE_ON_PAGE = True
    base = live_server.url
    grassroots_admin = User.objects.get(username="grassroots_admin")
    union = RoleGrant.objects.filter(user=grassroots_admin).select_related("org").get().org
    channel = create_join_channel(actor=grassroots_admin, org=union, label="食堂门口海报")
    id_number = "50011219950101123" + id_check_char("50011219950101123")

    # --- the worker scans the poster ----------------------------------------------------------
    worker = new_context(**PHONE_VIEWPORT).new_page()
    # The poster's QR holds the short /j/<token>, which opens the signed join page.
    worker.goto(f"{base}/j/{channel.token}")
    worker.wait_for_url(f"{base}/m/join/{join_token(channel)}/")
    expect(worker.locator("#join-union")).to_have_text(union.name)
    assert page_width(worker) <= 360, "join page scrolls sideways on a 360 px phone"
    worker.locator("#id_name").fill(WORKER_NAME)
    worker.locator("#id_id_number").fill(id_number)
    worker.locator("#id_phone").fill(WORKER_PHONE)
    worker.locator("#id_employment_form").select_option("food_delivery")
    if worker.locator("#id_employer").count() == 0:  # a union without a registered employer
        worker.locator("#id_employer_name").fill("某某外卖平台")

    # A wrong ID is caught in the browser before anything is sent.
    worker.locator("#id_id_number").fill(id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))
    worker.locator("#join-submit").click()
    expect(worker.locator('.client-error[data-for="id_number"]')).to_be_visible()
    worker.locator("#id_id_number").fill(id_number)

    worker.locator("#send-code").click()
    code = worker.locator("#demo-code")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    expect(worker.locator("#id_name")).to_have_value(WORKER_NAME)  # kept across the reload
    screenshot(worker, "portal-join-360")
    worker.locator("#id_code").fill(code.inner_text().strip())
    # Without the privacy notice and the separate consent for the ID number, nothing is sent.
    worker.locator("#join-submit").click()
    expect(worker.locator("#privacy-error")).to_be_visible()
    expect(worker.locator("#sensitive-error")).to_be_visible()
    worker.locator("#id_privacy_notice").check()
    worker.locator("#id_sensitive_consent").check()
    worker.locator("#join-submit").click()
    worker.wait_for_url(re.compile(r"/m/join/done/$"))
    expect(worker.locator("#join-done")).to_contain_text("15")
    assert page_width(worker) <= 360
    screenshot(worker, "portal-join-done-360")

    request = JoinRequest.objects.get(channel=channel)
    assert request.state == "pending" and request.org == union

    # --- the grassroots union approves it in the console ----------------------------------------
    officer = new_context().new_page()
    approve_url = f"/console/members/joinrequest/{request.pk}/do/approve/"
    staff_login(officer, base, "grassroots_admin", approve_url)
    officer.locator("#transition-form button[type=submit]").click()
    officer.wait_for_url(re.compile(r"/console/members/joinrequest/"))
    membership = Membership.objects.get(join_request=request)
    assert membership.state == "active"

    # --- days later the worker logs in with the phone and opens the card ----------------------
    # The SMS code of the application was under a minute ago; the resend wait would refuse a
    # login code for the same number, so move the earlier code back in time.
    SMSCode.objects.update(created_at=F("created_at") - timedelta(minutes=5))
    worker.goto(f"{base}/m/login/")
    worker.locator("#id_phone").fill(WORKER_PHONE)
    worker.locator("main form button[type=submit]").click()
    worker.wait_for_url(re.compile(r"/m/login/verify/$"))
    login_code = worker.locator("#demo-code")
    expect(login_code).to_have_text(re.compile(r"^\d{6}$"))
    worker.locator("#id_code").fill(login_code.inner_text().strip())
    worker.locator("main form button[type=submit]").click()
    # Her first login: the portal's privacy notice, accepted once.
    worker.wait_for_url(re.compile(r"/m/privacy/portal/"))
    expect(worker.locator("#notice-title")).to_be_visible()
    assert page_width(worker) <= 360, "privacy notice scrolls sideways on a 360 px phone"
    screenshot(worker, "portal-privacy-360")
    worker.locator("#privacy-accept").click()
    worker.wait_for_url(f"{base}/m/")
    expect(worker.locator("#my-union")).to_have_text(union.name)
    # The approval left her a message (站内信) before she had an account.
    expect(worker.locator("#unread-count")).to_contain_text("1")
    worker.goto(f"{base}/m/")
    expect(worker.locator("#privacy-notice")).to_have_count(0)  # not asked again
    worker.locator("#card-link").click()
    worker.wait_for_url(f"{base}/m/card/")
    expect(worker.locator("#card-qr svg")).to_be_visible()
    expect(worker.locator("#card-no")).to_have_text(membership.card_no)
    expect(worker.locator("#card-name")).to_have_text(WORKER_NAME)
    assert page_width(worker) <= 360, "card page scrolls sideways on a 360 px phone"
    screenshot(worker, "portal-card-360")
    token = worker.locator("#card-qr").get_attribute("data-card-token")
    assert token

    # --- the union verifies the scanned code ------------------------------------------------
    officer.goto(f"{base}/console/verify/")
    officer.locator("#id_code").fill(token)
    officer.locator("#verify-form button[type=submit]").click()
    expect(officer.locator("#verify-result")).to_have_attribute("data-valid", "1")
    expect(officer.locator("#verify-card-no")).to_have_text(membership.card_no)
    expect(officer.locator("#verify-name")).to_have_text("王**")
    screenshot(officer, "console-verify-card")

    # --- a staff phone's camera opens the card's short URL ---------------------------------
    staff_phone = new_context(**PHONE_VIEWPORT).new_page()
    staff_phone.goto(f"{base}/v/{token}")
    staff_phone.wait_for_url(re.compile(r"/console/login/"))
    form = staff_phone.locator("#login-form")
    form.locator("input[name=username]").fill("grassroots_admin")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    staff_phone.wait_for_url(f"{base}/console/verify/{token}/")
    expect(staff_phone.locator("#verify-verdict")).to_contain_text("有效会员")
    screenshot(staff_phone, "console-verify-card-phone-360")

    # --- another district does not see the member ------------------------------------------
    outsider = new_context().new_page()
    staff_login(outsider, base, "jiangbei_admin", "/console/verify/")
    response = outsider.goto(f"{base}/api/v1/members/{membership.pk}")
    assert response is not None and response.status == 404
    assert WORKER_NAME not in outsider.content()
