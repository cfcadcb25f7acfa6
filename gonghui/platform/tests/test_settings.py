"""Settings driven by GONGHUI_ENV: production refuses to start without its secrets and passes
Django's deployment checks; demo mode generates its secrets once, privately."""

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from config.env import load_or_create_demo_secrets, new_pii_key
from gonghui.platform.pii.crypto import parse_key_ring

BASE_DIR = Path(__file__).resolve().parents[3]
MANAGED = (
    "GONGHUI_ENV",
    "SECRET_KEY",
    "GONGHUI_PII_KEYS",
    "GONGHUI_BLIND_INDEX_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "GONGHUI_VAR_DIR",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DEBUG",
    "REDIS_URL",
    "SMS_BACKEND",
)


def clean_env(**overrides) -> dict:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in MANAGED and not any(k == f"{name}_FILE" for name in MANAGED)
    }
    environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    environ.update(overrides)
    return environ


def manage(*args, **env_vars) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean_env(**env_vars),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def production_env(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    return {
        "GONGHUI_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "GONGHUI_PII_KEYS": "k1:" + new_pii_key(),
        "GONGHUI_BLIND_INDEX_KEY": new_pii_key(),
        "DATABASE_URL": f"sqlite:////{(tmp_path / 'prod.sqlite3').as_posix().lstrip('/')}",
        "ALLOWED_HOSTS": "union.example.cn",
        "GONGHUI_VAR_DIR": str(var),
    }


def test_production_without_secret_key_refuses_to_start(production_env):
    production_env.pop("SECRET_KEY")
    result = manage("check", **production_env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "GONGHUI_ENV=production" in result.stderr


@pytest.mark.parametrize(
    "missing", ["GONGHUI_PII_KEYS", "GONGHUI_BLIND_INDEX_KEY", "DATABASE_URL", "ALLOWED_HOSTS"]
)
def test_production_without_other_required_settings_refuses_to_start(production_env, missing):
    production_env.pop(missing)
    result = manage("check", **production_env)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


def test_production_with_empty_secret_key_refuses_to_start(production_env):
    result = manage("check", **{**production_env, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_deploy_checks(production_env):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # Production never falls back to demo secrets.
    assert not (Path(production_env["GONGHUI_VAR_DIR"]) / "demo-secrets.json").exists()


def test_production_reads_secrets_from_files(production_env, tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(production_env.pop("SECRET_KEY") + "\n", encoding="utf-8")
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY_FILE=str(secret_file),
        **production_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("value", ["staging", "prod", "DEV"])
def test_unknown_environment_refuses_to_start(tmp_path, value):
    result = manage("check", GONGHUI_ENV=value, GONGHUI_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "GONGHUI_ENV must be 'demo' or 'production'" in result.stderr
    assert repr(value.lower()) in result.stderr


def test_demo_mode_starts_without_configuration(tmp_path):
    var = tmp_path / "var"
    result = manage("check", GONGHUI_VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    secrets_file = var / "demo-secrets.json"
    assert secrets_file.exists()
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    first = secrets_file.read_text(encoding="utf-8")
    assert manage("check", GONGHUI_VAR_DIR=str(var)).returncode == 0
    assert secrets_file.read_text(encoding="utf-8") == first


def test_demo_mode_is_not_debug_by_default(tmp_path):
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.DEMO_MODE)",
        GONGHUI_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


# --- config.env helpers -----------------------------------------------------------------------


def test_demo_secrets_created_private_and_reused(tmp_path):
    path = tmp_path / "nested" / "demo-secrets.json"
    first = load_or_create_demo_secrets(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(first) == {"SECRET_KEY", "GONGHUI_PII_KEYS", "GONGHUI_BLIND_INDEX_KEY"}
    assert len(first["SECRET_KEY"]) >= 50
    ring = parse_key_ring(first["GONGHUI_PII_KEYS"])
    assert ring.primary_id == "k1" and len(ring.keys["k1"]) == 32
    assert json.loads(path.read_text(encoding="utf-8")) == first
    second = load_or_create_demo_secrets(path)
    assert second == first
    other = load_or_create_demo_secrets(tmp_path / "other" / "demo-secrets.json")
    assert other["SECRET_KEY"] != first["SECRET_KEY"]
    assert other["GONGHUI_PII_KEYS"] != first["GONGHUI_PII_KEYS"]


def test_env_helpers(monkeypatch, tmp_path):
    monkeypatch.setenv("GH_TEST_BOOL", "yes")
    assert env.env_bool("GH_TEST_BOOL") is True
    monkeypatch.setenv("GH_TEST_BOOL", "0")
    assert env.env_bool("GH_TEST_BOOL", True) is False
    monkeypatch.delenv("GH_TEST_BOOL")
    assert env.env_bool("GH_TEST_BOOL", True) is True

    monkeypatch.setenv("GH_TEST_INT", " ")
    assert env.env_int("GH_TEST_INT", 7) == 7
    monkeypatch.setenv("GH_TEST_INT", "12")
    assert env.env_int("GH_TEST_INT", 7) == 12
    monkeypatch.setenv("GH_TEST_INT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="GH_TEST_INT"):
        env.env_int("GH_TEST_INT", 7)

    monkeypatch.setenv("GH_TEST_LIST", " a.example.cn, ,b.example.cn ")
    assert env.env_list("GH_TEST_LIST") == ["a.example.cn", "b.example.cn"]
    assert env.env_list("GH_TEST_NO_LIST", ["x"]) == ["x"]

    secret = tmp_path / "secret"
    secret.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("GH_TEST_SECRET", "from-env")
    monkeypatch.setenv("GH_TEST_SECRET_FILE", str(secret))
    assert env.env_str("GH_TEST_SECRET") == "from-file"

    with pytest.raises(ImproperlyConfigured, match="GH_TEST_REQUIRED is required"):
        env.require("GH_TEST_REQUIRED", "", "hint")
    assert env.require("GH_TEST_REQUIRED", "v", "hint") == "v"
