"""合作机构 in the console: a union's rights officer or administrator keeps its agencies and
makes (and deactivates) the accounts of their staff; other districts do not see them."""

from __future__ import annotations

import pytest

from gonghui.accounts.models import User
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import staff_with_role
from gonghui.rights.choices import PartnerKind
from gonghui.rights.models import PartnerAgency, PartnerAgent
from gonghui.rights.tests.test_partner_scope import PASSWORD, make_agency, partner_account

AGENCIES = "/console/rights/partneragency/"
ACCOUNTS = "/console/rights/partneragent/"

pytestmark = pytest.mark.chinese


@pytest.fixture(autouse=True)
def _password_only(settings):
    settings.GONGHUI_REQUIRE_2FA = False


@pytest.fixture
def officer(tree):
    return staff_with_role(tree.yubei, "rights_officer", username="yb_rights")


def test_the_list_shows_the_agencies_kept_in_the_users_subtree(client, tree, officer):
    make_agency(tree.yubei, "重庆市渝北区人民法院")
    make_agency(tree.jiangbei, "重庆市江北区人民法院")
    client.force_login(officer)
    page = client.get(AGENCIES).content.decode()
    assert "重庆市渝北区人民法院" in page
    assert "重庆市江北区人民法院" not in page
    assert "合作机构" in client.get("/console/").content.decode()  # the sidebar line


def test_an_officer_adds_corrects_and_takes_an_agency_out_of_use(client, tree, officer):
    client.force_login(officer)
    response = client.post(
        AGENCIES + "add/",
        {"name": "重庆市渝北区人民检察院", "kind": PartnerKind.PROCURATORATE, "org": tree.yubei.pk},
    )
    assert response.status_code == 302
    agency = PartnerAgency.objects.get(name="重庆市渝北区人民检察院")
    assert agency.org == tree.yubei and agency.active

    change = f"{AGENCIES}{agency.pk}/change/"
    data = {"name": "重庆市渝北区检察院", "kind": agency.kind, "address": "双龙大道"}
    data["active"] = "on"
    assert client.post(change, data).status_code == 302
    agency.refresh_from_db()
    assert (agency.name, agency.address) == ("重庆市渝北区检察院", "双龙大道")

    assert client.post(change, {**data, "active": ""}).status_code == 302
    agency.refresh_from_db()
    assert not agency.active
    assert list(
        AuditEvent.objects.filter(action__contains="partner_agency")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "rights.add_partner_agency",
        "rights.change_partner_agency",
        "rights.set_partner_agency_active",
    ]


def test_a_second_agency_of_the_same_name_is_refused_with_a_message(client, tree, officer):
    make_agency(tree.yubei, "重庆渝工律师事务所", PartnerKind.LAW_FIRM)
    client.force_login(officer)
    response = client.post(
        AGENCIES + "add/",
        {"name": "重庆渝工律师事务所", "kind": PartnerKind.LAW_FIRM, "org": tree.yubei.pk},
    )
    assert response.status_code == 200
    assert "已在名单中" in response.content.decode()
    assert PartnerAgency.objects.filter(name="重庆渝工律师事务所").count() == 1


def test_an_agency_of_another_district_cannot_be_opened_or_added(client, tree, officer):
    other = make_agency(tree.jiangbei, "重庆市江北区司法局", PartnerKind.JUSTICE)
    client.force_login(officer)
    assert client.get(f"{AGENCIES}{other.pk}/change/").status_code == 404
    response = client.post(
        AGENCIES + "add/", {"name": "某机构", "kind": PartnerKind.OTHER, "org": tree.jiangbei.pk}
    )
    assert response.status_code == 200  # the union is not offered: a form error
    assert not PartnerAgency.objects.filter(name="某机构").exists()


def test_an_account_is_made_on_the_agencys_page_and_deactivated(client, tree, officer):
    court = make_agency(tree.yubei, "重庆市渝北区人民法院")
    client.force_login(officer)
    page = client.get(f"{AGENCIES}{court.pk}/change/").content.decode()
    assert "暂无账号" in page
    add_link = f"{ACCOUNTS}add/?agency={court.pk}"
    assert add_link.replace("&", "&amp;") in page

    response = client.post(
        add_link,
        {
            "agency": court.pk,
            "username": "yb_court_clerk",
            "display_name": "法院立案庭联络员",
            "phone": "13912345678",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="yb_court_clerk")
    assert user.kind == "partner" and user.phone == "13912345678"
    assert user.partner_agent.agency == court
    grant = RoleGrant.objects.active().get(user=user)
    assert (grant.role, grant.org_id, grant.include_descendants) == (
        "partner_agent",
        tree.city.pk,
        False,
    )
    event = AuditEvent.objects.get(action="rights.create_partner_account")
    assert "13912345678" not in str(event.details)

    page = client.get(f"{AGENCIES}{court.pk}/change/").content.decode()
    assert "yb_court_clerk" in page and "139****5678" in page and "13912345678" not in page

    agent = user.partner_agent
    response = client.post(f"{ACCOUNTS}{agent.pk}/change/", {"active": ""})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert not RoleGrant.objects.active().filter(user=user).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "taken_name", "已被占用"),
        ("phone", "1234", "手机号"),
        ("password", "123", "密码"),
    ],
)
def test_a_bad_account_is_refused_and_nothing_is_written(
    client, tree, officer, field, value, message
):
    court = make_agency(tree.yubei)
    staff_with_role(tree.yubei, "org_admin", username="taken_name")
    client.force_login(officer)
    data = {
        "agency": court.pk,
        "username": "new_clerk",
        "display_name": "联络员",
        "phone": "13912345678",
        "password": PASSWORD,
        field: value,
    }
    users, grants = User.objects.count(), RoleGrant.objects.count()
    response = client.post(f"{ACCOUNTS}add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (User.objects.count(), RoleGrant.objects.count()) == (users, grants)
    assert not PartnerAgent.objects.exists()


def test_another_district_cannot_make_or_see_the_accounts(client, tree, officer):
    court = make_agency(tree.yubei)
    partner = partner_account(officer, court)
    jiangbei = staff_with_role(tree.jiangbei, "rights_officer", username="jb_rights")
    client.force_login(jiangbei)
    assert client.get(f"{ACCOUNTS}{partner.partner_agent.pk}/change/").status_code == 404
    response = client.post(
        f"{ACCOUNTS}add/",
        {
            "agency": court.pk,
            "username": "sneaky",
            "display_name": "某人",
            "phone": "13912345670",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="sneaky").exists()


def test_staff_without_a_rights_role_do_not_reach_the_pages(client, tree):
    assistance = staff_with_role(tree.yubei, "assistance_officer", username="yb_assist")
    client.force_login(assistance)
    assert client.get(AGENCIES).status_code == 403
    assert client.get(f"{ACCOUNTS}add/").status_code == 403
