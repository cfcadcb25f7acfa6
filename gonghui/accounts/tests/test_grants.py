"""Role grants (三员分立), account management and what officers may (not) see."""

import time

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from gonghui.accounts import actions as account_actions
from gonghui.accounts.models import User
from gonghui.orgs.models import Employer, Org
from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.access.actions import grant_role, revoke_grant
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import (
    TEST_PASSWORD,
    MemberFactory,
    UserFactory,
    staff_with_role,
)
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def secadmin(tree):
    return staff_with_role(tree.city, "security_admin", username="secadmin")


@pytest.fixture
def sysadmin(tree):
    return staff_with_role(tree.city, "system_admin", username="sysadmin")


@pytest.fixture
def auditadmin(tree):
    return staff_with_role(tree.city, "audit_admin", username="auditadmin")


def _code(excinfo) -> str:
    return excinfo.value.code


# --- who may grant ---------------------------------------------------------------------------


def test_security_admin_grants_a_role(tree, secadmin):
    user = UserFactory()
    g = grant_role(actor=secadmin, user=user, org=tree.yubei, role="viewer")
    assert g.granted_by == secadmin
    assert g.is_active
    assert set(restrict(Org, user).values_list("pk", flat=True)) == {
        tree.yubei.pk,
        tree.township.pk,
        tree.grassroots.pk,
    }
    event = AuditEvent.objects.get(action="access.grant_role")
    assert event.actor == secadmin
    assert event.details["role"] == "viewer"


@pytest.mark.parametrize("who", ["city_admin", "sysadmin", "auditadmin", "nogrant"])
def test_only_a_security_admin_can_grant(tree, sysadmin, auditadmin, who):
    actor = {
        "city_admin": tree.city_admin,
        "sysadmin": sysadmin,
        "auditadmin": auditadmin,
        "nogrant": UserFactory(),
    }[who]
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        grant_role(actor=actor, user=user, org=tree.yubei, role="org_admin")
    assert not RoleGrant.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="access.grant_role").exists()


def test_only_a_security_admin_can_revoke(tree, secadmin):
    g = RoleGrant.objects.get(user=tree.yubei_admin)
    with pytest.raises(PermissionDenied):
        revoke_grant(actor=tree.city_admin, grant=g)
    g.refresh_from_db()
    assert g.is_active


# --- 三员 exclusivity and other guards -------------------------------------------------------


def test_officer_roles_are_mutually_exclusive(tree, secadmin):
    other = staff_with_role(tree.city, "security_admin")
    with pytest.raises(ActionError) as excinfo:
        grant_role(actor=secadmin, user=other, org=tree.city, role="system_admin")
    assert _code(excinfo) == "officer_exclusive"
    assert set(RoleGrant.objects.filter(user=other).values_list("role", flat=True)) == {
        "security_admin"
    }


def test_officer_cannot_get_a_business_role(tree, secadmin, auditadmin):
    with pytest.raises(ActionError) as excinfo:
        grant_role(actor=secadmin, user=auditadmin, org=tree.yubei, role="org_admin")
    assert _code(excinfo) == "officer_exclusive"


def test_business_user_cannot_become_an_officer(tree, secadmin):
    with pytest.raises(ActionError) as excinfo:
        grant_role(actor=secadmin, user=tree.yubei_admin, org=tree.city, role="audit_admin")
    assert _code(excinfo) == "officer_exclusive"
    assert not RoleGrant.objects.filter(user=tree.yubei_admin, role="audit_admin").exists()


def test_same_officer_role_may_be_granted_again(tree, secadmin):
    other = staff_with_role(tree.city, "audit_admin")
    grant_role(actor=secadmin, user=other, org=tree.yubei, role="audit_admin")
    assert RoleGrant.objects.filter(user=other, role="audit_admin").count() == 2


def test_members_cannot_hold_roles(tree, secadmin):
    member = MemberFactory()
    with pytest.raises(ActionError) as excinfo:
        grant_role(actor=secadmin, user=member, org=tree.yubei, role="viewer")
    assert _code(excinfo) == "member_role"
    assert not RoleGrant.objects.filter(user=member).exists()


def test_self_grant_is_refused(tree, secadmin):
    with pytest.raises(ActionError) as excinfo:
        grant_role(actor=secadmin, user=secadmin, org=tree.city, role="security_admin")
    assert _code(excinfo) == "self_grant"


def test_unknown_role_is_refused(tree, secadmin):
    with pytest.raises(ActionError) as excinfo:
        grant_role(actor=secadmin, user=UserFactory(), org=tree.yubei, role="emperor")
    assert _code(excinfo) == "unknown_role"


