"""Cell cleaners of the import engine: how people actually type values into Excel.

Every cleaner takes a cell as the reader gives it (``str``, ``int``, ``float``, ``bool``,
``date``/``datetime``, ``None`` or ``""``) and returns the clean value, or ``(value,
warnings)`` where it changed what was typed (a leading apostrophe, full-width digits, ``+86``,
a date read from text or an Excel serial number): every change is reported to the importer.
A value that cannot be used raises :class:`CellError` with a lazy message (an English msgid,
rendered in Chinese in the error workbook).

The cleaners are pure (no database, no request): the row pipeline runs them in worker
processes. Messages are picklable (lazy strings and :class:`Formatted`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from gonghui.platform.security.text import has_control_character
from gonghui.platform.validators import normalize_mobile, normalize_uscc, parse_id_number
from gonghui.platform.validators.idcard import IDNumberError
from gonghui.platform.validators.mobile import _MOBILE_TYPES, MobileError


class CellError(ValueError):
    """The value of a cell cannot be used; ``message`` says why (lazy)."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))

    def __reduce__(self):  # picklable across the worker processes
        return (type(self), (self.message,))


class Formatted:
    """A lazy message with its parameters, rendered in whatever language is active."""

    def __init__(self, message, params: dict):
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params


MSG_REQUIRED = _("This column is required.")
MSG_ID_AS_NUMBER = _(
    "The ID number was stored as a number and Excel kept only its first 15 digits: it cannot "
    "be recovered. Format the column as text and type the number again."
)
MSG_ID_NUMBER_READ = _("The ID number was stored as a number; it was read as text.")
MSG_APOSTROPHE = _("A leading apostrophe was removed.")
MSG_FULLWIDTH = _("Full-width characters were converted to ordinary ones.")
MSG_SPACES = _("Spaces were removed.")
MSG_LOWER_X = _("A lower-case x was made upper-case.")
MSG_PHONE_REFORMATTED = _("The mobile number was reformatted (country code, spaces or dashes).")
MSG_DATE_FORMAT = _("Enter the date as 2023-05-01.")
MSG_DATE_FUTURE = _("The date is in the future.")
MSG_DATE_READ = _("The date was read as %(date)s.")
MSG_CHOICE = _("Unknown value. Use one of: %(choices)s.")
MSG_BOOL = _("Enter 是 or 否.")
MSG_TOO_LONG = _("At most %(max)d characters.")
MSG_REGION = _("Enter a 6-digit district code such as 500112.")
MSG_CONTROL_CHARACTER = _(
    "The cell contains a control character (an invisible character such as NUL); delete it."
)

TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "t"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "f", "不是"})
TO_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
APOSTROPHES = ("'", "‘", "’", "`")
_SCIENTIFIC_RE = re.compile(r"\A[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+\Z")
_DATE_RES = (
    re.compile(r"\A(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\Z"),
    re.compile(r"\A(\d{4})年(\d{1,2})月(\d{1,2})日?\Z"),
    re.compile(r"\A(\d{4})(\d{2})(\d{2})\Z"),
)
_ISO_MIDNIGHT_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}[T ]?(00:00(:00)?)?\Z")
_EXCEL_EPOCH = date(1899, 12, 30)
_REGION_RE = re.compile(r"[1-9][0-9]{5}")
PLAIN_MOBILE_RE = re.compile(r"\A1[3-9][0-9]{9}\Z")
CANONICAL_ID_RE = re.compile(r"\A[0-9]{17}[0-9X]\Z")
_LABEL_JUNK_RE = re.compile(r"[\s*＊:：]")


