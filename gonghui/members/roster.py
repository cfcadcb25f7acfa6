"""Member rosters as spreadsheets: the template, importing rows, exporting the list.

Importing works like a patient clerk: every value is read the way people actually type it
into Excel (IDs stored as numbers, a leading apostrophe, full-width digits, ``+86``, dates
as text or as Excel serial numbers, Chinese labels for coded fields) and every change made to
a value is reported as a warning. Rows that cannot be used are reported with their original
row number, the column and a message, and written to an error workbook that can be fixed and
imported again on its own.

Valid rows are written in batches (one transaction and one audit event per batch):
``bulk_create`` for new people and memberships, ``bulk_update`` for changed ones. A person
is found city-wide by the blind index of the ID number; a current member of *another* union
is an error row (transfers are their own workflow), a current member of the same union is
updated, and re-importing the same file changes nothing.

Why this module is long (issue #12 §3 asks for a reason past ~600 lines): it is the import
engine itself — column specs, cell cleaners, the header finder, the batch writer, the error
workbook and the export — which issue #13 moves into ``gonghui/platform/imports`` as the one
engine every importer uses (the hardship visits importer copies parts of it today). Splitting it
here first would draw the seams twice; #13 leaves the roster's own column spec in this app and
the engine in the platform.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from gonghui.members import identity
from gonghui.members.actions import card_number_for, member_org_problem
from gonghui.members.choices import (
    CURRENT_STATES,
    Education,
    EmploymentForm,
    HouseholdType,
    MembershipSource,
    MembershipState,
    ModelWorkerLevel,
    SkillLevel,
)
from gonghui.members.models import Membership, Person
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.feeds import summaries
from gonghui.platform.pii.crypto import blind_index, encrypt
from gonghui.platform.pii.fields import index_for
from gonghui.platform.pii.masking import mask_generic, mask_id_list, mask_name, mask_phone
from gonghui.platform.security.cells import xlsx_row
from gonghui.platform.security.text import has_control_character
from gonghui.platform.validators import normalize_mobile, normalize_uscc, parse_id_number
from gonghui.platform.validators.idcard import IDNumberError
from gonghui.platform.validators.mobile import _MOBILE_TYPES, MobileError

SHEET_NAME = "会员登记表"
HELP_SHEET_NAME = "填写说明"
IMPORT_PERMISSION = "members.import_roster"
EXPORT_PERMISSION = "members.export_membership"
BATCH_SIZE = 500
# Rows per import batch (one transaction, one audit event, one progress update): measured on
# the bench, 500 → 4000 rows per batch imports ~1.5x faster (fewer commits and queries).
IMPORT_BATCH_SIZE = 4000
# PostgreSQL: refresh the planner's statistics after this many new members (see BatchWriter).
ANALYZE_EVERY = 5000
# Exports above this many rows need an approved ExportRequest (maker-checker).
EXPORT_DIRECT_LIMIT = 500


# --- columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header of the template (data format, not UI: not translated)
    required: bool
    help: Any  # English msgid, rendered in Chinese in the template
    width: int = 14

    @property
    def title(self) -> str:
        return self.header + ("*" if self.required else "")


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, _("The name as on the ID card, at most 50 characters."), 10),
    Column(
        "id_number",
        "身份证号",
        True,
        _(
            "18-character resident ID number (the last may be X). Format the column as text: "
            "Excel keeps only 15 digits of a number, so an ID typed as a number cannot be "
            "recovered. Old 15-digit numbers are converted, with a warning."
        ),
        22,
    ),
    Column("phone", "手机号", True, _("11-digit mainland mobile number; +86 is removed."), 15),
    Column(
        "org_code",
        "所属工会编码",
        True,
        _(
            "The union the member belongs to: its number in the console or its unified social "
            "credit code. It must be the union you import into or a union below it that "
            "holds members (grassroots union, federation of unions or holding pool)."
        ),
        20,
    ),
    Column("employer_name", "用人单位或平台", True, _("Employer, or the platform worked for."), 24),
    Column(
        "employment_form",
        "就业形态",
        True,
        _("How the member works: one of the labels or codes listed below."),
        16,
    ),
    Column("is_migrant", "是否农民工", False, _("是 or 否; empty means 否 for new members."), 10),
    Column(
        "joined_on",
        "入会日期",
        False,
        _("Date of joining, e.g. 2023-05-01; empty means the day of the import."),
        12,
    ),
    Column("ethnicity", "民族", False, _("Ethnic group, e.g. 汉族."), 8),
    Column("education", "学历", False, _("One of the labels or codes listed below."), 12),
    Column("household_type", "户籍类型", False, _("One of the labels or codes listed below."), 14),
    Column("skill_level", "技能等级", False, _("One of the labels or codes listed below."), 12),
    Column(
        "model_worker_level",
        "劳模称号",
        False,
        _("One of the labels or codes listed below."),
        12,
    ),
    Column(
        "residence_region",
        "居住区县代码",
        False,
        _("6-digit code of the district of residence (GB/T 2260), e.g. 500112."),
        12,
    ),
    Column(
        "card_no",
        "会员卡号(留空)",
        False,
        _("Leave empty: the card number is issued by the system."),
        16,
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

# Chinese labels people type for coded fields, besides the code and the (translated) label.
CHOICE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "employment_form": {
        EmploymentForm.STANDARD: ("标准劳动关系职工", "标准劳动关系", "职工", "在职职工"),
        EmploymentForm.FOOD_DELIVERY: ("外卖骑手", "外卖员", "外卖送餐员", "骑手"),
        EmploymentForm.COURIER: ("快递员", "快递小哥"),
        EmploymentForm.RIDE_HAILING: ("网约车司机", "网约车驾驶员"),
        EmploymentForm.TRUCK_DRIVER: ("货车司机",),
        EmploymentForm.DOMESTIC: ("家政服务员", "家政工"),
        EmploymentForm.PLATFORM_OTHER: ("其他平台从业人员", "其他网络平台从业人员"),
        EmploymentForm.FLEXIBLE: ("灵活就业", "灵活就业人员", "自由职业"),
        EmploymentForm.OTHER: ("其他",),
    },
    "education": {
        Education.PRIMARY: ("小学及以下", "小学"),
        Education.JUNIOR: ("初中",),
        Education.SENIOR: ("高中", "中专", "职高", "技校", "高中/中专"),
        Education.COLLEGE: ("大专", "专科"),
        Education.BACHELOR: ("本科", "大学本科"),
        Education.MASTER: ("硕士", "研究生", "博士", "硕士及以上"),
    },
    "household_type": {
        HouseholdType.AGRICULTURAL: ("农业户口", "农业", "农村户口"),
        HouseholdType.NON_AGRICULTURAL: ("非农业户口", "非农业", "城镇户口"),
        HouseholdType.RESIDENT: ("居民户口", "统一居民户口"),
    },
    "skill_level": {
        SkillLevel.NONE: ("无",),
        SkillLevel.LEVEL5: ("初级工", "五级"),
        SkillLevel.LEVEL4: ("中级工", "四级"),
        SkillLevel.LEVEL3: ("高级工", "三级"),
        SkillLevel.LEVEL2: ("技师", "二级"),
        SkillLevel.LEVEL1: ("高级技师", "一级"),
    },
    "model_worker_level": {
        ModelWorkerLevel.NONE: ("无",),
        ModelWorkerLevel.NATIONAL: ("全国劳模", "全国劳动模范"),
        ModelWorkerLevel.PROVINCIAL: ("省部级劳模", "省级劳模"),
        ModelWorkerLevel.CITY: ("市级劳模",),
        ModelWorkerLevel.DISTRICT: ("区县级劳模",),
    },
}
CHOICE_CLASSES = {
    "employment_form": EmploymentForm,
    "education": Education,
    "household_type": HouseholdType,
    "skill_level": SkillLevel,
    "model_worker_level": ModelWorkerLevel,
}
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "t"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "f", "不是"})

_TO_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SCIENTIFIC_RE = re.compile(r"\A[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+\Z")
_APOSTROPHES = ("'", "‘", "’", "`")
_DATE_RES = (
    re.compile(r"\A(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\Z"),
    re.compile(r"\A(\d{4})年(\d{1,2})月(\d{1,2})日?\Z"),
    re.compile(r"\A(\d{4})(\d{2})(\d{2})\Z"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def _norm_label(text: str) -> str:
    return re.sub(r"[\s*＊:：]", "", str(text).translate(_TO_HALFWIDTH)).lower()


def header_key(text) -> str | None:
    """The column key of a header cell (``"身份证号*"``, ``"身份证号码"`` or ``"id_number"``)."""
    label = _norm_label(text or "")
    if not label:
        return None
    for column in COLUMNS:
        if label in (_norm_label(column.header), column.key):
            return column.key
        if column.key == "card_no" and label.startswith("会员卡号"):
            return column.key
    aliases = {
        "身份证号码": "id_number",
        "公民身份号码": "id_number",
        "手机号码": "phone",
        "联系电话": "phone",
        "工会编码": "org_code",
        "用人单位": "employer_name",
        "工作单位": "employer_name",
        "农民工": "is_migrant",
    }
    return aliases.get(label)


def choice_lookup(key: str) -> dict[str, str]:
    """Everything accepted for a coded column (code, English and Chinese labels, aliases),
    normalised, mapped to the code."""
    cls = CHOICE_CLASSES[key]
    lookup: dict[str, str] = {}
    for value, label in cls.choices:
        lookup[_norm_label(value)] = value
        lookup[_norm_label(str(label))] = value
        with translation.override("zh-hans"):
            lookup[_norm_label(str(label))] = value
    for value, aliases in CHOICE_ALIASES.get(key, {}).items():
        for alias in aliases:
            lookup[_norm_label(alias)] = value
    lookup.pop("", None)
    return lookup


# --- cell normalisation ----------------------------------------------------------------------


class CellError(ValueError):
    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


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
MSG_NAME = _("Enter the name as on the ID card (at most 50 characters).")
MSG_TOO_LONG = _("At most %(max)d characters.")
MSG_REGION = _("Enter a 6-digit district code such as 500112.")
MSG_CONTROL_CHARACTER = _(
    "The cell contains a control character (an invisible character such as NUL); delete it."
)
MSG_CARD_IGNORED = _("Card numbers are issued by the system; the value was ignored.")
MSG_ORG_UNKNOWN = _("No union has this code.")
MSG_ORG_OUT_OF_SCOPE = _("You cannot import into this union.")
MSG_ORG_CANNOT_HOLD = _(
    "Members belong to a grassroots union, a federation of unions or a holding pool; "
    "this union cannot hold members."
)
MSG_ORG_INACTIVE = _("This union is not active.")
MSG_DUPLICATE = _("The same ID number is already in row %(row)d of this file.")
MSG_OTHER_UNION = _(
    "This person is already a member of %(org)s. Ask for a transfer instead of importing."
)
MSG_MEMBER_ELSEWHERE = _(
    "This person is already a member of another union. Ask for a transfer instead of importing."
)
MSG_PHONE_CHANGED = _(
    "[gonghui] The mobile number on your union record was changed by your union's roster. "
    "If you did not ask for this, tell your union at once."
)
MSG_SAVE_FAILED = _("The row could not be saved because it changed meanwhile; import it again.")


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value) -> str | None:
    """The digits of an integral number cell (calamine gives floats), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def clean_id_number(value) -> tuple[Any, list]:
    """Return ``(IDNumberInfo, warnings)``; raise CellError for a number that cannot be used."""
    warnings: list = []
    if _is_empty(value):
        raise CellError(MSG_REQUIRED)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = _number_text(value)
        # Excel keeps 15 significant digits: a 16- to 18-digit ID typed as a number has
        # already lost its tail (and an X can never be a number).
        if digits is None or len(digits) > 15 or abs(value) >= 1e15:
            raise CellError(MSG_ID_AS_NUMBER)
        text = digits
        warnings.append(MSG_ID_NUMBER_READ)
    else:
        text = str(value).strip()
        if text.startswith(_APOSTROPHES):
            text = text.lstrip("".join(_APOSTROPHES))
            warnings.append(MSG_APOSTROPHE)
        half = text.translate(_TO_HALFWIDTH)
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