def test_revoking_twice_is_refused(tree, secadmin):
    g = RoleGrant.objects.get(user=tree.yubei_admin)
    revoke_grant(actor=secadmin, grant=g)
    with pytest.raises(ActionError) as excinfo:
        revoke_grant(actor=secadmin, grant=g)
    assert _code(excinfo) == "already_ended"


# --- grants take effect on the next request --------------------------------------------------


def test_grant_and_revoke_take_effect_on_the_next_request(client, tree, secadmin):
    user = UserFactory()
    client.force_login(user)
    url = f"/api/v1/orgs/{tree.township.pk}"
    assert client.get(url).status_code == 404
    g = grant_role(actor=secadmin, user=user, org=tree.yubei, role="viewer")
    assert client.get(url).status_code == 200
    revoke_grant(actor=secadmin, grant=g)
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_revoking_a_district_admin_ends_their_access(client, tree, secadmin):
    client.force_login(tree.yubei_admin)
    url = f"/api/v1/orgs/{tree.yubei.pk}"
    assert client.get(url).status_code == 200
    revoke_grant(actor=secadmin, grant=RoleGrant.objects.get(user=tree.yubei_admin))
    assert client.get(url).status_code == 404
    response = client.get(reverse("console:orgs_org_changelist"))
    # without any active grant the console treats them as not logged in to it
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")


# --- account management ----------------------------------------------------------------------


def test_deactivated_user_is_logged_out_on_the_next_request(client, tree, sysadmin):
    client.force_login(tree.yubei_admin)
    assert client.get("/console/").status_code == 200
    account_actions.set_user_active(actor=sysadmin, user=tree.yubei_admin, active=False)
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 401
    assert AuditEvent.objects.filter(action="accounts.set_user_active").exists()


def test_only_system_admin_manages_accounts(tree, secadmin):
    for actor in (secadmin, tree.city_admin):
        with pytest.raises(PermissionDenied):
            account_actions.set_user_active(actor=actor, user=tree.yubei_admin, active=False)
        with pytest.raises(PermissionDenied):
            account_actions.create_user(
                actor=actor, username="new", display_name="新", password=TEST_PASSWORD
            )
    tree.yubei_admin.refresh_from_db()
    assert tree.yubei_admin.is_active


def test_system_admin_cannot_deactivate_themselves(tree, sysadmin):
    with pytest.raises(ActionError) as excinfo:
        account_actions.set_user_active(actor=sysadmin, user=sysadmin, active=False)
    assert _code(excinfo) == "self"


def test_create_user_makes_a_staff_account_without_roles(client, tree, sysadmin):
    user = account_actions.create_user(
        actor=sysadmin, username="newstaff", display_name="新员工", password="Xq7-long-pass-2026"
    )
    assert user.kind == "staff"
    assert user.check_password("Xq7-long-pass-2026")
    assert not RoleGrant.objects.filter(user=user).exists()
    assert not restrict(Org, user).exists()
    assert AuditEvent.objects.filter(action="accounts.create_user").exists()
    assert "Xq7-long-pass-2026" not in str(
        AuditEvent.objects.filter(action="accounts.create_user").values()
    )


@pytest.mark.parametrize("password", ["short", "12345678901", "password123"])
def test_create_user_validates_the_password(tree, sysadmin, password):
    with pytest.raises(ActionError) as excinfo:
        account_actions.create_user(
            actor=sysadmin, username="weak", display_name="弱", password=password
        )
    assert _code(excinfo) == "password"
    assert not User.objects.filter(username="weak").exists()


def test_create_user_refuses_duplicate_usernames(tree, sysadmin):
    for name in ("yubei_admin", "YUBEI_ADMIN", ""):
        with pytest.raises(ActionError) as excinfo:
            account_actions.create_user(
                actor=sysadmin, username=name, display_name="重", password="Xq7-long-pass-2026"
            )
        assert _code(excinfo) == "username"
    assert User.objects.filter(username__iexact="yubei_admin").count() == 1


def test_create_user_cannot_make_members(tree, sysadmin):
    with pytest.raises(ActionError) as excinfo:
        account_actions.create_user(
            actor=sysadmin,
            username="m1",
            display_name="会员",
            password="Xq7-long-pass-2026",
            kind="member",
        )
    assert _code(excinfo) == "invalid_kind"


# --- officers see no business data ----------------------------------------------------------


