"""Resident identity card numbers (居民身份证号码), GB 11643-1999 / ISO 7064 MOD 11-2.

The same 18-character layout and check character are shared by:

* resident identity cards of the mainland (``kind == "resident"``);
* residence permits for Hong Kong, Macao and Taiwan residents, whose region part is
  ``810000`` / ``820000`` / ``830000`` (``kind == "hmt_permit"``);
* the 2023 foreign permanent-residence ID card, which starts with ``9``
  (``kind == "foreign_permanent"``).

Legacy 15-digit numbers (issued before 1999) can optionally be converted to the
18-character form.

Nothing here imports Django models; only ``gettext_lazy`` (messages) and ``ValidationError``
(the Django-style validator) are used, and neither needs configured settings at import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final, Literal

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ID_CHECK_CHARS",
    "ID_WEIGHTS",
    "IDNumberError",
    "IDNumberInfo",
    "IDNumberKind",
    "age_on",
    "id_check_char",
    "is_valid_id_number",
    "normalize_id_number",
    "parse_id_number",
    "validate_id_number",
]

ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Indexed by S mod 11.
ID_CHECK_CHARS: Final = "10X98765432"

IDNumberKind = Literal["resident", "hmt_permit", "foreign_permanent"]

# Birth dates are civil dates in Beijing time; China has had no DST since 1991, so a fixed
# offset is exact and, unlike the Django time zone setting, needs no configured settings.
_CHINA_TZ: Final = timezone(timedelta(hours=8), "Asia/Shanghai")

_HMT_REGION_CODES: Final = frozenset({"810000", "820000", "830000"})

# Full-width ASCII block (U+FF01..U+FF5E) maps onto printable ASCII at a fixed offset; the
# ideographic space is folded to a plain space so that it is removed together with the others.
_TO_HALFWIDTH: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WHITESPACE_RE: Final = re.compile(r"\s+")
_ID18_RE: Final = re.compile(r"\A[0-9]{17}[0-9X]\Z")
_ID15_RE: Final = re.compile(r"\A[0-9]{15}\Z")
_REGION_RE: Final = re.compile(r"\A[1-9][0-9]{5}\Z")

_MESSAGES: Final[dict[str, Promise]] = {
    "format": _(
        "Enter an identity card number of 18 characters: 17 digits followed by a digit or X."
    ),
    "region": _("The identity card number must not start with 0."),
    "checksum": _("The identity card number is invalid: the check character does not match."),
    "birth_date": _("The identity card number contains a birth date that does not exist."),
    "future_birth": _("The identity card number contains a birth date in the future."),
    "legacy": _(
        "Old 15-digit identity card numbers are not accepted. Enter the 18-character number."
    ),
}

_LEGACY_CONVERTED_WARNING: Final = _(
    "An old 15-digit identity card number was converted to the 18-character form; "
    "please confirm it against the current identity card."
)


class IDNumberError(ValueError):
    """An identity card number could not be parsed.

    ``code`` is a stable machine-readable reason (``"format"``, ``"region"``, ``"checksum"``,
    ``"birth_date"``, ``"future_birth"`` or ``"legacy"``); ``message`` is a lazily translated,
    user-facing explanation.
    """

    def __init__(self, code: str, message: Promise | str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else _MESSAGES[code]
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class IDNumberInfo:
    """The result of :func:`parse_id_number`.

    ``warnings`` holds lazily translated messages for humans; ``warning_codes`` holds the
    matching machine-readable codes (e.g. ``"legacy_converted"``) in the same order.
    """

    number: str
    region_code: str
    birth_date: date
    gender: Literal["M", "F"]
    kind: IDNumberKind
    warnings: tuple[str, ...] = ()
    warning_codes: tuple[str, ...] = ()


def normalize_id_number(value: str) -> str:
    """Return ``value`` with whitespace removed and full-width characters made ASCII.

    Full-width digits and ``Ｘ``/``ｘ`` become ASCII, and a lower-case ``x`` becomes ``X``.
    No validation is performed.
    """
    value = value.translate(_TO_HALFWIDTH)
    value = _WHITESPACE_RE.sub("", value)
    return value.replace("x", "X")


def id_check_char(body17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits of a number.

    Raises :class:`IDNumberError` (code ``"format"``) unless ``body17`` is exactly 17 ASCII digits.
    """
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise IDNumberError("format")
    total = sum(int(ch) * weight for ch, weight in zip(body17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _kind_of(number: str) -> IDNumberKind:
    if number[:6] in _HMT_REGION_CODES:
        return "hmt_permit"
    if number[0] == "9":
        return "foreign_permanent"
    return "resident"


def _birth_date_of(yyyymmdd: str) -> date:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise IDNumberError("birth_date") from None


def parse_id_number(
    value: str, *, allow_legacy_15: bool = False, today: date | None = None
) -> IDNumberInfo:
    """Validate an identity card number and return what it encodes.

    The value is normalised first (see :func:`normalize_id_number`). Unknown region codes are
    accepted on purpose: historic codes remain on valid cards, so only the shape (6 digits, the
    first one 1-9) is checked. Plausibility of the age is not checked either: see :func:`age_on`.

    With ``allow_legacy_15`` a 15-digit number is converted to 18 characters (``19`` is inserted
    before the two-digit year and the check character is appended) and a warning is attached.

    ``today`` defaults to the current date in China (UTC+8).

    Raises :class:`IDNumberError` with ``code`` ``"format"``, ``"region"``, ``"legacy"``,
    ``"birth_date"``, ``"future_birth"`` or ``"checksum"``.
    """
    if not isinstance(value, str):
        raise IDNumberError("format")
    number = normalize_id_number(value)
    warnings: list[Promise] = []
    warning_codes: list[str] = []

    if _ID15_RE.match(number):
        if not allow_legacy_15:
            raise IDNumberError("legacy")
        # Region and date are validated below like any 18-character number; the computed check
        # character is consistent by construction.
        body17 = number[:6] + "19" + number[6:]
        number = body17 + id_check_char(body17)
        warnings.append(_LEGACY_CONVERTED_WARNING)
        warning_codes.append("legacy_converted")
    elif not _ID18_RE.match(number):
        raise IDNumberError("format")

    if not _REGION_RE.match(number[:6]):
        raise IDNumberError("region")
    # The date is checked before the check character: when a typo produced an impossible date,
    # saying so is more helpful than a generic checksum error.
    birth_date = _birth_date_of(number[6:14])
    if birth_date > (today if today is not None else datetime.now(_CHINA_TZ).date()):
        raise IDNumberError("future_birth")
    if id_check_char(number[:17]) != number[17]:
        raise IDNumberError("checksum")

    return IDNumberInfo(
        number=number,
        region_code=number[:6],
        birth_date=birth_date,
        gender="M" if int(number[16]) % 2 else "F",
        kind=_kind_of(number),
        # Lazy translation proxies stand in for str until rendered.
        warnings=tuple(warnings),  # type: ignore[arg-type]
        warning_codes=tuple(warning_codes),
    )


def is_valid_id_number(value: str | None) -> bool:
    """Return whether ``value`` is a valid 18-character identity card number."""
    try:
        parse_id_number(value)  # type: ignore[arg-type]
    except IDNumberError:
        return False
    return True


def validate_id_number(value: str) -> None:
    """Django validator for 18-character identity card numbers.

    Raises :class:`django.core.exceptions.ValidationError` with code ``"invalid_id_number"``;
    the specific reason is available as ``params["reason"]``.
    """
    try:
        parse_id_number(value)
    except IDNumberError as exc:
        raise ValidationError(
            exc.message, code="invalid_id_number", params={"reason": exc.code}
        ) from exc


def age_on(birth_date: date, day: date) -> int:
    """Return the age in completed years on ``day`` of someone born on ``birth_date``.

    Someone born on 29 February completes a year on 1 March in common years.
    Raises :class:`ValueError` if ``day`` is before ``birth_date``.
    """
    if day < birth_date:
        raise ValueError("day is before birth_date")
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
