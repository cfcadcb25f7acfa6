"""Mainland China mobile phone numbers.

Numbers are stored in the 11-digit national form (``13812345678``); :func:`to_e164` gives the
international form for SMS gateways. Beyond the shape ``1[3-9]xxxxxxxxx``, number ranges are
checked against libphonenumber's metadata, so unallocated ranges (e.g. ``140``) are rejected.
"""

from __future__ import annotations

import re
from typing import Final

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberType

__all__ = [
    "MobileError",
    "is_valid_mobile",
    "normalize_mobile",
    "to_e164",
    "validate_mobile",
]

_MOBILE_RE: Final = re.compile(r"\A1[3-9][0-9]{9}\Z")
# Prefixes are only stripped when 11 digits remain, so "86..." numbers are never mangled.
_COUNTRY_PREFIX_RE: Final = re.compile(r"\A(?:\+86|0086|86)(?=[0-9]{11}\Z)")
_SEPARATORS_RE: Final = re.compile(r"[\s\-()]+")
_TO_HALFWIDTH: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_MOBILE_TYPES: Final = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

_MESSAGES: Final[dict[str, Promise]] = {
    "format": _("Enter a mainland China mobile number of 11 digits starting with 1."),
    "unallocated": _("This mobile number is not in a range allocated to mobile phones."),
}


class MobileError(ValueError):
    """A value is not a usable mainland mobile number.

    ``code`` is ``"format"`` (not ``1[3-9]`` plus 9 digits after normalisation) or
    ``"unallocated"`` (libphonenumber does not know the range as mobile); ``message`` is a lazily
    translated, user-facing explanation.
    """

    def __init__(self, code: str, message: Promise | str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else _MESSAGES[code]
        super().__init__(self.message)


def normalize_mobile(value: str) -> str:
    """Return the 11-digit national form of a mainland mobile number.

    Full-width characters, whitespace, dashes and parentheses are removed, and a ``+86``,
    ``0086`` or ``86`` prefix is stripped when exactly 11 digits follow it. Raises
    :class:`MobileError` if the result is not a valid mainland mobile number.
    """
    if not isinstance(value, str):
        raise MobileError("format")
    number = _SEPARATORS_RE.sub("", value.translate(_TO_HALFWIDTH))
    number = _COUNTRY_PREFIX_RE.sub("", number)
    if not _MOBILE_RE.match(number):
        raise MobileError("format")
    parsed = phonenumbers.parse("+86" + number)
    if not phonenumbers.is_valid_number(parsed):
        raise MobileError("unallocated")
    if phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        raise MobileError("unallocated")
    return number


def to_e164(value: str) -> str:
    """Return the E.164 form (``+8613812345678``); raises :class:`MobileError` like
    :func:`normalize_mobile`."""
    return "+86" + normalize_mobile(value)


def is_valid_mobile(value: str | None) -> bool:
    """Return whether ``value`` normalises to a valid mainland mobile number."""
    try:
        normalize_mobile(value)  # type: ignore[arg-type]
    except MobileError:
        return False
    return True


def validate_mobile(value: str) -> None:
    """Django validator for mainland mobile numbers (code ``"invalid_mobile"``).

    The specific reason is available as ``params["reason"]``.
    """
    try:
        normalize_mobile(value)
    except MobileError as exc:
        raise ValidationError(
            exc.message, code="invalid_mobile", params={"reason": exc.code}
        ) from exc