def clean_phone(value) -> tuple[str, list]:
    if _is_empty(value):
        raise CellError(MSG_REQUIRED)
    digits = _number_text(value)
    text = digits if digits is not None else str(value).strip()
    warnings = []
    if text.startswith(_APOSTROPHES):
        text = text.lstrip("".join(_APOSTROPHES))
        warnings.append(MSG_APOSTROPHE)
    try:
        number = _normalize_mobile(text)
    except MobileError as exc:
        raise CellError(exc.message) from None
    if number != text:
        warnings.append(MSG_PHONE_REFORMATTED)
    return number, warnings


_PLAIN_MOBILE_RE = re.compile(r"\A1[3-9][0-9]{9}\Z")


def _normalize_mobile(text: str) -> str:
    """``normalize_mobile``, cheaper for a number already in the plain 11-digit form (the
    usual case): parsing ``+86`` plus 11 digits gives exactly ``PhoneNumber(86, digits)``, and
    a number whose type is a mobile type is valid, so one type lookup in libphonenumber's
    metadata decides, as in ``normalize_mobile`` (which costs ~40 µs a number, a quarter of
    cleaning a row). Anything else goes through ``normalize_mobile`` itself."""
    if not (isinstance(text, str) and _PLAIN_MOBILE_RE.match(text)):
        return normalize_mobile(text)
    number_type = phonenumbers.number_type(
        phonenumbers.PhoneNumber(country_code=86, national_number=int(text))
    )
    if number_type not in _MOBILE_TYPES:
        raise MobileError("unallocated")
    return text


