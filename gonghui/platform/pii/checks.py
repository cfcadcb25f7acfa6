"""``pii.E002``: every file field stores through :class:`SealedFileSystemStorage`.

A new ``FileField`` (or a ``STORAGES["default"]`` pointing elsewhere) would write personal
documents in plaintext; this check fails ``manage.py check`` and ``migrate`` when one does.
"""

from __future__ import annotations

from django.apps import apps
from django.core.checks import Error, Tags, register
from django.db import models

from gonghui.platform.pii.files import SealedFileSystemStorage


def unsealed_file_fields() -> list[str]:
    """``app.Model.field`` of every file field whose storage does not seal."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and not isinstance(
                field.storage, SealedFileSystemStorage
            ):
                found.append(f"{model._meta.label}.{field.name}")
    return found


@register(Tags.security)
def check_file_fields_sealed(app_configs=None, **kwargs):
    return [
        Error(
            f"{label} does not store its files through SealedFileSystemStorage.",
            hint="Leave the field's storage unset (STORAGES['default'] seals) or pass "
            "gonghui.platform.pii.files.SealedFileSystemStorage.",
            id="pii.E002",
        )
        for label in unsealed_file_fields()
    ]
