"""权益维护"一键通" in real browsers (issue #15): a worker files a wage-arrears ticket on a
360 px phone; the city hands it to 渝北; the district dispatches it to its township; the
township signs for it and resolves it; the worker reads the reply and rates it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .test_smoke import PHONE_VIEWPORT, enter_code, page_width, staff_login, start_phone_login

pytestmark = pytest.mark.chinese

FACTS = "2026年9月至11月的工资共18600元没有发，公司说等项目回款。"


def _open_ticket(page: Page, base: str, pk: int) -> None:
    page.goto(f"{base}/console/rights/ticket/{pk}/change/")
    expect(page.locator("#transition-buttons")).to_be_visible()


def _do(page: Page, name: str) -> None:
    """Click the declared button ``name`` on the ticket page and land on its form."""
    page.locator(f'#transition-buttons a[data-transition="{name}"]').click()
    page.wait_for_url(re.compile(rf"/do/{name}/$"))


def _submit(page: Page) -> None:
    page.locator("#transition-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/console/rights/ticket/\d+/change/$"))


@pytest.mark.browser
def test_a_wage_arrears_ticket_from_a_phone_to_the_township_and_back(
    live_server, demo, new_context, screenshot
):
    from gonghui.accounts.models import User
    from gonghui.orgs.models import Org
    from gonghui.rights import actions
    from gonghui.rights.models import Ticket

    base = live_server.url
    # The worker files on her phone.
    phone = new_context(**PHONE_VIEWPORT).new_page()
    enter_code(phone, start_phone_login(phone, base))
    phone.wait_for_url(f"{base}/m/")
    phone.goto(f"{base}/m/rights/new/")
    phone.locator("select[name=category]").select_option("complaint-arrears")
    phone.locator("input[name=employer_name]").fill("重庆某某建筑劳务有限公司")
    phone.locator("textarea[name=facts]").fill(FACTS)
    phone.locator("textarea[name=request]").fill("请工会帮我讨回工资。")
    assert page_width(phone) <= 360, "the ticket form scrolls sideways on a 360 px phone"
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_url(re.compile(r"/m/rights/\d+/$"))
    number = phone.locator("#ticket-number").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.facts == FACTS
    assert page_width(phone) <= 360, "the ticket page scrolls sideways on a 360 px phone"
    screenshot(phone, "portal-rights-filed-360")

    # The city's hotline classifies it and hands it to 渝北 (the console steps are tested in
    # gonghui/rights/tests; this journey is about the district and the township).
    operator = User.objects.get(username="hotline_city")
    yubei_officer = User.objects.get(username="yubei_rights")
    yubei = Org.objects.get(pk=yubei_officer.grants.get().org_id)
    actions.classify(
        actor=operator, ticket=ticket, category="complaint-arrears", complexity="general"
    )
    actions.dispatch(actor=operator, ticket=Ticket.objects.get(pk=ticket.pk), to_org=yubei.pk)

    # The district dispatches it down to its township.
    district = new_context().new_page()
    staff_login(district, base, "yubei_rights")
    _open_ticket(district, base, ticket.pk)
    _do(district, "dispatch")
    to_org = str(User.objects.get(username="township_rights").grants.get().org_id)
    district.locator("select[name=to_org]").select_option(to_org)
    _submit(district)
    ticket.refresh_from_db()
    assert ticket.org_id == int(to_org) and ticket.state == "dispatched"

    # The township signs for it and resolves it, with the arrears it got back.
    township = new_context().new_page()
    staff_login(township, base, "township_rights")
    _open_ticket(township, base, ticket.pk)
    _do(township, "accept")
    _submit(township)
    _do(township, "resolve")
    township.locator("#transition-form textarea[name=reply]").fill(
        "经街道劳动关系协调，公司已于12月5日补发全部工资18600元。"
    )
    township.locator("#transition-form input[name=arrears_recovered]").fill("18600")
    township.locator("#transition-form input[name=arrears_workers]").fill("1")
    _submit(township)
    expect(township.locator("body")).to_contain_text(number)
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    screenshot(township, "console-rights-resolved")

    # The worker reads the reply on her phone and rates the handling, once.
    phone.goto(f"{base}/m/rights/{ticket.pk}/")
    expect(phone.locator("#ticket-reply")).to_contain_text("18600")
    expect(phone.locator("#ticket-org")).to_have_text(Org.objects.get(pk=to_org).name)
    expect(phone.locator("#ticket-steps")).not_to_contain_text("维权干部")  # never staff names
    phone.locator("#ticket-rate input[value=satisfied]").check()
    phone.locator("#rate-submit").click()
    expect(phone.locator("#ticket-rating")).to_be_visible()
    expect(phone.locator("#ticket-rate")).to_have_count(0)
    assert page_width(phone) <= 360, "the rated ticket scrolls sideways on a 360 px phone"
    ticket.refresh_from_db()
    assert ticket.rating == "satisfied" and ticket.rated_by_worker
    screenshot(phone, "portal-rights-rated-360")


def _console_login(page: Page, base: str, username: str, next_url: str) -> None:
    from gonghui.demo.seed import DEMO_PASSWORD

    page.goto(f"{base}/console/login/?next={next_url}")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}{next_url}")


@pytest.mark.browser
def test_the_court_partner_sees_its_referred_cases_and_nothing_else(
    live_server, demo, new_context, screenshot
):
    from gonghui.rights.mediation.models import MediationCase
    from gonghui.rights.models import PartnerAgent

    base = live_server.url
    court = PartnerAgent.objects.select_related("agency").get(user__username="court_partner")
    referred = set(
        MediationCase.objects.filter(referrals__agency=court.agency).values_list(
            "number", flat=True
        )
    )
    others = MediationCase.objects.exclude(number__in=referred)
    assert referred and others.exists(), "the demo has court referrals and other cases"

    page = new_context().new_page()
    cases = "/console/mediation/mediationcase/?queue=all"
    _console_login(page, base, "court_partner", cases)
    shown = {cell.inner_text().strip() for cell in page.locator("#result_list tbody th a").all()}
    assert shown == referred, "the court's list is exactly the cases its referrals name"
    screenshot(page, "console-court-partner-cases")

    # One of its cases opens, with the referral on it.
    mine = MediationCase.objects.get(number=sorted(referred)[0])
    page.goto(f"{base}/console/mediation/mediationcase/{mine.pk}/change/")
    expect(page.locator("body")).to_contain_text(mine.number)
    expect(page.locator("body")).to_contain_text(court.agency.name)

    # Another case of the same union, a ticket and the members are not there for it.
    for url in (
        f"/console/mediation/mediationcase/{others.first().pk}/change/",
        "/console/rights/ticket/",
        "/console/members/membership/",
        "/console/orgs/org/tree/",
    ):
        response = page.goto(f"{base}{url}")
        assert response.status in (403, 404), url
        expect(page.locator("body")).not_to_contain_text(others.first().number)


@pytest.mark.browser
def test_her_consultations_mediation_and_legal_aid_fit_a_phone(
    live_server, demo, new_context, screenshot
):
    """The demo worker's other rights pages, list and detail and the forms, at 360 px (axe
    checks each page too)."""
    from gonghui.demo.seed import DEMO_MEMBER_PHONE
    from gonghui.platform.pii.fields import index_for
    from gonghui.rights.consult.models import Consultation
    from gonghui.rights.legalaid.models import AidApplication
    from gonghui.rights.mediation.models import MediationCase

    base = live_server.url
    phone_index = index_for("phone", DEMO_MEMBER_PHONE)
    mine = {
        "consult": Consultation.objects.filter(worker__phone_index=phone_index).first(),
        "legal-aid": AidApplication.objects.filter(applicant_user__phone_index=phone_index).first(),
        "mediation": MediationCase.objects.filter(applicant_user__phone_index=phone_index).first(),
    }
    assert all(mine.values()), f"the demo worker has one of each: {mine}"
    phone = new_context(**PHONE_VIEWPORT).new_page()
    enter_code(phone, start_phone_login(phone, base))
    phone.wait_for_url(f"{base}/m/")
    pages = {
        "consult": ["/m/consult/", "/m/consult/ask/"],
        "legal-aid": ["/m/legal-aid/", "/m/legal-aid/apply/"],
        "mediation": ["/m/mediation/", "/m/mediation/apply/"],
    }
    for kind, urls in pages.items():
        for url in [*urls, f"/m/{kind}/{mine[kind].pk}/"]:
            response = phone.goto(f"{base}{url}")
            assert response.status == 200, url
            assert page_width(phone) <= 360, f"{url} scrolls sideways on a 360 px phone"
        expect(phone.locator("body")).to_contain_text(mine[kind].number)
        screenshot(phone, f"portal-{kind}-360")
