"""What a partner account reaches in the console: its start page, and only the pages of what
is referred to its agency. Every other console list and add page refuses it."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from gonghui.console.sites import console_site
from gonghui.rights.tests.test_partner_scope import make_agency, partner_account

# The apps whose rows a partner reads through the partner scope hooks.
PARTNER_APPS = {"mediation", "consult", "legalaid"}


@pytest.fixture(autouse=True)
def _password_only(settings):
    settings.GONGHUI_REQUIRE_2FA = False


@pytest.fixture
def partner(tree):
    from gonghui.platform.testing.factories import staff_with_role

    officer = staff_with_role(tree.yubei, "rights_officer", username="yb_rights")
    return partner_account(officer, make_agency(tree.yubei, "重庆市渝北区人民法院"))


def _model_pages():
    for model in console_site._registry:
        opts = model._meta
        for page in ("changelist", "add"):
            try:
                url = reverse(f"console:{opts.app_label}_{opts.model_name}_{page}")
            except NoReverseMatch:
                continue
            yield opts.app_label, url


@pytest.mark.chinese
def test_the_start_page_opens_without_staff_items(client, partner):
    client.force_login(partner)
    response = client.get("/console/")
    assert response.status_code == 200
    page = response.content.decode()
    for staff_page in ("/console/orgs/", "/console/members/", "/console/rights/ticket/"):
        assert staff_page not in page
    assert "/console/rights/partneragency/" not in page


def test_every_staff_list_and_form_refuses_a_partner(client, partner):
    client.force_login(partner)
    opened = []
    for app, url in _model_pages():
        status = client.get(url).status_code
        if app in PARTNER_APPS and url.endswith("/") and not url.endswith("/add/"):
            assert status in (200, 403), url  # its own lists, once the apps have them
        elif status not in (302, 403, 404):
            opened.append((url, status))
    assert opened == [], opened


def test_a_partner_cannot_open_the_org_tree_or_the_own_token_page(client, tree, partner):
    client.force_login(partner)
    for name, args in [
        ("console:orgs_org_change", [tree.yubei.pk]),
        ("console:orgs_org_changelist", []),
        ("console:rights_partneragency_changelist", []),
        ("console:calendar_deadlineevent_changelist", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code in (403, 404), name


def test_the_api_gives_a_partner_its_referred_case_and_404_for_another(client, tree, partner):
    from gonghui.rights.tests.test_partner_scope import make_case, refer

    court = partner.partner_agent.agency
    referred = make_case(tree.grassroots, facts="快递公司拖欠分拣工工资")
    refer(referred, court)
    other = make_case(tree.grassroots, facts="超市拒付加班费")
    client.force_login(partner)
    listed = client.get("/api/v1/mediation/cases/").json()["items"]
    assert [item["id"] for item in listed] == [referred.pk]
    detail = client.get(f"/api/v1/mediation/cases/{referred.pk}").json()
    assert detail["facts"] == "快递公司拖欠分拣工工资"
    assert client.get(f"/api/v1/mediation/cases/{other.pk}").status_code == 404