def clean_date(value, *, today: date) -> tuple[date | None, list]:
    if _is_empty(value):
        return None, []
    warnings: list = []
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        text = _number_text(value)
        if text and len(text) == 8:  # 20230501 typed as a number
            result = _date_from_text(text)
        elif number.is_integer() and 1 <= number < 2958466:
            result = _EXCEL_EPOCH + timedelta(days=int(number))
        else:
            raise CellError(MSG_DATE_FORMAT)
        warnings.append(MSG_DATE_READ)
    else:
        text = str(value).strip().translate(_TO_HALFWIDTH).replace(" ", "")
        if re.match(r"\A\d{4}-\d{2}-\d{2}[T ]?(00:00(:00)?)?\Z", text):
            text = text[:10]
        result = _date_from_text(text)
        if text != result.isoformat():
            warnings.append(MSG_DATE_READ)
    if result > today:
        raise CellError(MSG_DATE_FUTURE)
    if result.year < 1900:
        raise CellError(MSG_DATE_FORMAT)
    return result, [
        _Formatted(w, {"date": result.isoformat()}) if w is MSG_DATE_READ else w for w in warnings
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


class _Formatted:
    """A lazy message with its parameters, rendered in whatever language is active."""

    def __init__(self, message, params: dict):
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params


def clean_choice(key: str, value, lookup: dict[str, str]) -> tuple[str, list]:
    text = _number_text(value) if not isinstance(value, str) else value
    label = _norm_label(text or "")
    if label in lookup:
        return lookup[label], []
    names = "、".join(v for v, _label in CHOICE_CLASSES[key].choices if v)
    raise CellError(_Formatted(MSG_CHOICE, {"choices": names}))


def clean_bool(value) -> bool | None:
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    text = _norm_label(_number_text(value) or value)
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(MSG_BOOL)


def clean_text(value, max_length: int) -> str:
    if _is_empty(value):
        return ""
    text = _number_text(value) if not isinstance(value, str) else value
    text = " ".join(str(text if text is not None else value).split())
    if has_control_character(text):
        raise CellError(MSG_CONTROL_CHARACTER)
    if len(text) > max_length:
        raise CellError(_Formatted(MSG_TOO_LONG, {"max": max_length}))
    return text


def org_code_of(value) -> str:
    digits = _number_text(value)
    if digits is not None:
        return digits
    code = normalize_uscc(str(value or "")).lstrip("".join(_APOSTROPHES))
    if has_control_character(code):
        raise CellError(MSG_CONTROL_CHARACTER)  # never sent to the database (PostgreSQL: 500)
    return code


# --- rows ------------------------------------------------------------------------------------


@dataclass
class RowResult:
    """One data row: its Excel row number, what was typed, what we made of it."""

    row_number: int
    original: list
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, Any]] = field(default_factory=list)  # (column header, message)
    warnings: list[tuple[str, Any]] = field(default_factory=list)
    # values the writer derives from ``values`` (ciphertexts, blind indexes, pinyin),
    # computed ahead by the importer that owns the row (see RowCleaner.prepare)
    derived: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportStats:
    total_rows: int = 0
    processed_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    warnings: int = 0


