"""The member roster's columns and how one of its rows is read (issue #13: the engine is
``gonghui/platform/imports``; this is the roster's registration with it).

Every value is read the way people actually type it into Excel (the engine's cell cleaners:
IDs stored as numbers, a leading apostrophe, full-width digits, ``+86``, dates as text or as
Excel serial numbers, Chinese labels for coded fields) and every change made to a value is
reported as a warning. :class:`RowCleaner` is split the engine's way: ``clean_offline`` needs
no database (it runs in a worker process for big files and derives the ciphertexts, blind
indexes and pinyin the writer stores), ``finish`` resolves the union code and reports an ID
number already seen in an earlier row of the file.
"""

from __future__ import annotations

import functools
from datetime import date

from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from gonghui.members.actions import member_org_problem
from gonghui.members.choices import (
    Education,
    EmploymentForm,
    HouseholdType,
    ModelWorkerLevel,
    SkillLevel,
)
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.imports import cells
from gonghui.platform.imports.cells import (
    CANONICAL_ID_RE,
    PLAIN_MOBILE_RE,
    CellError,
    Formatted,
    clean_date,
    clean_id_number,
    clean_phone,
    clean_region,
    clean_text,
    is_empty,
)
from gonghui.platform.imports.columns import Column, ColumnSet, FileError
from gonghui.platform.imports.pipeline import RowResult
from gonghui.platform.pii.crypto import Sealer
from gonghui.platform.pii.fields import index_for

SHEET_NAME = "会员登记表"
HELP_SHEET_NAME = "填写说明"
IMPORT_PERMISSION = "members.import_roster"

COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "姓名",
        True,
        _("The name as on the ID card, at most 50 characters."),
        width=10,
    ),
    Column(
        "id_number",
        "身份证号",
        True,
        _(
            "18-character resident ID number (the last may be X). Format the column as text: "
            "Excel keeps only 15 digits of a number, so an ID typed as a number cannot be "
            "recovered. Old 15-digit numbers are converted, with a warning."
        ),
        aliases=("身份证号码", "公民身份号码"),
        width=22,
        text=True,
    ),
    Column(
        "phone",
        "手机号",
        True,
        _("11-digit mainland mobile number; +86 is removed."),
        aliases=("手机号码", "联系电话"),
        width=15,
        text=True,
    ),
    Column(
        "org_code",
        "所属工会编码",
        True,
        _(
            "The union the member belongs to: its number in the console or its unified social "
            "credit code. It must be the union you import into or a union below it that "
            "holds members (grassroots union, federation of unions or holding pool)."
        ),
        aliases=("工会编码",),
        width=20,
        text=True,
    ),
    Column(
        "employer_name",
        "用人单位或平台",
        True,
        _("Employer, or the platform worked for."),
        aliases=("用人单位", "工作单位"),
        width=24,
    ),
    Column(
        "employment_form",
        "就业形态",
        True,
        _("How the member works: one of the labels or codes listed below."),
        width=16,
    ),
    Column(
        "is_migrant",
        "是否农民工",
        False,
        _("是 or 否; empty means 否 for new members."),
        aliases=("农民工",),
        width=10,
    ),
    Column(
        "joined_on",
        "入会日期",
        False,
        _("Date of joining, e.g. 2023-05-01; empty means the day of the import."),
        width=12,
    ),
    Column("ethnicity", "民族", False, _("Ethnic group, e.g. 汉族."), width=8),
    Column("education", "学历", False, _("One of the labels or codes listed below."), width=12),
    Column(
        "household_type", "户籍类型", False, _("One of the labels or codes listed below."), width=14
    ),
    Column(
        "skill_level", "技能等级", False, _("One of the labels or codes listed below."), width=12
    ),
    Column(
        "model_worker_level",
        "劳模称号",
        False,
        _("One of the labels or codes listed below."),
        width=12,
    ),
    Column(
        "residence_region",
        "居住区县代码",
        False,
        _("6-digit code of the district of residence (GB/T 2260), e.g. 500112."),
        width=12,
        text=True,
    ),
    Column(
        "card_no",
        "会员卡号(留空)",
        False,
        _("Leave empty: the card number is issued by the system."),
        width=16,
        text=True,
        prefix="会员卡号",
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

MSG_NAME = _("Enter the name as on the ID card (at most 50 characters).")
MSG_CARD_IGNORED = _("Card numbers are issued by the system; the value was ignored.")
MSG_ORG_UNKNOWN = _("No union has this code.")
MSG_ORG_OUT_OF_SCOPE = _("You cannot import into this union.")
MSG_ORG_CANNOT_HOLD = _(
    "Members belong to a grassroots union, a federation of unions or a holding pool; "
    "this union cannot hold members."
)
MSG_ORG_INACTIVE = _("This union is not active.")
MSG_DUPLICATE = _("The same ID number is already in row %(row)d of this file.")
MSG_NO_HEADER = _(
    "No header row found: the first rows must contain the template's column titles "
    "(姓名, 身份证号 …). Download the template and copy the data into it."
)


class RosterError(FileError):
    """The file as a whole cannot be imported (no header row, required columns missing)."""


ROSTER = ColumnSet(
    COLUMNS,
    detect=lambda keys: {"name", "id_number"} <= keys,
    no_header=MSG_NO_HEADER,
    error=RosterError,
)


def header_key(text) -> str | None:
    """The column key of a header cell (``"身份证号*"``, ``"身份证号码"`` or ``"id_number"``)."""
    return ROSTER.key_of(text)


def find_header(rows, first_row: int = 1, scan: int = 20):
    """Find the header row among the first ``scan`` rows: returns ``(row_number, header
    cells, {column index: key})``."""
    header = ROSTER.find_header(rows, first_row, scan)
    return header.row_number, header.cells, header.columns


def _codes(key: str) -> str:
    return "、".join(v for v, _label in CHOICE_CLASSES[key].choices if v)


@functools.cache
def choice_lookup(key: str) -> dict[str, str]:
    """Everything accepted for a coded column (code, English and Chinese labels, aliases),
    normalised, mapped to the code."""
    return cells.choice_lookup(CHOICE_CLASSES[key].choices, CHOICE_ALIASES.get(key))


def clean_choice(key: str, value, lookup: dict[str, str]) -> tuple[str, list]:
    return cells.clean_choice(value, lookup, _codes(key))


def clean_bool(value) -> bool | None:
    return cells.clean_bool(value)


def org_code_of(value) -> str:
    return cells.clean_code(value)


def build_template() -> bytes:
    """The xlsx template: the roster sheet with its headers (ID and phone columns formatted as
    text so Excel keeps every digit) and a sheet explaining every column and code."""
    codes = []
    for key, cls in CHOICE_CLASSES.items():
        for value, label in cls.choices:
            if value:
                aliases = "、".join((str(label), *CHOICE_ALIASES.get(key, {}).get(value, ())))
                codes.append((COLUMN_BY_KEY[key].header, value, aliases))
    return ROSTER.template(SHEET_NAME, HELP_SHEET_NAME, codes=codes)


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
            return CellError(cells.MSG_REQUIRED)
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


@functools.lru_cache(maxsize=8192)  # bounded: memory must not grow with the file
def pinyin(name: str) -> tuple[str, str]:
    """``actions.pinyin_of(name)`` with one pypinyin call instead of two: pypinyin's
    FIRST_LETTER style is the first letter of the NORMAL style syllable (same segmentation,
    same readings). Names repeat a lot in a roster; pypinyin costs about 40 µs per call."""
    syllables = lazy_pinyin(name, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def _clean_name(value):
    return clean_text(value, 50)


def _clean_employer(value):
    return clean_text(value, 200)


def _clean_ethnicity(value):
    return clean_text(value, 20)


class _Flagged:
    """A cell whose error is already reported (see ``flagged_columns``); one object, also
    after a trip through a worker process."""

    def __reduce__(self):
        return "_FLAGGED"


_FLAGGED = _Flagged()
CODED = ("education", "household_type", "skill_level", "model_worker_level")


class RowCleaner:
    """Normalises and validates one roster row (see the module docstring).

    ``orgs`` is None in a worker process (``offline_cleaner``): only ``clean_offline`` runs
    there."""

    def __init__(self, columns: dict[int, str], orgs: OrgResolver | None, today: date):
        self.columns, self.orgs, self.today = columns, orgs, today
        self.lookups = {key: choice_lookup(key) for key in CHOICE_CLASSES}
        self.codes = {key: _codes(key) for key in CHOICE_CLASSES}
        self._index = {key: i for i, key in self.columns.items()}
        self._sealer: Sealer | None = None
        self._seen: dict[str, int] = {}  # for ``clean`` used on its own (the bench's N)

    @property
    def sealer(self) -> Sealer:
        if self._sealer is None:
            self._sealer = Sealer()
        return self._sealer

    def worker_spec(self) -> dict:
        """How a worker process builds this cleaner (see platform/imports/workers.py)."""
        return {
            "factory": "gonghui.members.roster_rows:offline_cleaner",
            "kwargs": {"columns": self.columns, "today": self.today},
        }

    def clean(self, row_number: int, row: list) -> RowResult:
        """Clean one row on its own (in-file repeats remembered by this cleaner)."""
        result = self.clean_offline(row_number, row)
        first = None
        if result.key is not None:
            first = self._seen.setdefault(result.key, row_number)
            first = None if first == row_number else first
        return self.finish(result, first)

    def clean_offline(self, row_number: int, row: list) -> RowResult:
        result = self._clean_cells(row_number, row)
        if not result.errors:
            self.prepare(result)
        return result

    def _clean_cells(self, row_number: int, row: list) -> RowResult:
        result = RowResult(row_number, list(row))
        n = len(row)
        raw = {key: (row[i] if i < n else None) for key, i in self._index.items()}
        values = result.values
        errors, warnings = result.errors, result.warnings
        # a formula or a merged cell where a value should be: reported, not read
        for key, error in ROSTER.flagged(row, self.columns).items():
            errors.append(error)
            raw[key] = _FLAGGED

        def attempt(key: str, fn, value):
            if value is _FLAGGED:
                return None
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
            errors.append(("姓名", cells.MSG_REQUIRED))
        values["name"] = name
        info = attempt("id_number", clean_id_number, raw.get("id_number"))
        if info is not None:
            values["id_number"] = info.number
            values["gender"] = info.gender
            values["birth_date"] = info.birth_date
            # an ID seen in an earlier row is reported here, by ``finish``
            result.key = self._index_of("id_number", info.number)
            result.key_at = len(errors)
        values["phone"] = attempt("phone", clean_phone, raw.get("phone"))
        # the union is resolved by ``finish``; its error goes here, in column order
        values["org_code"] = raw.get("org_code")
        values["_org_error_at"] = len(errors)
        employer = attempt("employer_name", _clean_employer, raw.get("employer_name"))
        if employer == "":
            errors.append(("用人单位或平台", cells.MSG_REQUIRED))
        values["employer_name"] = employer

        value = raw.get("employment_form")
        if is_empty(value):
            errors.append((COLUMN_BY_KEY["employment_form"].header, cells.MSG_REQUIRED))
            values["employment_form"] = None
        else:
            values["employment_form"] = attempt(
                "employment_form",
                lambda v: cells.clean_choice(
                    v, self.lookups["employment_form"], self.codes["employment_form"]
                ),
                value,
            )
        value = raw.get("is_migrant")
        values["is_migrant"] = (
            None if is_empty(value) else attempt("is_migrant", cells.clean_bool, value)
        )
        value = raw.get("joined_on")
        values["joined_on"] = (
            None
            if is_empty(value)
            else attempt("joined_on", lambda v: clean_date(v, today=self.today), value)
        )
        value = raw.get("ethnicity")
        values["ethnicity"] = (
            "" if is_empty(value) else attempt("ethnicity", _clean_ethnicity, value)
        )
        for key in CODED:
            value = raw.get(key)
            values[key] = (
                ""
                if is_empty(value)
                else attempt(
                    key,
                    lambda v, key=key: cells.clean_choice(v, self.lookups[key], self.codes[key]),
                    value,
                )
            )
        value = raw.get("residence_region")
        values["residence_region"] = (
            "" if is_empty(value) else attempt("residence_region", clean_region, value)
        )
        if not is_empty(raw.get("card_no")) and raw.get("card_no") is not _FLAGGED:
            warnings.append((COLUMN_BY_KEY["card_no"].header, MSG_CARD_IGNORED))
        return result

    def finish(self, result: RowResult, first_row: int | None = None) -> RowResult:
        """Report an ID number already in ``first_row`` of the file, and resolve the row's
        union (the only step that reads the database)."""
        values = result.values
        position = values.pop("_org_error_at")
        if first_row is not None:
            result.errors.insert(
                result.key_at, ("身份证号", Formatted(MSG_DUPLICATE, {"row": first_row}))
            )
            position += 1
        code = values.pop("org_code")
        if code is _FLAGGED:
            values["org"] = None
            return result
        try:
            values["org"] = self.orgs.resolve(org_code_of(code))
        except CellError as exc:
            values["org"] = None
            result.errors.insert(position, (COLUMN_BY_KEY["org_code"].header, exc.message))
        return result

    def _index_of(self, kind: str, value: str) -> str:
        """The blind index of an ID or mobile number as the cleaner returns them (already
        normal: ``index_for``'s normalisation is skipped), else ``index_for`` itself."""
        canonical = CANONICAL_ID_RE if kind == "id_number" else PLAIN_MOBILE_RE
        if canonical.match(value):
            return self.sealer.index(kind, value)
        return index_for(kind, value)

    def prepare(self, result: RowResult) -> None:
        """What the writer stores for a new person, derived ahead."""
        v = result.values
        sealer = self.sealer
        name_pinyin, initials = pinyin(v["name"])
        phone = v["phone"]
        result.derived = {
            "id_index": result.key or self._index_of("id_number", v["id_number"]),
            "phone_index": self._index_of("phone", phone) if phone else None,
            "name_pinyin": name_pinyin,
            "name_initials": initials,
            "id_number": sealer.encrypt(v["id_number"]),
            "phone": sealer.encrypt(phone) if phone else phone,
        }


def offline_cleaner(columns: dict[int, str], today: date) -> RowCleaner:
    """The cleaner of a worker process (no database: ``clean_offline`` only)."""
    return RowCleaner(columns, None, today)