def test_system_and_audit_admins_see_no_business_data(tree, sysadmin, auditadmin):
    EmployerFactory(org=tree.grassroots)
    for officer in (sysadmin, auditadmin):
        for action in ("view", "change", "add"):
            assert not restrict(Org, officer, action).exists()
        assert not restrict(Employer, officer).exists()
        assert not restrict(Org, officer, "orgs.pick_org").exists()


def test_security_admin_can_only_pick_orgs(client, tree, secadmin):
    EmployerFactory(org=tree.grassroots)
    assert restrict(Org, secadmin, "orgs.pick_org").count() == Org.objects.count()
    for action in ("view", "change", "add"):
        assert not restrict(Org, secadmin, action).exists()
    assert not restrict(Employer, secadmin).exists()
    client.force_login(secadmin)
    response = client.get(f"/api/v1/orgs/{tree.yubei.pk}")
    assert response.status_code == 404
    assert client.get("/api/v1/orgs/").json()["count"] == 0
    assert client.get(reverse("console:orgs_org_changelist")).status_code == 403


@pytest.mark.parametrize("who", ["sysadmin", "auditadmin"])
def test_other_officers_get_nothing_from_the_org_api(client, tree, sysadmin, auditadmin, who):
    client.force_login({"sysadmin": sysadmin, "auditadmin": auditadmin}[who])
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 404
    assert client.get("/api/v1/orgs/").json()["count"] == 0


def test_audit_log_page_is_for_the_audit_admin(client, tree, auditadmin, secadmin):
    url = "/console/audit/auditevent/"
    client.force_login(auditadmin)
    assert client.get(url).status_code == 200
    for user in (tree.yubei_admin, tree.city_admin, secadmin):
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username


def test_grant_page_is_for_the_security_admin(client, tree, secadmin, auditadmin):
    url = "/console/access/rolegrant/"
    client.force_login(secadmin)
    response = client.get(url)
    assert response.status_code == 200
    assert str(tree.yubei_admin) in response.content.decode()
    for user in (tree.yubei_admin, tree.city_admin, auditadmin):
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username


def _grant_form(user, org, role):
    return {
        "user": user.pk,
        "org": org.pk,
        "role": role,
        "include_descendants": "on",
        "valid_from_0": "2020-01-01",
        "valid_from_1": "00:00:00",
        "valid_to_0": "",
        "valid_to_1": "",
        "_save": "Save",
    }


def test_grant_through_the_console_uses_the_action(client, tree, secadmin):
    user = UserFactory(username="console_granted")
    client.force_login(secadmin)
    response = client.post(
        reverse("console:access_rolegrant_add"), _grant_form(user, tree.yubei, "viewer")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    g = RoleGrant.objects.get(user=user)
    assert g.granted_by == secadmin
    assert g.role == "viewer"
    assert AuditEvent.objects.filter(action="access.grant_role", actor=secadmin).exists()


def test_grant_of_officer_role_to_business_user_is_refused_in_console(client, tree, secadmin):
    client.force_login(secadmin)
    response = client.post(
        reverse("console:access_rolegrant_add"),
        _grant_form(tree.yubei_admin, tree.city, "system_admin"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not RoleGrant.objects.filter(user=tree.yubei_admin, role="system_admin").exists()


# --- staff idle timeout ----------------------------------------------------------------------


def test_idle_staff_session_is_logged_out(client, tree, settings):
    settings.GONGHUI_STAFF_IDLE_SECONDS = 1
    client.force_login(tree.yubei_admin)
    assert client.get("/console/").status_code == 200
    session = client.session
    session["_gonghui_last_seen"] = int(time.time()) - 3600
    session.save()
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")
    assert AuditEvent.objects.filter(action="auth.session_expired", actor=tree.yubei_admin).exists()
    assert client.get(f"/api/v1/orgs/{tree.yubei.pk}").status_code == 401


def test_active_staff_session_stays(client, tree, settings):
    settings.GONGHUI_STAFF_IDLE_SECONDS = 3600
    client.force_login(tree.yubei_admin)
    assert client.get("/console/").status_code == 200
    session = client.session
    session["_gonghui_last_seen"] = int(time.time()) - 60
    session.save()
    assert client.get("/console/").status_code == 200
    assert not AuditEvent.objects.filter(action="auth.session_expired").exists()


def test_member_sessions_have_no_staff_idle_timeout(client, tree, settings):
    settings.GONGHUI_STAFF_IDLE_SECONDS = 1
    member = MemberFactory()
    client.force_login(member)
    session = client.session
    session["_gonghui_last_seen"] = int(time.time()) - 3600
    session.save()
    assert client.get("/m/").status_code == 200