class RosterError(Exception):
    """The file as a whole cannot be imported (no header row, required columns missing)."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


MSG_NO_HEADER = _(
    "No header row found: the first rows must contain the template's column titles "
    "(姓名, 身份证号 …). Download the template and copy the data into it."
)
MSG_MISSING_COLUMNS = _("Required columns are missing: %(columns)s.")


class OrgResolver:
    """Turns the 所属工会编码 of a row into an org the importer may import into, with a
    cache per distinct code (a roster usually names a handful of unions)."""

    def __init__(self, actor, root: Org):
        self.actor, self.root = actor, root
        self._cache: dict[str, Org | CellError] = {}

    def resolve(self, code: str) -> Org:
        if code not in self._cache:
            self._cache[code] = self._lookup(code)
        found = self._cache[code]
        if isinstance(found, CellError):
            raise found
        return found

    def _lookup(self, code: str) -> Org | CellError:
        if not code:
            return CellError(MSG_REQUIRED)
        if code.isdigit() and len(code) <= 12:
            org = Org.objects.filter(pk=int(code)).first()
        else:
            org = Org.objects.filter(uscc=code).first()
        if org is None:
            return CellError(MSG_ORG_UNKNOWN)
        in_scope = (
            org.path.startswith(self.root.path)
            and restrict(Org, self.actor, IMPORT_PERMISSION).filter(pk=org.pk).exists()
        )
        if not in_scope:
            # Same message as an unknown code would leak less, but the importer needs to know
            # which of the two to fix; the org's name is not revealed.
            return CellError(MSG_ORG_OUT_OF_SCOPE)
        problem = member_org_problem(org)
        if problem == "org_inactive":
            return CellError(MSG_ORG_INACTIVE)
        if problem == "invalid_member_org":
            return CellError(MSG_ORG_CANNOT_HOLD)
        return org


class RowCleaner:
    """Normalises and validates one row at a time (no database writes).

    ``clean`` does everything. The importer splits it in two so that the pure-Python part can
    run on a reader thread while the database is busy with the previous batch:
    ``clean_offline`` (normalising and validating every cell, the duplicate check, and
    ``prepare``: the values the writer derives, such as ciphertexts, blind indexes and
    pinyin) needs no database; ``finish`` resolves the union code (a database lookup, cached
    per code) on the thread that owns the connection.
    """

    def __init__(self, columns: dict[int, str], orgs: OrgResolver, today: date):
        self.columns, self.orgs, self.today = columns, orgs, today
        self.lookups = {key: choice_lookup(key) for key in CHOICE_CLASSES}
        self.seen_ids: dict[str, int] = {}
        self._index = {key: i for i, key in self.columns.items()}

    def clean(self, row_number: int, cells: list) -> RowResult:
        return self.finish(self._clean_cells(row_number, cells))

    def clean_offline(self, row_number: int, cells: list) -> RowResult:
        result = self._clean_cells(row_number, cells)
        if not result.errors:
            self.prepare(result)
        return result

    def _clean_cells(self, row_number: int, cells: list) -> RowResult:
        result = RowResult(row_number, list(cells))
        n = len(cells)
        raw = {key: (cells[i] if i < n else None) for key, i in self._index.items()}
        values = result.values
        errors, warnings = result.errors, result.warnings

        def attempt(key: str, fn: Callable, value):
            try:
                out = fn(value)
            except CellError as exc:
                errors.append((COLUMN_BY_KEY[key].header, exc.message))
                return None
            if isinstance(out, tuple):
                out, found = out
                if found:
                    header = COLUMN_BY_KEY[key].header
                    warnings.extend((header, w) for w in found)
            return out

        name = attempt("name", _clean_name, raw.get("name"))
        if name == "" and not any(e[0] == "姓名" for e in errors):
            errors.append(("姓名", MSG_REQUIRED))
        values["name"] = name
        info = attempt("id_number", clean_id_number, raw.get("id_number"))
        if info is not None:
            values["id_number"] = info.number
            values["gender"] = info.gender
            values["birth_date"] = info.birth_date
            first = self.seen_ids.get(info.number)
            if first is not None:
                errors.append(("身份证号", _Formatted(MSG_DUPLICATE, {"row": first})))
            else:
                self.seen_ids[info.number] = row_number
        values["phone"] = attempt("phone", clean_phone, raw.get("phone"))
        # the union is resolved by ``finish``; its error goes here, in column order
        values["org_code"] = raw.get("org_code")
        values["_org_error_at"] = len(errors)
        employer = attempt("employer_name", _clean_employer, raw.get("employer_name"))
        if employer == "":
            errors.append(("用人单位或平台", MSG_REQUIRED))
        values["employer_name"] = employer

        value = raw.get("employment_form")
        if _is_empty(value):
            errors.append((COLUMN_BY_KEY["employment_form"].header, MSG_REQUIRED))
            values["employment_form"] = None
        else:
            values["employment_form"] = attempt(
                "employment_form",
                lambda v: clean_choice("employment_form", v, self.lookups["employment_form"]),
                value,
            )
        value = raw.get("is_migrant")
        values["is_migrant"] = (
            None if _is_empty(value) else attempt("is_migrant", clean_bool, value)
        )
        value = raw.get("joined_on")
        values["joined_on"] = (
            None
            if _is_empty(value)
            else attempt("joined_on", lambda v: clean_date(v, today=self.today), value)
        )
        value = raw.get("ethnicity")
        values["ethnicity"] = (
            "" if _is_empty(value) else attempt("ethnicity", _clean_ethnicity, value)
        )
        for key in ("education", "household_type", "skill_level", "model_worker_level"):
            value = raw.get(key)
            values[key] = (
                ""
                if _is_empty(value)
                else attempt(key, lambda v, key=key: clean_choice(key, v, self.lookups[key]), value)
            )
        value = raw.get("residence_region")
        values["residence_region"] = (
            "" if _is_empty(value) else attempt("residence_region", _clean_region, value)
        )
        if not _is_empty(raw.get("card_no")):
            warnings.append((COLUMN_BY_KEY["card_no"].header, MSG_CARD_IGNORED))
        return result

    def finish(self, result: RowResult) -> RowResult:
        """Resolve the row's union (the only step that reads the database)."""
        values = result.values
        position = values.pop("_org_error_at")
        try:
            values["org"] = self.orgs.resolve(org_code_of(values.pop("org_code")))
        except CellError as exc:
            values["org"] = None
            result.errors.insert(position, (COLUMN_BY_KEY["org_code"].header, exc.message))
        return result

    @staticmethod
    def prepare(result: RowResult) -> None:
        """What the writer stores for a new person, derived ahead (see BatchWriter; rows
        cleaned with ``clean`` get it there, when needed)."""
        v = result.values
        pinyin, initials = _pinyin(v["name"])
        result.derived = {
            "id_index": _blind_index("id_number", v["id_number"]),
            "phone_index": _blind_index("phone", v["phone"]) if v["phone"] else None,
            "name_pinyin": pinyin,
            "name_initials": initials,
            "id_number": encrypt(v["id_number"]),
            "phone": encrypt(v["phone"]) if v["phone"] else v["phone"],
        }


def _clean_name(value):
    return clean_text(value, 50)


def _clean_employer(value):
    return clean_text(value, 200)


def _clean_ethnicity(value):
    return clean_text(value, 20)


def _clean_region(value):
    text = clean_text(value, 6)
    if text and not _REGION_RE.fullmatch(text):
        raise CellError(MSG_REGION)
    return text


_REGION_RE = re.compile(r"[1-9][0-9]{5}")
_CANONICAL = {
    # values that ``normalise(kind, value)`` returns unchanged: index them without it
    "id_number": re.compile(r"\A[0-9]{17}[0-9X]\Z"),
    "phone": _PLAIN_MOBILE_RE,
}


def _blind_index(kind: str, value: str) -> str:
    """``index_for(kind, value)``; the normalisation is skipped for values that are already
    normal (an ID number or a mobile number as the cleaner returns them)."""
    if _CANONICAL[kind].match(value):
        return blind_index(kind, value)
    return index_for(kind, value)


# --- writing batches -------------------------------------------------------------------------

PERSON_EXTRA = (
    "ethnicity",
    "education",
    "household_type",
    "skill_level",
    "model_worker_level",
    "residence_region",
)


def assign_card_numbers(memberships: list[Membership]) -> None:
    """Give new memberships their card numbers (``actions.card_number_for``: year + region + id).

    ``bulk_update`` would build a CASE expression per row (measured: a third of the import
    time); rows share a handful of year+region prefixes, so one UPDATE per prefix computes
    the number in SQL from the id instead.
    """
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat, LPad

    groups: dict[str, list[int]] = {}
    for membership in memberships:
        membership.card_no = card_number_for(membership)
        groups.setdefault(membership.card_no[:-8], []).append(membership.pk)
    if max(m.pk for m in memberships) >= 10**8:
        # LPAD would cut a 9-digit id; the generic path keeps every digit.
        Membership.objects.bulk_update(memberships, ["card_no"], batch_size=BATCH_SIZE)
        return
    for prefix, ids in groups.items():
        for start in range(0, len(ids), BATCH_SIZE):
            Membership.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(
                card_no=Concat(
                    Value(prefix),
                    LPad(Cast("id", CharField()), 8, Value("0")),
                    output_field=CharField(),
                )
            )


