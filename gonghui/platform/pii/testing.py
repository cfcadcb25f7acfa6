"""Test helpers for sealed private files."""

from __future__ import annotations

from pathlib import Path

SEALED_BACKEND = "gonghui.platform.pii.files.SealedFileSystemStorage"


def use_private_root(settings, location: Path) -> Path:
    """Point the default (sealing) storage at ``location`` for one test, never var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": SEALED_BACKEND, "OPTIONS": {"location": str(location)}},
    }
    return location