def norm_label(text) -> str:
    """A header or code label compared loosely: half-width, no spaces, stars or colons,
    lower-case (``"身份证号*"`` and ``"身份证号 ："`` are the same label)."""
    return _LABEL_JUNK_RE.sub("", str(text).translate(TO_HALFWIDTH)).lower()


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number_text(value) -> str | None:
    """The digits of an integral number cell (calamine gives floats), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


# --- identifiers -----------------------------------------------------------------------------


def clean_id_number(value) -> tuple[Any, list]:
    """Return ``(IDNumberInfo, warnings)``; raise CellError for a number that cannot be used."""
    if type(value) is str and CANONICAL_ID_RE.match(value):
        # the usual case, typed as the template asks: no repair to report
        try:
            info = parse_id_number(value, allow_legacy_15=True)
        except IDNumberError as exc:
            raise CellError(exc.message) from None
        return info, list(info.warnings)
    warnings: list = []
    if is_empty(value):
        raise CellError(MSG_REQUIRED)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = number_text(value)
        # Excel keeps 15 significant digits: a 16- to 18-digit ID typed as a number has
        # already lost its tail (and an X can never be a number).
        if digits is None or len(digits) > 15 or abs(value) >= 1e15:
            raise CellError(MSG_ID_AS_NUMBER)
        text = digits
        warnings.append(MSG_ID_NUMBER_READ)
    else:
        text = str(value).strip()
        if text.startswith(APOSTROPHES):
            text = text.lstrip("".join(APOSTROPHES))
            warnings.append(MSG_APOSTROPHE)
        half = text.translate(TO_HALFWIDTH)
        if half != text:
            warnings.append(MSG_FULLWIDTH)
            text = half
        if _SCIENTIFIC_RE.match(text.strip()):
            raise CellError(MSG_ID_AS_NUMBER)
        if re.search(r"\s", text):
            warnings.append(MSG_SPACES)
        if "x" in text:
            warnings.append(MSG_LOWER_X)
    try:
        info = parse_id_number(text, allow_legacy_15=True)
    except IDNumberError as exc:
        raise CellError(exc.message) from None
    warnings.extend(info.warnings)
    return info, warnings


def fast_mobile(text: str) -> str:
    """``normalize_mobile``, cheaper for a number already in the plain 11-digit form (the
    usual case): parsing ``+86`` plus 11 digits gives exactly ``PhoneNumber(86, digits)``, and
    a number whose type is a mobile type is valid, so one type lookup in libphonenumber's
    metadata decides, as in ``normalize_mobile`` (which costs ~40 µs a number, a quarter of
    cleaning a row). Anything else goes through ``normalize_mobile`` itself.

    The type of a plain 11-digit number ``1[3-9]…`` depends only on its first
    ``MOBILE_TYPE_DIGITS`` digits in libphonenumber's metadata for China (its mobile patterns
    are ``1(?:610\\d|740[0-5])\\d{6}`` and three-digit prefixes followed by ``\\d{8}``; its
    fixed-line and other 11-digit patterns start with ``10``), so the answer is remembered per
    prefix (at most 70,000 of them); ``test_cells`` checks that property against the installed
    metadata, so an upgrade that breaks it fails the tests. Saves ~6 µs a row (a tenth of
    cleaning one)."""
    if not (isinstance(text, str) and PLAIN_MOBILE_RE.match(text)):
        return normalize_mobile(text)
    prefix = text[:MOBILE_TYPE_DIGITS]
    mobile = _MOBILE_PREFIXES.get(prefix)
    if mobile is None:
        number_type = phonenumbers.number_type(
            phonenumbers.PhoneNumber(country_code=86, national_number=int(text))
        )
        mobile = _MOBILE_PREFIXES[prefix] = number_type in _MOBILE_TYPES
    if not mobile:
        raise MobileError("unallocated")
    return text


MOBILE_TYPE_DIGITS = 5
_MOBILE_PREFIXES: dict[str, bool] = {}


def clean_phone(value) -> tuple[str, list]:
    """A mainland mobile number: ``+86``, spaces and dashes removed (with a warning)."""
    if is_empty(value):
        raise CellError(MSG_REQUIRED)
    digits = number_text(value)
    text = digits if digits is not None else str(value).strip()
    warnings = []
    if text.startswith(APOSTROPHES):
        text = text.lstrip("".join(APOSTROPHES))
        warnings.append(MSG_APOSTROPHE)
    try:
        number = fast_mobile(text)
    except MobileError as exc:
        raise CellError(exc.message) from None
    if number != text:
        warnings.append(MSG_PHONE_REFORMATTED)
    return number, warnings


def clean_code(value) -> str:
    """An organisation's code as typed: a number (the console's id) or a unified social
    credit code (normalised, not validated: the lookup decides)."""
    digits = number_text(value)
    if digits is not None:
        return digits
    code = normalize_uscc(str(value or "")).lstrip("".join(APOSTROPHES))
    if has_control_character(code):
        raise CellError(MSG_CONTROL_CHARACTER)  # never sent to the database (PostgreSQL: 500)
    return code


def clean_region(value) -> str:
    """A 6-digit administrative division code (GB/T 2260), e.g. 500112."""
    text = clean_text(value, 6)
    if text and not _REGION_RE.fullmatch(text):
        raise CellError(MSG_REGION)
    return text


# --- dates, choices, booleans, text ----------------------------------------------------------


def clean_date(value, *, today: date) -> tuple[date | None, list]:
    """A date typed as a date, as text (2023-05-01, 2023/5/1, 2023年5月1日, 20230501) or as an
    Excel serial number; not in the future."""
    if is_empty(value):
        return None, []
    warnings: list = []
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        text = number_text(value)
        if text and len(text) == 8:  # 20230501 typed as a number
            result = _date_from_text(text)
        elif number.is_integer() and 1 <= number < 2958466:
            result = _EXCEL_EPOCH + timedelta(days=int(number))
        else:
            raise CellError(MSG_DATE_FORMAT)
        warnings.append(MSG_DATE_READ)
    else:
        text = str(value).strip().translate(TO_HALFWIDTH).replace(" ", "")
        if _ISO_MIDNIGHT_RE.match(text):
            text = text[:10]
        result = _date_from_text(text)
        if text != result.isoformat():
            warnings.append(MSG_DATE_READ)
    if result > today:
        raise CellError(MSG_DATE_FUTURE)
    if result.year < 1900:
        raise CellError(MSG_DATE_FORMAT)
    return result, [
        Formatted(w, {"date": result.isoformat()}) if w is MSG_DATE_READ else w for w in warnings
    ]


def _date_from_text(text: str) -> date:
    for regex in _DATE_RES:
        match = regex.match(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                break
    raise CellError(MSG_DATE_FORMAT)


def choice_lookup(choices, aliases: dict | None = None) -> dict[str, str]:
    """Everything accepted for a coded column (the code, its English and Chinese labels and
    the aliases people type), normalised, mapped to the code."""
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[norm_label(value)] = value
        lookup[norm_label(str(label))] = value
        with translation.override("zh-hans"):
            lookup[norm_label(str(label))] = value
    for value, names in (aliases or {}).items():
        for alias in names:
            lookup[norm_label(alias)] = value
    lookup.pop("", None)
    return lookup


def clean_choice(value, lookup: dict[str, str], codes: str) -> tuple[str, list]:
    """The code of a coded cell; ``codes`` lists the accepted codes for the message."""
    text = number_text(value) if not isinstance(value, str) else value
    label = norm_label(text or "")
    if label in lookup:
        return lookup[label], []
    raise CellError(Formatted(MSG_CHOICE, {"choices": codes}))


def clean_bool(value) -> bool | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    text = norm_label(number_text(value) or value)
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(MSG_BOOL)


def clean_text(value, max_length: int) -> str:
    """Text with runs of whitespace made one space; no control characters."""
    if is_empty(value):
        return ""
    if type(value) is str and value.isprintable() and "  " not in value:
        text = value.strip()  # the usual case: nothing to fold
    else:
        text = number_text(value) if not isinstance(value, str) else value
        text = " ".join(str(text if text is not None else value).split())
    if has_control_character(text):
        raise CellError(MSG_CONTROL_CHARACTER)
    if len(text) > max_length:
        raise CellError(Formatted(MSG_TOO_LONG, {"max": max_length}))
    return text
