"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

Layout of the 18 characters::

    9 1 350100 M000100Y4 3
    | | |      |         `- check character (GB 32100, MOD 31)
    | | |      `----------- organisation code (GB 11714, its own MOD 11 check as 9th char)
    | | `------------------ administrative region code
    | `-------------------- entity type
    `---------------------- registration authority

A well-formed code whose check characters do not verify is *not* rejected outright: some
genuine early codes (e.g. Fujian pilot codes such as ``91350100M0001TGQXM``) fail the check, so
:func:`check_uscc` reports the failure as a warning and leaves the decision to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ORG_CODE_WEIGHTS",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "USCCError",
    "USCCResult",
    "check_uscc",
    "is_valid_uscc",
    "make_uscc",
    "make_uscc_for",
    "normalize_uscc",
    "org_code_check_char",
    "uscc_check_char",
    "validate_uscc",
]

# I, O, S, V and Z are excluded to avoid confusion with 1, 0, 5, U and 2.
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

_USCC_VALUES: Final = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_RE: Final = re.compile(r"\A[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}\Z")
_BODY17_RE: Final = re.compile(r"\A[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}\Z")
_ORG_BODY_RE: Final = re.compile(r"\A[0-9A-Z]{8}\Z")
_TO_HALFWIDTH: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WHITESPACE_RE: Final = re.compile(r"\s+")

# Multiplying by a unit modulo 31**8 is a bijection, so distinct seeds below 31**8 give distinct
# organisation codes while consecutive seeds still look unrelated in demo data.
_SEED_SPACE: Final = 31**8
_SEED_MULTIPLIER: Final = 0x5DEECE66D
_SEED_OFFSET: Final = 0x2545F491

_FORMAT_MESSAGE: Final = _(
    "Enter a unified social credit code of 18 characters (digits and upper-case letters "
    "except I, O, S, V and Z)."
)
_CHECKSUM_WARNING: Final = _(
    "The check character of this unified social credit code does not match. "
    "Please verify the code against the business licence."
)
_ORG_CODE_WARNING: Final = _(
    "The organisation code embedded in this unified social credit code (characters 9-17) "
    "does not verify. Please verify the code against the business licence."
)


class USCCError(ValueError):
    """A value is not shaped like a unified social credit code.

    ``code`` is ``"format"``; ``message`` is a lazily translated, user-facing explanation.
    """

    def __init__(self, code: str = "format", message: Promise | str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else _FORMAT_MESSAGE
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class USCCResult:
    """The result of :func:`check_uscc`.

    ``warnings`` holds lazily translated messages; ``warning_codes`` the matching
    machine-readable codes (``"uscc_checksum"``, ``"org_code_checksum"``) in the same order.
    """

    code: str
    registration_authority: str
    entity_type: str
    region_code: str
    org_code: str
    checksum_ok: bool
    org_code_ok: bool
    warnings: tuple[str, ...] = ()
    warning_codes: tuple[str, ...] = ()

    @property
    def is_valid(self) -> bool:
        """Whether both the GB 32100 check and the embedded GB 11714 check pass."""
        return self.checksum_ok and self.org_code_ok


def normalize_uscc(value: str) -> str:
    """Return ``value`` with whitespace removed, full-width characters made ASCII, upper-cased."""
    value = value.translate(_TO_HALFWIDTH)
    return _WHITESPACE_RE.sub("", value).upper()


def uscc_check_char(body17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a code.

    Raises :class:`USCCError` unless ``body17`` has 17 characters from :data:`USCC_ALPHABET`.
    """
    if len(body17) != 17:
        raise USCCError()
    try:
        total = sum(_USCC_VALUES[ch] * w for ch, w in zip(body17, USCC_WEIGHTS, strict=True))
    except KeyError:
        raise USCCError() from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character for the first 8 characters of an organisation code.

    Digits count 0-9 and letters A-Z count 10-35. Raises :class:`USCCError` for other input.
    """
    if not _ORG_BODY_RE.match(body8):
        raise USCCError()
    total = sum(int(ch, 36) * w for ch, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    if remainder == 10:
        return "X"
    if remainder == 11:
        return "0"
    return str(remainder)


def check_uscc(value: str) -> USCCResult:
    """Split a unified social credit code into its parts and verify its check characters.

    Raises :class:`USCCError` (code ``"format"``) when the normalised value is not shaped like a
    code. Failing check characters are reported through ``checksum_ok`` / ``org_code_ok`` and
    ``warnings`` instead, because some genuine codes fail them.
    """
    if not isinstance(value, str):
        raise USCCError()
    code = normalize_uscc(value)
    if not _USCC_RE.match(code):
        raise USCCError()

    checksum_ok = uscc_check_char(code[:17]) == code[17]
    org_code = code[8:17]
    org_code_ok = org_code_check_char(org_code[:8]) == org_code[8]

    warnings: list[Promise] = []
    warning_codes: list[str] = []
    if not checksum_ok:
        warnings.append(_CHECKSUM_WARNING)
        warning_codes.append("uscc_checksum")
    if not org_code_ok:
        warnings.append(_ORG_CODE_WARNING)
        warning_codes.append("org_code_checksum")

    return USCCResult(
        code=code,
        registration_authority=code[0],
        entity_type=code[1],
        region_code=code[2:8],
        org_code=org_code,
        checksum_ok=checksum_ok,
        org_code_ok=org_code_ok,
        # Lazy translation proxies stand in for str until rendered.
        warnings=tuple(warnings),  # type: ignore[arg-type]
        warning_codes=tuple(warning_codes),
    )


def is_valid_uscc(value: str | None) -> bool:
    """Return whether ``value`` is well-formed and passes both check characters."""
    try:
        return check_uscc(value).is_valid  # type: ignore[arg-type]
    except USCCError:
        return False


def validate_uscc(
    value: str, *, allow_checksum_failure: bool = False, require_org_code: bool = False
) -> None:
    """Django validator for unified social credit codes.

    Raises :class:`django.core.exceptions.ValidationError` with code ``"invalid_uscc"`` for a
    malformed value and ``"uscc_checksum"`` when the GB 32100 check character fails (unless
    ``allow_checksum_failure``). The embedded organisation-code check is only enforced (also as
    ``"uscc_checksum"``) with ``require_org_code``. Bind keyword arguments with
    :func:`functools.partial` to use a non-default variant in a field's ``validators``.
    """
    try:
        result = check_uscc(value)
    except USCCError as exc:
        raise ValidationError(exc.message, code="invalid_uscc") from exc
    if not result.checksum_ok and not allow_checksum_failure:
        raise ValidationError(_CHECKSUM_WARNING, code="uscc_checksum")
    if not result.org_code_ok and require_org_code:
        raise ValidationError(_ORG_CODE_WARNING, code="uscc_checksum")


def make_uscc(body17: str) -> str:
    """Return ``body17`` (normalised) followed by its GB 32100 check character.

    Raises :class:`USCCError` unless the body has the shape of the first 17 characters of a code.
    The embedded organisation code is taken as given and not checked.
    """
    body17 = normalize_uscc(body17)
    if not _BODY17_RE.match(body17):
        raise USCCError()
    return body17 + uscc_check_char(body17)


def make_uscc_for(
    seed_int: int, region_code: str = "500112", authority: str = "9", entity_type: str = "1"
) -> str:
    """Deterministically generate a valid code (both check characters pass), e.g. for demo data.

    Seeds that differ modulo ``31**8`` produce different organisation codes, hence different
    codes. Raises :class:`USCCError` if the fixed parts are malformed.
    """
    prefix = authority + entity_type + region_code
    if not _BODY17_RE.match(prefix + "0" * 9):
        raise USCCError()
    n = (seed_int * _SEED_MULTIPLIER + _SEED_OFFSET) % _SEED_SPACE
    chars = []
    for _i in range(8):
        n, digit = divmod(n, 31)
        chars.append(USCC_ALPHABET[digit])
    org_body = "".join(chars)
    # The org check character is 0-9 or X, all of which are in the USCC alphabet.
    return make_uscc(prefix + org_body + org_code_check_char(org_body))
