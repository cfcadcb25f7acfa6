"""Typed, fail-fast helpers for reading configuration from the environment.

Every setting that differs between a demo laptop and production is read here, so that
``config/settings.py`` stays one declarative module. Secrets may also be given as
``NAME_FILE`` (a path), which is how container secrets and systemd credentials arrive.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


class MissingSetting(ImproperlyConfigured):
    """A required setting is missing in production mode."""


def env_str(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_json(name: str, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be JSON, got {value!r}") from exc


def require(name: str, value: str | None, hint: str) -> str:
    if not value:
        raise MissingSetting(f"gonghui: {name} is required when GONGHUI_ENV=production. {hint}")
    return value


def new_pii_key() -> str:
    """A fresh 256-bit key for AES-256-GCM, base64 encoded."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def load_or_create_demo_secrets(path: Path) -> dict[str, str]:
    """Demo mode only: generate secrets once into ``var/`` (mode 0600) and reuse them.

    A demo database encrypted with a key that changes on every start would be unreadable,
    so the keys must persist; they must never be committed, so they live under ``var/``.
    """
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GONGHUI_PII_KEYS": f"k1:{new_pii_key()}",
        "GONGHUI_BLIND_INDEX_KEY": new_pii_key(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return data
