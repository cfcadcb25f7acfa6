"""Model fields for personal information: encrypted text and its keyed blind index."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models

from gonghui.platform.pii import crypto
from gonghui.platform.pii.normalise import normalise


class EncryptedTextField(models.TextField):
    """Text stored as AES-256-GCM ciphertext; the Python value is the plaintext.

    Only ``isnull`` can be queried: every other lookup would silently compare against a
    fresh ciphertext and never match. Exact lookups go through a :class:`BlindIndexField`.
    ``kind`` names the PI category (``phone``, ``id_number``, ``bank_card``, ``health`` ...)
    and decides the masking in lists and detail views.
    """

    description = "Encrypted text (AES-256-GCM)"

    def __init__(self, *args, kind: str = "text", **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def value_to_string(self, obj):
        # Serialisers (dumpdata) write ciphertext, never the plaintext.
        value = self.value_from_object(obj)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def to_python(self, value):
        # Deserialisers (loaddata) read what value_to_string wrote: decrypt it, so that saving
        # encrypts it once, not twice. A value that looks encrypted but cannot be decrypted
        # fails loudly rather than being stored as if it were the plaintext.
        value = super().to_python(value)
        if isinstance(value, str) and crypto.key_id_of(value) is not None:
            try:
                return crypto.decrypt(value)
            except crypto.DecryptionError as exc:
                raise ValidationError(
                    "Encrypted value cannot be decrypted with the configured PII keys.",
                    code="undecryptable",
                ) from exc
        return value

    def clean(self, value, model_instance):
        # full_clean() and model forms pass user input, which is plaintext: never decrypt it
        # (to_python would), or pasting a stolen ciphertext would reveal its plaintext.
        value = models.TextField.to_python(self, value)
        self.validate(value, model_instance)
        self.run_validators(value)
        return value

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, name):
        return None


class BlindIndexField(models.CharField):
    """HMAC-SHA256 of the normalised value of ``source``, kept in step on every save.

    ``QuerySet.update()`` and ``bulk_update()`` bypass ``pre_save``; write paths that change
    the source field with them must set the index themselves (use :func:`index_for`).
    """

    def __init__(self, *args, source: str, kind: str, **kwargs):
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        for key in ("max_length", "editable", "null", "blank"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def db_type(self, connection):
        # The same column type, spelled so that PostgreSQL's schema editor does not add a
        # second ``varchar_pattern_ops`` index (``…_like``) beside the field's own index: it
        # adds one for every indexed column whose type starts with "varchar". A blind index is
        # only ever compared whole (``=``, ``IN``), never by prefix, so that index only
        # slowed every insert down (ADR 0014).
        if connection.vendor == "postgresql":
            return f"character varying({self.max_length})"
        return super().db_type(connection)

    def pre_save(self, model_instance, add):
        raw = getattr(model_instance, self.source)
        value = index_for(self.kind, raw) if raw not in (None, "") else None
        setattr(model_instance, self.attname, value)
        return value

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        try:
            self.model._meta.get_field(self.source)
        except Exception:
            errors.append(
                checks.Error(
                    f"BlindIndexField source {self.source!r} not found", obj=self, id="pii.E001"
                )
            )
        return errors


def index_for(kind: str, value: str) -> str:
    """The blind index of ``value`` as it would be stored, for lookups."""
    return crypto.blind_index(kind, normalise(kind, value))
