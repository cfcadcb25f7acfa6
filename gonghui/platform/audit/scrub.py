"""Last line of defence: mask anything in audit details that looks like an ID or a phone."""

from __future__ import annotations

import re
from decimal import Decimal

from gonghui.platform.pii.masking import mask_id_list, mask_phone

_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub_text(value: str) -> str:
    value = _ID.sub(lambda m: mask_id_list(m.group(0)), value)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), value)


def scrub(value):
    """Return a JSON-safe copy of ``value`` with ID numbers and phones masked."""
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bool | int | None):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    return scrub_text(str(value))