@functools.lru_cache(maxsize=8192)  # bounded: memory must not grow with the file
def _pinyin(name: str) -> tuple[str, str]:
    """``actions.pinyin_of(name)`` with one pypinyin call instead of two: pypinyin's
    FIRST_LETTER style is the first letter of the NORMAL style syllable (same segmentation,
    same readings). Names repeat a lot in a roster; pypinyin costs about 40 µs per call."""
    syllables = lazy_pinyin(name, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def mask_org_name(name: str) -> str:
    """``江北测试公司工会`` → ``江北****工会``: enough to recognise, not to read out."""
    return mask_generic(name, 2, 2) if len(name) > 4 else mask_name(name)


# --- the insert fast path ----------------------------------------------------------------------
#
# ``bulk_create`` spends most of its time compiling the INSERT (pre_save and
# get_db_prep_save per field and row: measured, half of the import time). New people and
# memberships are inserted with the exact column values it would store instead: the ids are
# reserved first (a sequence on PostgreSQL, the next AUTOINCREMENT values under the write lock
# on SQLite), so the card numbers are part of the row, and the rows go in with COPY on
# PostgreSQL or multi-row INSERTs on SQLite. The column lists below name every concrete field;
# a model field they do not know switches the importer back to ``bulk_create``
# (test_roster_fast_path checks that they are complete and that both paths store the same).

PERSON_COLUMNS = (
    "name",
    "name_pinyin",
    "name_initials",
    "id_number",
    "id_index",
    "gender",
    "birth_date",
    "phone",
    "phone_index",
    *PERSON_EXTRA,
    "org_id",
    "user_id",
    "created_at",
    "updated_at",
)
MEMBERSHIP_COLUMNS = (
    "person_id",
    "org_id",
    "employer_id",
    "employer_name",
    "employment_form",
    "is_migrant",
    "state",
    "source",
    "joined_on",
    "card_no",
    "last_dues_on",
    "last_activity_on",
    "state_changed_at",
    "ended_on",
    "end_reason",
    "lapse_flagged_at",
    "created_at",
)


def _attnames(model) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields if not f.primary_key}


def _fast_insert_supported() -> bool:

    return (
        connection.vendor in ("sqlite", "postgresql")
        and _attnames(Person) == set(PERSON_COLUMNS)
        and _attnames(Membership) == set(MEMBERSHIP_COLUMNS)
    )


def _derived(row: RowResult) -> dict:
    if row.derived is None:
        RowCleaner.prepare(row)
    return row.derived


@dataclass(eq=False)
class NewMembership:
    """A membership inserted by the import fast path: the attributes ``card_number_for`` and
    the cockpit summaries (``summaries.snapshot``) read, without a model instance."""

    pk: int
    person_id: int
    org: Org
    employer_name: str
    employment_form: str
    is_migrant: bool
    joined_on: date
    state: str = MembershipState.ACTIVE.value
    source: str = MembershipSource.IMPORT.value
    card_no: str | None = None
    ended_on: date | None = None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def org_id(self) -> int:
        return self.org.pk


def _reserve_ids(model, n: int) -> list[int]:
    """``n`` ids for new rows of ``model``, as its next inserts would get them. Call inside
    the transaction that inserts them."""

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the write lock is held from BEGIN (transaction_mode IMMEDIATE); without it,
        # a concurrent insert makes ours fail with an IntegrityError, which the writer retries.
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608 # nosec B608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return list(range(start, start + n))


def _insert_rows(model, attnames: tuple[str, ...], rows: list[tuple], ids=None) -> list[int]:
    """Insert ``rows`` (database values in ``attnames`` order) with ids reserved by
    :func:`_reserve_ids` (or given); returns the ids."""

    ids = ids if ids is not None else _reserve_ids(model, len(rows))
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ["id", *(meta.get_field(a).column for a in attnames)])
    table = quote(meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row))
            return ids
        import sqlite3

        width = len(attnames) + 1
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(500, limit // width))
        one = "(" + ", ".join(["?"] * width) + ")"
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = []
            for pk, row in zip(ids[start : start + per], chunk, strict=True):
                params.append(pk)
                params.extend(row)
            raw.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}",  # noqa: S608 # nosec B608
                params,
            )
    return ids


