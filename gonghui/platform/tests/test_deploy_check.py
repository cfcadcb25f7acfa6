"""Production settings pass Django's deployment checks (WEB-1), carry the production cookie
settings (WEB-2), and refuse an active superuser (AC-4 d, check ``gonghui.E001``)."""

from __future__ import annotations

import copy
import json
import secrets

import pytest
from django.core import checks
from django.test import override_settings

from config.env import new_pii_key
from gonghui.accounts.models import User
from gonghui.platform.security.checks import (
    check_content_security_policy,
    check_host_cookies,
    check_no_active_superuser,
)
from gonghui.platform.tests.test_settings import manage


def production_env(tmp_path, database_url: str) -> dict[str, str]:
    var = tmp_path / "var"
    var.mkdir(exist_ok=True)
    return {
        "GONGHUI_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GONGHUI_PII_KEYS": "k1:" + new_pii_key(),
        "GONGHUI_BLIND_INDEX_KEY": new_pii_key(),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "union.example.cn",
        "GONGHUI_VAR_DIR": str(var),
    }


# Port 9 (discard) on localhost: nothing listens, so any connection attempt would fail loudly.
UNREACHABLE_PG = "postgres://gonghui@127.0.0.1:9/gonghui"


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path):
    """``check --deploy`` does not open a database connection: a PostgreSQL URL that nothing
    answers is enough, as on a build machine."""
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **production_env(tmp_path, UNREACHABLE_PG)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_values(tmp_path):
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
        " for k in ['SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SESSION_COOKIE_SECURE',"
        " 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
        " 'CSRF_COOKIE_SAMESITE', 'SESSION_COOKIE_PATH', 'CSRF_COOKIE_PATH',"
        " 'SESSION_COOKIE_DOMAIN', 'CSRF_COOKIE_DOMAIN', 'LANGUAGE_COOKIE_NAME',"
        " 'LANGUAGE_COOKIE_SECURE', 'LANGUAGE_COOKIE_HTTPONLY', 'LANGUAGE_COOKIE_SAMESITE',"
        " 'LANGUAGE_COOKIE_PATH', 'LANGUAGE_COOKIE_DOMAIN', 'SECURE_HSTS_SECONDS',"
        " 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', 'DEBUG',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY',"
        " 'SECURE_CROSS_ORIGIN_OPENER_POLICY', 'X_FRAME_OPTIONS']}))"
    )
    result = manage("shell", "-v", "0", "-c", code, **production_env(tmp_path, UNREACHABLE_PG))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["LANGUAGE_COOKIE_NAME"].startswith("__Host-")
    for prefix in ("SESSION", "CSRF", "LANGUAGE"):
        assert values[f"{prefix}_COOKIE_SECURE"] is True, prefix
        assert values[f"{prefix}_COOKIE_SAMESITE"] == "Lax", prefix
        assert values[f"{prefix}_COOKIE_PATH"] == "/", prefix  # required by __Host-
        assert values[f"{prefix}_COOKIE_DOMAIN"] is None, prefix  # required by __Host-
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["DEBUG"] is False
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] in {"same-origin", "strict-origin-when-cross-origin"}
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_production_check_with_database_refuses_an_active_superuser(tmp_path):
    """End to end: ``migrate`` and ``check --deploy --database default`` fail in production
    while an active superuser exists, and pass once it is deactivated."""
    env = production_env(tmp_path, f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    migrate = manage("migrate", "-v", "0", **env)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    create = (
        "from gonghui.accounts.models import User;"
        " User.objects.create(username='root', is_superuser=True, is_active=True)"
    )
    assert manage("shell", "-v", "0", "-c", create, **env).returncode == 0

    result = manage("check", "--deploy", "--fail-level", "WARNING", "--database", "default", **env)
    assert result.returncode != 0
    assert "gonghui.E001" in result.stderr and "root" in result.stderr
    assert "docs/operations.md" in result.stderr and "break-glass" in result.stderr
    # A deploy runs migrate, which runs the database checks too.
    assert "gonghui.E001" in manage("migrate", "-v", "0", **env).stderr

    off = "from gonghui.accounts.models import User; User.objects.update(is_active=False)"
    assert manage("shell", "-v", "0", "-c", off, **env).returncode == 0
    # This production has entered this and next year's State Council holiday notices (else the
    # calendar's own database check says so: calendar.E001 / W001 in December).
    entered = (
        "from django.utils import timezone; from gonghui.platform.calendar.models import"
        " CalendarYear; y = timezone.localdate().year; [CalendarYear.objects.get_or_create("
        "year=n, defaults={'complete': True}) for n in (y, y + 1)]"
    )
    assert manage("shell", "-v", "0", "-c", entered, **env).returncode == 0
    result = manage("check", "--deploy", "--fail-level", "WARNING", "--database", "default", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_superuser_check_in_production_mode():
    root = User.objects.create(username="root", is_superuser=True, is_active=True)
    with override_settings(PRODUCTION=True):
        (error,) = check_no_active_superuser(databases=["default"])
        assert error.id == "gonghui.E001" and error.level == checks.ERROR
        assert "root" in error.msg
        assert "docs/operations.md" in error.hint
        # Without the database tag requested the check does not query anything.
        assert check_no_active_superuser(databases=None) == []
        root.is_active = False
        root.save(update_fields=["is_active"])
        assert check_no_active_superuser(databases=["default"]) == []
        root.is_active, root.is_superuser = True, False
        root.save(update_fields=["is_active", "is_superuser"])
        assert check_no_active_superuser(databases=["default"]) == []


@pytest.mark.django_db
def test_superuser_check_is_silent_in_demo_mode():
    User.objects.create(username="root", is_superuser=True, is_active=True)
    with override_settings(PRODUCTION=False):
        assert check_no_active_superuser(databases=["default"]) == []


def test_superuser_check_is_registered_as_a_database_check():
    registered = checks.registry.registry.get_checks(include_deployment_checks=True)
    assert check_no_active_superuser in registered
    assert "database" in check_no_active_superuser.tags


@pytest.mark.django_db
def test_demo_seed_creates_no_superuser():
    from gonghui.demo.seed import seed_demo

    seed_demo(members_per_union=1)
    assert User.objects.exists()
    assert not User.objects.filter(is_superuser=True).exists()


def test_csp_check_rejects_third_party_origins_and_missing_directives(settings):
    assert check_content_security_policy() == []
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["script-src"] = ["'self'", "https://cdn.example.com"]
    policy["DIRECTIVES"]["img-src"] = ["'self'", "*.example.com"]
    policy["DIRECTIVES"]["object-src"] = ["'self'"]
    settings.CONTENT_SECURITY_POLICY = policy
    messages = [e.msg for e in check_content_security_policy()]
    assert any("https://cdn.example.com" in m for m in messages)
    assert any("*.example.com" in m for m in messages)
    assert any("object-src" in m for m in messages)


def test_host_cookie_check(settings):
    settings.PRODUCTION = True
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "sessionid", "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    (warning,) = check_host_cookies()
    assert warning.id == "gonghui.W003" and "SESSION_COOKIE_NAME" in warning.msg
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    assert check_host_cookies() == []
    settings.PRODUCTION = False
    settings.SESSION_COOKIE_NAME = "sessionid"
    assert check_host_cookies() == []
