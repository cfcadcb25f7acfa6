"""AUTH-2: password policy profiles, history and expiry."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gonghui.accounts import actions
from gonghui.accounts.models import PasswordHistory, User
from gonghui.accounts.passwords import password_expired
from gonghui.demo.seed import DEMO_PASSWORD
from gonghui.orgs.bootstrap import ensure_officer
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import (
    TEST_PASSWORD,
    MemberFactory,
    UserFactory,
    grant,
    staff_with_role,
)
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db

PASSPHRASE_64 = "Correct horse battery staple, the union portal of 2026 is here!!"


def _codes(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1!xyz", "password_too_short"),  # 7 characters
        ("p@ssw0rd", "password_too_common"),  # 3 classes, 8 characters, but on the common list
        ("123456789012", "password_entirely_numeric"),
        ("123456789012", "password_too_simple"),
        ("abcdefghijkl", "password_too_simple"),  # one class
        ("abcdefgh1234", "password_too_simple"),  # two classes
        ("x" * 129 + "A1!", "password_too_long"),
    ],
)
def test_dengbao_profile_rejects(password, code):
    assert code in _codes(password)


def test_password_similar_to_the_username_is_rejected():
    user = User(username="zhangwei2026", display_name="张伟", kind="staff")
    assert "password_too_similar" in _codes("Zhangwei2026!", user)


@pytest.mark.parametrize(
    "password", [DEMO_PASSWORD, TEST_PASSWORD, "Gong-hui9", "gonghui 2026 ok", PASSPHRASE_64]
)
def test_dengbao_profile_accepts(password):
    assert len(PASSPHRASE_64) == 64
    assert _codes(password) == set()


@pytest.mark.parametrize("role", ["org_admin", "system_admin", "security_admin", "audit_admin"])
def test_admin_and_officer_roles_need_12_characters(tree, role):
    user = staff_with_role(tree.yubei, role)
    assert "password_too_short" in _codes("Gong-hui9-x", user)  # 11
    assert _codes("Gong-hui9-xy", user) == set()  # 12
    # the same 11 characters are fine for a non-admin role
    clerk = staff_with_role(tree.yubei, "membership_officer")
    assert _codes("Gong-hui9-x", clerk) == set()


def test_asvs_profile_has_no_composition_rule(settings):
    assert "password_too_simple" in _codes("quietriverstone")
    settings.GONGHUI_PASSWORD_PROFILE = "asvs"
    assert _codes("quietriverstone") == set()
    assert "password_too_short" in _codes("quietri")
    assert "password_too_common" in _codes("p@ssw0rd")


def test_last_five_passwords_cannot_be_reused(tree):
    sysadmin = staff_with_role(tree.city, "system_admin")
    user = UserFactory()  # password TEST_PASSWORD, history 1
    used = [TEST_PASSWORD] + [f"Rotate-{i}-pass" for i in range(1, 5)]
    for pw in used[1:]:
        actions.set_password(actor=sysadmin, user=user, password=pw)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for pw in used:
        with pytest.raises(ActionError, match="used this password recently"):
            actions.set_password(actor=sysadmin, user=user, password=pw)
    actions.set_password(actor=sysadmin, user=user, password="Rotate-5-pass")
    # TEST_PASSWORD is now the sixth most recent: allowed again; history stays bounded.
    actions.set_password(actor=sysadmin, user=user, password=TEST_PASSWORD)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_history_stores_hashes_only():
    user = UserFactory()
    entry = PasswordHistory.objects.get(user=user)
    assert TEST_PASSWORD not in entry.password
    assert entry.password == user.password


def test_password_changed_at_is_set_on_every_new_password_not_on_rehash(settings):
    user = UserFactory()
    first = user.password_changed_at
    assert first is not None and timezone.now() - first < timedelta(minutes=1)
    User.objects.filter(pk=user.pk).update(password_changed_at=first - timedelta(days=30))
    # A hasher upgrade at login rewrites the hash but is not a password change.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = User.objects.get(pk=user.pk)
    assert user.check_password(TEST_PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert user.password_changed_at == first - timedelta(days=30)
    assert PasswordHistory.objects.filter(user=user).count() == 1


def test_members_have_no_password_and_never_expire():
    member = MemberFactory()
    member.set_unusable_password()
    member.save()
    member.refresh_from_db()
    # The factory's password no longer opens the account: members log in by SMS code only.
    assert not member.has_usable_password()
    assert not member.check_password(TEST_PASSWORD)
    assert not password_expired(member, now=timezone.now() + timedelta(days=400))
    created = User.objects.create_member(phone="13912345678")
    assert created.password_changed_at is None
    assert not PasswordHistory.objects.filter(user=created).exists()


# --- expiry ---------------------------------------------------------------------------------


def _age_password(user, days):
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=days)
    )


def test_expiry_applies_to_admin_and_officer_roles_only(tree, settings):
    admin = tree.yubei_admin
    clerk = staff_with_role(tree.yubei, "membership_officer")
    officer = staff_with_role(tree.city, "audit_admin")
    for user in (admin, clerk, officer):
        _age_password(user, 91)
        user.refresh_from_db()
    assert password_expired(admin)
    assert password_expired(officer)
    assert not password_expired(clerk)
    _age_password(admin, 89)
    admin.refresh_from_db()
    assert not password_expired(admin)
    settings.GONGHUI_PASSWORD_PROFILE = "asvs"
    assert not password_expired(officer)


def test_expired_password_forces_a_change_at_the_next_console_request(client, tree):
    admin = tree.yubei_admin
    client.force_login(admin)
    assert client.get("/console/").status_code == 200
    # The password was set 91 days ago (moving the clock instead would also expire the
    # 12-hour session itself).
    _age_password(admin, 91)
    later = timezone.now() + timedelta(seconds=5)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.get("/console/orgs/org/")
        assert response.status_code == 302
        assert response["Location"] == "/console/password_change/"
        page = client.get("/console/password_change/")
        assert page.status_code == 200
        assert b"has expired" in page.content
        # the history refuses the current password
        refused = client.post(
            "/console/password_change/",
            {
                "old_password": TEST_PASSWORD,
                "new_password1": TEST_PASSWORD,
                "new_password2": TEST_PASSWORD,
            },
        )
        assert refused.status_code == 200
        assert b"used this password recently" in refused.content
        done = client.post(
            "/console/password_change/",
            {
                "old_password": TEST_PASSWORD,
                "new_password1": "Fresh-pass-2027",
                "new_password2": "Fresh-pass-2027",
            },
        )
        assert done.status_code == 302
        assert done["Location"] == "/console/password_change/done/"
        # the same session carries on (update_session_auth_hash) and is no longer redirected
        assert client.get("/console/orgs/org/").status_code == 200
    admin.refresh_from_db()
    assert admin.check_password("Fresh-pass-2027")
    assert admin.password_changed_at == later
    assert PasswordHistory.objects.filter(user=admin).count() == 2
    event = AuditEvent.objects.get(action="accounts.change_own_password")
    assert event.actor_id == admin.pk
    assert "Fresh-pass-2027" not in str(event.details)


def test_password_change_needs_the_current_password(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.post(
        "/console/password_change/",
        {
            "old_password": "not-my-password",
            "new_password1": "Fresh-pass-2027",
            "new_password2": "Fresh-pass-2027",
        },
    )
    assert response.status_code == 200
    tree.yubei_admin.refresh_from_db()
    assert tree.yubei_admin.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action="accounts.change_own_password").exists()


def test_a_password_below_the_policy_forces_a_change_after_login(client, tree):
    """Made an administrator after setting a 10-character password: the next login still
    works, and the console asks for a new password first."""
    user = UserFactory(username="promoted")
    user.set_password("Short-p4ss")
    user.save()
    grant(user, tree.yubei, "org_admin")
    response = client.post("/console/login/", {"username": "promoted", "password": "Short-p4ss"})
    assert response.status_code == 302
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"] == "/console/password_change/"


def test_demo_accounts_are_valid_and_not_expired(tree):
    officer = ensure_officer(
        username="demo_sec", role="security_admin", password=DEMO_PASSWORD, display_name="安全"
    )
    sysadmin = ensure_officer(username="demo_sys", role="system_admin", password=DEMO_PASSWORD)
    admin = actions.create_user(
        actor=sysadmin, username="demo_city", display_name="市总", password=DEMO_PASSWORD
    )
    grant(admin, tree.city, "org_admin")
    for user in (officer, sysadmin, admin):
        user.refresh_from_db()
        validate_password(DEMO_PASSWORD, User(username=user.username, kind="staff"))
        assert user.password_changed_at is not None
        assert not password_expired(user)
        assert user.check_password(DEMO_PASSWORD)


def test_member_cannot_use_the_own_password_change_action():
    member = MemberFactory()
    with pytest.raises((ActionError, PermissionDenied)):
        actions.change_own_password(actor=member, password="Fresh-pass-2027")