class BatchWriter:
    """Inserts and updates one batch of valid rows in one transaction."""

    def __init__(self, actor, audit_obj=None, audit_org=None, today: date | None = None):
        self.actor, self.audit_obj, self.audit_org = actor, audit_obj, audit_org
        self.today = today or timezone.localdate()
        self.batches = 0
        self._created_since_analyze = 0
        self._analyze_every = ANALYZE_EVERY

    def write(self, rows: list[RowResult], stats: ImportStats) -> list[RowResult]:
        """Write ``rows``; return the rows that turned out to be errors (other union)."""
        if not rows:
            return []
        for attempt in range(2):
            for row in rows:
                row.errors.clear()
            try:
                with transaction.atomic():
                    failed, counts = self._write(rows)
                    self.batches += 1
                    record_event(
                        actor=self.actor,
                        action="members.import_roster",
                        obj=self.audit_obj,
                        org=self.audit_org,
                        details={"batch": self.batches, "rows": len(rows), **counts},
                    )
            except IntegrityError:
                # A concurrent join or import created one of these people or memberships
                # between our read and our write: read again and classify afresh, once.
                if attempt == 0:
                    continue
                for row in rows:
                    row.errors.append(("身份证号", MSG_SAVE_FAILED))
                return rows
            stats.created += counts["created"]
            stats.updated += counts["updated"]
            stats.unchanged += counts["unchanged"]
            self._refresh_statistics(counts["created"])
            return failed
        return []  # pragma: no cover

    def _refresh_statistics(self, created: int) -> None:
        """On PostgreSQL, ANALYZE the member tables once a big import has grown them.

        Measured on the bench: a 10k-row import into tables analysed while nearly empty left
        the planner estimating one row, and ``current_membership_of_id`` (the join check of
        every other write path) took 4-10 s per call instead of a millisecond, until
        autovacuum caught up. ANALYZE of both tables costs about 0.1 s per 100k rows on an
        idle machine (0.5-0.8 s measured on the loaded bench box: a tenth of a 10k import).
        The interval doubles after each ANALYZE (5k, 10k, 20k … new members): statistics
        stay within a factor of two or three of the truth, with about log2(n / 5000) runs
        per import instead of n / 5000.
        """
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        self._created_since_analyze += created
        if self._created_since_analyze < self._analyze_every:
            return
        self._created_since_analyze = 0
        self._analyze_every *= 2
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {Person._meta.db_table}, {Membership._meta.db_table}"  # noqa: S608
            )

    def _write(self, rows: list[RowResult]) -> tuple[list[RowResult], dict]:
        fast = _fast_insert_supported()
        index = {_derived(r)["id_index"]: r for r in rows}
        people = {p.id_index: p for p in Person.objects.filter(id_index__in=list(index))}
        currents = {
            m.person_id: m
            for m in Membership.objects.filter(
                person_id__in=[p.pk for p in people.values()], state__in=CURRENT_STATES
            ).select_related("org")
        }
        # what the current memberships count in the cockpit summaries before this batch
        summary_before = {m.pk: summaries.snapshot(m) for m in currents.values()}
        now = timezone.now()
        new_people: list = []  # Person objects, or on the fast path the rows themselves
        changed_people: dict[int, Person] = {}
        person_fields: set[str] = set()
        new_members: list[tuple[RowResult, Any]] = []  # (row, Person or the row of a new one)
        changed_members: list[Membership] = []
        member_fields: set[str] = set()
        failed: list[RowResult] = []
        counts = {"created": 0, "updated": 0, "unchanged": 0, "other_union": 0}
        # A union elsewhere is named only if the importer may see that membership (#11).
        elsewhere = [m.pk for m in currents.values()]
        visible_elsewhere = (
            set(
                restrict(Membership, self.actor, "view")
                .filter(pk__in=elsewhere)
                .values_list("pk", flat=True)
            )
            if elsewhere
            else set()
        )
        old_phones: list[str] = []  # numbers whose account lost the record: told on commit

        for idx, row in index.items():
            v = row.values
            org: Org = v["org"]
            person = people.get(idx)
            current = currents.get(person.pk) if person else None
            if current is not None and current.org_id != org.pk:
                message = (
                    _Formatted(MSG_OTHER_UNION, {"org": current.org.name})
                    if current.pk in visible_elsewhere
                    else MSG_MEMBER_ELSEWHERE
                )
                row.errors.append(("身份证号", message))
                failed.append(row)
                counts["other_union"] += 1
                continue
            if person is None and fast:
                new_people.append(row)
                new_members.append((row, row))
                counts["created"] += 1
                continue
            if person is None:
                pinyin, initials = _pinyin(v["name"])
                person = Person(
                    name=v["name"],
                    name_pinyin=pinyin,
                    name_initials=initials,
                    id_number=v["id_number"],
                    phone=v["phone"],
                    gender=v["gender"],
                    birth_date=v["birth_date"],
                    org=org,
                    **{k: v[k] for k in PERSON_EXTRA if v.get(k)},
                )
                new_people.append(person)
                new_members.append((row, person))
                counts["created"] += 1
                continue
            old_phone = person.phone
            person_changes = self._person_changes(person, v, org)
            if "phone" in person_changes and person.user_id is not None:
                # The account of the old number no longer opens the record; the old number
                # is told (as members.identity.set_phone does for a single change).
                person.user = None
                person_changes.add("user")
                if old_phone:
                    old_phones.append(old_phone)
            if person_changes:
                person_fields |= person_changes
                changed_people[person.pk] = person
            if current is None:
                new_members.append((row, person))
                counts["created"] += 1
                continue
            member_changes = self._member_changes(current, v)
            if member_changes:
                member_fields |= member_changes
                changed_members.append(current)
            if person_changes or member_changes:
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1

        person_ids: dict[int, int] = {}
        if new_people and fast:
            person_ids = self._insert_people(new_people, now)
        elif new_people:
            # bulk_create runs pre_save: the blind indexes are computed there.
            Person.objects.bulk_create(new_people, batch_size=BATCH_SIZE)
        if changed_people:
            person_fields.add("updated_at")
            for person in changed_people.values():
                person.updated_at = now
            Person.objects.bulk_update(
                list(changed_people.values()), sorted(person_fields), batch_size=BATCH_SIZE
            )
        memberships: list = []  # Membership objects, or NewMembership on the fast path
        if new_members and fast:
            memberships = self._insert_memberships(new_members, person_ids, now)
        elif new_members:
            for row, person in new_members:
                v = row.values
                memberships.append(
                    Membership(
                        person=person,
                        org=v["org"],
                        employer_name=v["employer_name"],
                        employment_form=v["employment_form"],
                        is_migrant=bool(v["is_migrant"]),
                        source=MembershipSource.IMPORT,
                        joined_on=v["joined_on"] or self.today,
                        state=MembershipState.ACTIVE,
                    )
                )
            Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
            assign_card_numbers(memberships)
        if changed_members:
            Membership.objects.bulk_update(
                changed_members, sorted(member_fields), batch_size=BATCH_SIZE
            )
        # Same transaction as the rows: new memberships and changed ones (start date, form of
        # employment, migrant flag) move the cockpit summary counts.
        summaries.memberships_changed(
            [summary_before[m.pk] for m in changed_members],
            [summaries.snapshot(m) for m in (*memberships, *changed_members)],
        )
        for phone in old_phones:
            transaction.on_commit(identity.notify(phone, str(MSG_PHONE_CHANGED)))
        return failed, counts

    def _insert_people(self, rows: list[RowResult], now) -> dict[int, int]:
        """Insert a new person per row with the column values ``bulk_create`` would store
        (ciphertexts, blind indexes and pinyin derived ahead); returns ``id(row) → pk``."""

        created = Person._meta.get_field("created_at").get_db_prep_save(now, connection)
        day = connection.ops.adapt_datefield_value
        data = []
        for row in rows:
            v, d = row.values, _derived(row)
            data.append(
                (
                    v["name"],
                    d["name_pinyin"],
                    d["name_initials"],
                    d["id_number"],
                    d["id_index"],
                    v["gender"],
                    day(v["birth_date"]),
                    d["phone"],
                    d["phone_index"],
                    *[v.get(key) or "" for key in PERSON_EXTRA],
                    v["org"].pk,
                    None,
                    created,
                    created,
                )
            )
        ids = _insert_rows(Person, PERSON_COLUMNS, data)
        return {id(row): pk for row, pk in zip(rows, ids, strict=True)}

    def _insert_memberships(self, new_members: list, person_ids: dict[int, int], now) -> list:
        """Insert the new memberships with their card numbers (ids reserved first, so the
        numbers are computed here instead of by an UPDATE); returns lightweight
        :class:`NewMembership` objects."""

        created = Membership._meta.get_field("created_at").get_db_prep_save(now, connection)
        day = connection.ops.adapt_datefield_value
        ids = _reserve_ids(Membership, len(new_members))
        memberships, data = [], []
        for (row, person), pk in zip(new_members, ids, strict=True):
            v = row.values
            membership = NewMembership(
                pk=pk,
                person_id=person_ids[id(row)] if person is row else person.pk,
                org=v["org"],
                employer_name=v["employer_name"],
                employment_form=str(v["employment_form"]),
                is_migrant=bool(v["is_migrant"]),
                joined_on=v["joined_on"] or self.today,
            )
            membership.card_no = card_number_for(membership)
            memberships.append(membership)
            data.append(
                (
                    membership.person_id,
                    membership.org_id,
                    None,
                    membership.employer_name,
                    membership.employment_form,
                    membership.is_migrant,
                    membership.state,
                    membership.source,
                    day(membership.joined_on),
                    membership.card_no,
                    None,
                    None,
                    created,
                    None,
                    "",
                    None,
                    created,
                )
            )
        _insert_rows(Membership, MEMBERSHIP_COLUMNS, data, ids=ids)
        return memberships

    @staticmethod
    def _person_changes(person: Person, v: dict, org: Org) -> set[str]:
        changes: set[str] = set()
        if person.name != v["name"]:
            person.name = v["name"]
            person.name_pinyin, person.name_initials = _pinyin(v["name"])
            changes |= {"name", "name_pinyin", "name_initials"}
        if person.phone != v["phone"]:
            person.phone = v["phone"]
            # bulk_update skips pre_save: keep the blind index in step by hand.
            person.phone_index = index_for("phone", v["phone"])
            changes |= {"phone", "phone_index"}
        for key in ("gender", "birth_date"):
            if getattr(person, key) != v[key]:
                setattr(person, key, v[key])
                changes.add(key)
        for key in PERSON_EXTRA:
            if v.get(key) and getattr(person, key) != v[key]:
                setattr(person, key, v[key])
                changes.add(key)
        if person.org_id != org.pk:
            person.org = org
            changes.add("org")
        return changes

    @staticmethod
    def _member_changes(membership: Membership, v: dict) -> set[str]:
        changes: set[str] = set()
        wanted = {"employer_name": v["employer_name"], "employment_form": v["employment_form"]}
        if v["is_migrant"] is not None:
            wanted["is_migrant"] = v["is_migrant"]
        if v["joined_on"] is not None:
            wanted["joined_on"] = v["joined_on"]
        for key, value in wanted.items():
            if getattr(membership, key) != value:
                setattr(membership, key, value)
                changes.add(key)
        return changes


