"""Bank card and passbook account numbers.

Only the shape (12-19 digits) is enforced. The Luhn check is reported as a warning: some
Chinese debit cards and passbook accounts legitimately fail it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "BankCardError",
    "BankCardResult",
    "check_bank_card",
    "is_valid_bank_card",
    "luhn_check_digit",
    "luhn_ok",
    "normalize_bank_card",
    "validate_bank_card",
]

_CARD_RE: Final = re.compile(r"\A[0-9]{12,19}\Z")
_SEPARATORS_RE: Final = re.compile(r"[\s\-]+")
_TO_HALFWIDTH: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_FORMAT_MESSAGE: Final = _("Enter a bank card number of 12 to 19 digits.")
_LUHN_WARNING: Final = _(
    "This bank card number does not pass the usual check-digit test. "
    "Please verify it against the card or passbook."
)


class BankCardError(ValueError):
    """A value is not shaped like a bank card number (``code == "format"``)."""

    def __init__(self, code: str = "format", message: Promise | str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else _FORMAT_MESSAGE
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class BankCardResult:
    """The result of :func:`check_bank_card`.

    ``warnings`` holds lazily translated messages; ``warning_codes`` the matching codes
    (``"luhn"``) in the same order.
    """

    number: str
    luhn_ok: bool
    warnings: tuple[str, ...] = ()
    warning_codes: tuple[str, ...] = ()


def _luhn_sum(digits: str, *, double_last: bool) -> int:
    total = 0
    # Walk from the right: every second digit, starting with the last one when a check digit is
    # still to be appended, is doubled.
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if (i % 2 == 0) == double_last:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_ok(digits: str) -> bool:
    """Return whether a string of ASCII digits (check digit last) passes the Luhn check."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    return _luhn_sum(digits, double_last=False) % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """Return the Luhn check digit to append to a non-empty string of ASCII digits."""
    if not partial or not partial.isascii() or not partial.isdigit():
        raise ValueError("partial must be a non-empty string of ASCII digits")
    return str(-_luhn_sum(partial, double_last=True) % 10)


def normalize_bank_card(value: str) -> str:
    """Return ``value`` with whitespace and dashes removed and full-width digits made ASCII."""
    return _SEPARATORS_RE.sub("", value.translate(_TO_HALFWIDTH))


def check_bank_card(value: str) -> BankCardResult:
    """Normalise a bank card number and run the Luhn check.

    Raises :class:`BankCardError` unless the normalised value has 12-19 digits. A Luhn failure
    only sets ``luhn_ok=False`` and adds a warning.
    """
    if not isinstance(value, str):
        raise BankCardError()
    number = normalize_bank_card(value)
    if not _CARD_RE.match(number):
        raise BankCardError()
    ok = luhn_ok(number)
    return BankCardResult(
        number=number,
        luhn_ok=ok,
        # Lazy translation proxies stand in for str until rendered.
        warnings=() if ok else (_LUHN_WARNING,),  # type: ignore[arg-type]
        warning_codes=() if ok else ("luhn",),
    )


def is_valid_bank_card(value: str | None) -> bool:
    """Return whether ``value`` has the shape of a bank card number (Luhn is not required)."""
    try:
        check_bank_card(value)  # type: ignore[arg-type]
    except BankCardError:
        return False
    return True


def validate_bank_card(value: str) -> None:
    """Django validator checking the shape only (code ``"invalid_bank_card"``)."""
    try:
        check_bank_card(value)
    except BankCardError as exc:
        raise ValidationError(exc.message, code="invalid_bank_card") from exc
