"""End to end: someone applies with a former member's ID and his own phone (issue #11). The
reviewer cannot approve it and is told why; the former member, logged in on her phone (360 px)
with the number on file, says it was not her; the application is refused and her record is
unchanged.

Run with ``pytest -m browser tests/browser/test_identity_claim.py -p no:xdist``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_join_flow import PHONE_VIEWPORT, page_width, staff_login
from tests.browser.test_smoke import accept_privacy_notice

pytestmark = pytest.mark.chinese

ATTACKER_PHONE = "13700137000"


@pytest.mark.browser
def test_a_former_member_disowns_a_claim_on_her_record(
    live_server, demo, new_context, screenshot, settings
):
    from gonghui.members.actions import submit_join_request
    from gonghui.members.choices import MembershipState
    from gonghui.members.models import JoinChannel, JoinRequest, Membership

    settings.SMS_SHOW_CODE_ON_PAGE = True
    base = live_server.url
    former = (
        Membership.objects.filter(state=MembershipState.WITHDRAWN, person__user__isnull=True)
        .select_related("person", "org")
        .exclude(person__memberships__state__in=["active", "retained", "transferring"])
        .first()
    )
    person = former.person
    claim = submit_join_request(
        actor=None,
        org=former.org,
        channel=JoinChannel.objects.filter(org=former.org).first(),
        name=person.name,
        id_number=person.id_number,
        phone=ATTACKER_PHONE,
        employer_name="某某外卖平台",
        employment_form="food_delivery",
    )

    # --- the reviewer sees why the application cannot be approved -----------------------------
    officer = new_context().new_page()
    page_url = f"/console/members/joinrequest/{claim.pk}/change/"
    staff_login(officer, base, "city_admin", page_url)
    expect(officer.locator("#join-findings")).to_contain_text("档案")
    # 同意入会 is there but greyed out, with the reason written beside it.
    blocked = officer.locator('#transition-buttons [data-transition="approve"]')
    expect(blocked).to_have_attribute("data-disabled", "1")
    expect(blocked.locator("button")).to_be_disabled()
    expect(blocked).to_contain_text("档案")
    expect(
        officer.locator('#transition-buttons [data-transition="check_identity"]')
    ).to_be_visible()
    screenshot(officer, "console-join-claim-blocked")

    # --- the former member logs in with the phone on file and says it was not her -------------
    worker = new_context(**PHONE_VIEWPORT).new_page()
    worker.goto(f"{base}/m/login/")
    worker.locator("#id_phone").fill(person.phone)
    worker.locator("main form button[type=submit]").click()
    worker.wait_for_url(re.compile(r"/m/login/verify/$"))
    code = worker.locator("#demo-code")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    worker.locator("#id_code").fill(code.inner_text().strip())
    worker.locator("main form button[type=submit]").click()
    accept_privacy_notice(worker)
    worker.wait_for_url(f"{base}/m/")
    card = worker.locator(f"#join-claim-{claim.pk}")
    expect(card).to_contain_text("137****7000")
    assert page_width(worker) <= 360, "the claim card scrolls sideways on a 360 px phone"
    screenshot(worker, "portal-join-claim-360")
    card.locator('[data-transition="disown_claim"] button').click()
    worker.wait_for_url(f"{base}/m/")
    expect(worker.locator(f"#join-claim-{claim.pk}")).to_have_count(0)
    expect(worker.locator(".notice")).to_contain_text("档案没有任何变化")

    claim.refresh_from_db()
    person.refresh_from_db()
    assert claim.state == "rejected" and person.phone != ATTACKER_PHONE
    officer.reload()
    expect(officer.locator('#transition-buttons [data-transition="approve"]')).to_have_count(0)
    assert JoinRequest.objects.filter(pk=claim.pk, state="rejected").exists()