def find_header(rows: Iterator[list], first_row: int = 1, scan: int = 20):
    """Find the header row among the first ``scan`` rows: returns ``(row_number, header
    cells, {column index: key})``."""
    for offset in range(scan):
        try:
            cells = next(rows)
        except StopIteration:
            break
        columns = {}
        for i, cell in enumerate(cells):
            key = header_key(cell) if isinstance(cell, str) else None
            if key and key not in columns.values():
                columns[i] = key
        if "name" in columns.values() and "id_number" in columns.values():
            missing = [c.title for c in COLUMNS if c.required and c.key not in columns.values()]
            if missing:
                raise RosterError(_Formatted(MSG_MISSING_COLUMNS, {"columns": "、".join(missing)}))
            return first_row + offset, list(cells), columns
    raise RosterError(MSG_NO_HEADER)


def process_rows(
    iterator: Iterator[list],
    *,
    first_data_row: int,
    cleaner,
    writer,
    stats: ImportStats,
    batch_size: int,
    on_error: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[RowResult], None] | None = None,
    on_progress: Callable[[ImportStats], None] | None = None,
) -> ImportStats:
    """The row loop every importer shares: skip empty rows, clean each row with
    ``cleaner.clean(row_number, cells)``, report errors and warnings, and hand the valid rows
    to ``writer.write(rows, stats)`` (which returns the rows it refused) in batches, reporting
    progress after each batch.

    A cleaner that offers ``clean_offline`` and ``finish`` (``clean`` split into its part
    that needs no database and the rest) gets its file read and its rows cleaned on a reader
    thread, a few batches ahead, while this thread writes: the database works (without the
    GIL) while Python cleans the next rows. Callbacks and database access stay on this
    thread, except ``on_warning``, which the reader thread calls (in row order) so that writing
    the warnings sheet overlaps with the database too; memory holds at most
    ``PIPELINE_AHEAD`` rows besides the batch being written."""
    pending: list[RowResult] = []
    read = 0

    def flush():
        for row in writer.write(pending, stats):
            stats.errors += 1
            if on_error:
                on_error(row)
        pending.clear()
        stats.processed_rows = read
        if on_progress:
            on_progress(stats)

    pipelined = (
        hasattr(cleaner, "clean_offline")
        and hasattr(cleaner, "finish")
        and (PIPELINE_ON_SQLITE or connection.vendor != "sqlite")
    )
    if pipelined:
        results = _cleaned_ahead(iterator, first_data_row, cleaner.clean_offline, on_warning)
    else:
        results = (
            cleaner.clean(offset, cells)
            for offset, cells in enumerate(iterator, start=first_data_row)
            if not all(_is_empty(c) for c in cells)
        )
    try:
        for result in results:
            read += 1
            if pipelined:
                result = cleaner.finish(result)
            if result.warnings:
                stats.warnings += len(result.warnings)
                if on_warning and not pipelined:
                    on_warning(result)
            if result.ok:
                pending.append(result)
            else:
                stats.errors += 1
                if on_error:
                    on_error(result)
            if read % batch_size == 0:
                flush()
        flush()
    finally:
        close = getattr(results, "close", None)
        if close:
            close()
    stats.total_rows = read
    return stats


PIPELINE_CHUNK = 250  # rows handed over at a time
# SQLite works inside this process, holding the GIL between statements: measured on the
# bench, the reader thread gained nothing there (0-20% slower, the threads contending for
# the GIL); PostgreSQL works in its own process, where it gained 10-20%.
PIPELINE_ON_SQLITE = False
PIPELINE_AHEAD = 4000  # rows cleaned ahead at most


def _cleaned_ahead(
    iterator: Iterator[list],
    first_data_row: int,
    clean: Callable,
    on_warning: Callable[[RowResult], None] | None = None,
):
    """Yield ``clean(row_number, cells)`` for the non-empty rows of ``iterator``, computed on
    a reader thread (which does not touch the database), which also calls ``on_warning`` for
    the rows with warnings."""
    import queue
    import threading

    handover: queue.Queue = queue.Queue(maxsize=max(1, PIPELINE_AHEAD // PIPELINE_CHUNK))
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handover.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            chunk = []
            for offset, cells in enumerate(iterator, start=first_data_row):
                if all(_is_empty(c) for c in cells):
                    continue
                result = clean(offset, cells)
                if on_warning and result.warnings:
                    on_warning(result)
                chunk.append(result)
                if len(chunk) >= PIPELINE_CHUNK:
                    if not put(chunk):
                        return
                    chunk = []
            if chunk and not put(chunk):
                return
            put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = handover.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        thread.join()


def import_roster(
    rows: Iterable[list],
    *,
    actor,
    org: Org,
    first_row: int = 1,
    total_rows: int = 0,
    batch_size: int = IMPORT_BATCH_SIZE,
    on_header: Callable[[list], None] | None = None,
    on_error: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[RowResult], None] | None = None,
    on_progress: Callable[[ImportStats], None] | None = None,
    audit_obj=None,
    today: date | None = None,
) -> ImportStats:
    """Import member rows into ``org`` and the unions below it that ``actor`` may import
    into. Raises :class:`RosterError` when the file as a whole is unusable."""
    today = today or timezone.localdate()
    iterator = iter(rows)
    header_row, header, columns = find_header(iterator, first_row)
    if on_header:
        on_header(header)
    stats = ImportStats(total_rows=max(total_rows - (header_row - first_row + 1), 0))
    cleaner = RowCleaner(columns, OrgResolver(actor, org), today)
    writer = BatchWriter(actor, audit_obj=audit_obj, audit_org=org, today=today)
    return process_rows(
        iterator,
        first_data_row=header_row + 1,
        cleaner=cleaner,
        writer=writer,
        stats=stats,
        batch_size=batch_size,
        on_error=on_error,
        on_warning=on_warning,
        on_progress=on_progress,
    )


# --- the template ----------------------------------------------------------------------------


def build_template() -> bytes:
    """The xlsx template: the roster sheet with its headers (ID and phone columns formatted as
    text so Excel keeps every digit) and a sheet explaining every column and code."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    sheet.append([c.title for c in COLUMNS])
    for i, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("id_number", "phone", "org_code", "card_no", "residence_region"):
            # Text format for the whole column: numbers typed here keep every digit.
            for row in range(2, 2002):
                sheet.cell(row=row, column=i).number_format = "@"
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet(HELP_SHEET_NAME)
    with translation.override("zh-hans"):
        help_sheet.append(["列", "必填", "说明"])
        for cell in help_sheet[1]:
            cell.font = bold
        for column in COLUMNS:
            help_sheet.append([column.header, "是" if column.required else "否", str(column.help)])
        help_sheet.append([])
        help_sheet.append(["代码表", "代码", "可填写"])
        for cell in help_sheet[help_sheet.max_row]:
            cell.font = bold
        for key, cls in CHOICE_CLASSES.items():
            for value, label in cls.choices:
                if not value:
                    continue
                aliases = "、".join((str(label), *CHOICE_ALIASES.get(key, {}).get(value, ())))
                help_sheet.append([COLUMN_BY_KEY[key].header, value, aliases])
        help_sheet.append([])
        help_sheet.append(
            [
                str(
                    _(
                        "Rows with errors are not imported: download the error workbook, fix the "
                        "rows there and import that file again."
                    )
                )
            ]
        )
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["B"].width = 18
    help_sheet.column_dimensions["C"].width = 90
    for row in help_sheet.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- export ----------------------------------------------------------------------------------

# The member list's own filters (members.admin.MembershipAdmin.list_filter, by their query
# parameters) → lookup. The list's search box ("q") and its "subtree" and "lapsing" filters
# are applied below exactly as the list applies them; test_export_matches_the_list fails when
# the list gains a filter the export does not honour.
EXPORT_FILTERS = {
    "state__exact": "state",
    "employment_form__exact": "employment_form",
    "is_migrant__exact": "is_migrant",
    "source__exact": "source",
    "joined_on_from": "joined_on__gte",  # unfold's RangeDateFilter
    "joined_on_to": "joined_on__lte",
    # Names kept for export requests stored before the list's names were used.
    "org": "org_id",
    "org__id__exact": "org_id",
    "state": "state",
    "employment_form": "employment_form",
    "is_migrant": "is_migrant",
    "joined_on__gte": "joined_on__gte",
    "joined_on__lte": "joined_on__lte",
}
EXPORT_SEARCH_AND_OWN_FILTERS = ("q", "subtree", "lapsing")


def export_filters_from(params) -> dict[str, str]:
    """The filters of the membership list (its query string) that an export honours."""
    filters = {}
    for name in [*EXPORT_FILTERS, *EXPORT_SEARCH_AND_OWN_FILTERS]:
        value = params.get(name)
        if value not in (None, ""):
            filters[name] = str(value)[:100]
    return filters


def _list_date(value: str) -> date | None:
    """A date as the list's date-range filter reads it (any of DATE_INPUT_FORMATS)."""
    from django.conf import settings

    for fmt in settings.DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a date, no zone)
        except (ValueError, TypeError):
            continue
    return None


def export_queryset(user, filters: dict, *, permission: str = EXPORT_PERMISSION):
    """The memberships ``user`` may export, narrowed by the list's search and filters.

    The search is the list's own (``members.search.search_memberships``: name, pinyin or
    initials, a full ID number or mobile by blind index, a card number), so the export has
    the rows the list shows."""
    from django.core.exceptions import ValidationError

    from gonghui.members.search import search_memberships
    from gonghui.platform.access.scoping import subtree_ids

    qs = restrict(Membership, user, permission)
    for name, value in filters.items():
        if name == "q":
            qs = search_memberships(qs, value)
        elif name == "subtree":
            # As the list's SubtreeFilter: an org the user may view, and everything below.
            org = (
                restrict(Org, user, "view").filter(pk=int(value)).first()
                if str(value).isdigit()
                else None
            )
            if org is None:
                return qs.none()
            qs = qs.filter(org_id__in=subtree_ids(user, org.path))
        elif name == "lapsing":
            if value == "only":
                qs = qs.filter(lapse_flagged_at__isnull=False)
        elif name in EXPORT_FILTERS:
            lookup = EXPORT_FILTERS[name]
            if lookup == "is_migrant":
                value = str(value).lower() in ("1", "true", "yes")
            elif lookup.startswith("joined_on__"):
                value = _list_date(value) if name.endswith(("_from", "_to")) else value
                if value is None:
                    return qs.none()
            try:
                qs = qs.filter(**{lookup: value})
            except (ValueError, TypeError, ValidationError):
                return qs.none()
    return qs


EXPORT_HEADERS = (
    "姓名",
    "身份证号(脱敏)",
    "手机号(脱敏)",
    "所属工会",
    "所属工会编码",
    "用人单位或平台",
    "就业形态",
    "是否农民工",
    "状态",
    "入会日期",
    "会员卡号",
)


def write_memberships_xlsx(memberships: Iterable[Membership], target) -> int:
    """Write the memberships to ``target`` (a path or binary file) with openpyxl write-only
    mode (constant memory); ID numbers and phones are masked. Returns the row count."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员名册")
    sheet.append(list(EXPORT_HEADERS))
    count = 0
    with translation.override("zh-hans"):
        for m in memberships:
            person = m.person
            # xlsx_row: a stored value with a control character must not fail the export.
            sheet.append(
                xlsx_row(
                    sheet,
                    [
                        person.name,
                        mask_id_list(person.id_number),
                        mask_phone(person.phone),
                        m.org.name,
                        m.org_id,
                        m.employer_name,
                        str(EmploymentForm(m.employment_form).label),
                        "是" if m.is_migrant else "否",
                        str(MembershipState(m.state).label),
                        m.joined_on,
                        m.card_no or "",
                    ],
                )
            )
            count += 1
    workbook.save(target)
    return count
