"""Condolence visits (慰问) from a spreadsheet, through the member-roster import machinery.

A job of kind ``visits`` (``platform/imports``) runs :func:`import_visits`: the header row is
found among the first rows (Chinese titles or English keys), every row is validated by
``actions.clean_visit`` — so a row gets the same messages as the console form — and rows
that cannot be used go to the error workbook with their row number, column and message.

Valid rows are inserted in batches, one transaction and one audit event
(``assistance.import_visits``) per batch, like the roster. Each visit carries an
``import_key``: the SHA-256 of its normalised values and union; the unique constraint
``(org, import_key)`` makes a second import of the same file change nothing (its rows come
out "unchanged"). The ID number column only links a visit to a person already in the
importer's scope (never creates one); the hash uses its blind index, never the number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import queries
from gonghui.assistance.actions import clean_visit, parse_amount
from gonghui.assistance.models import Campaign, Visit
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.imports import actions as import_actions
from gonghui.platform.imports.cells import CellError, clean_date, clean_id_number, clean_text
from gonghui.platform.imports.cells import Formatted as _Formatted
from gonghui.platform.imports.cells import is_empty as _is_empty
from gonghui.platform.imports.cells import number_text as _number_text
from gonghui.platform.imports.columns import Column, ColumnSet, FileError
from gonghui.platform.imports.models import ImportJob, ImportKind
from gonghui.platform.imports.pipeline import ImportStats, RowResult, import_rows
from gonghui.platform.pii.fields import index_for
from gonghui.platform.workflow.base import ActionError, action

SHEET_NAME = "慰问记录"
HELP_SHEET_NAME = "填写说明"
IMPORT_PERMISSION = "assistance.import_visit"
ADD_PERMISSION = "assistance.add_visit"
BATCH_SIZE = 500


COLUMNS: tuple[Column, ...] = (
    Column(
        "date",
        "日期",
        True,
        _("Date of the visit, e.g. 2025-01-20; not in the future."),
        ("慰问日期", "visited_on"),
        12,
    ),
    Column(
        "recipient",
        "慰问对象",
        True,
        _("The person or group visited, e.g. 王芳 or 环卫工人."),
        ("对象", "姓名", "慰问对象名称"),
        20,
    ),
    Column(
        "id_number",
        "身份证号",
        False,
        _(
            "Optional: the ID number of the person visited. If a member with this number is in "
            "your unions the visit is linked to them (head count 1); nobody is created."
        ),
        ("身份证号码", "公民身份号码"),
        22,
        text=True,
    ),
    Column(
        "head_count",
        "人次",
        False,
        _("Number of people visited (人次); empty means 1."),
        ("人数", "慰问人次"),
        8,
    ),
    Column("cash", "慰问金", False, _("Cash given, in yuan."), ("慰问金额", "金额", "现金"), 12),
    Column(
        "goods_value",
        "物资折价",
        False,
        _("Value of the goods given, in yuan. Give the cash, the goods or both."),
        ("物资", "物资价值", "物资金额", "goods"),
        12,
    ),
    Column(
        "org",
        "慰问单位",
        False,
        _(
            "Optional: the union that visited, by its name or its number in the console: the "
            "union you import into or one below it. Empty means the union you import into."
        ),
        ("单位", "工会", "慰问工会"),
        20,
    ),
    Column("leaders", "带队领导", False, _("Who led the visit."), ("领导", "带队"), 14),
    Column("note", "备注", False, _("A note, at most 300 characters."), ("说明",), 24),
    Column(
        "campaign",
        "活动",
        False,
        _("Optional: the name of the campaign (四季帮扶) the visit belongs to."),
        ("活动名称", "所属活动"),
        20,
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

MSG_NO_HEADER = _(
    "No header row found: the first rows must contain the template's column titles "
    "(日期, 慰问对象 …). Download the template and copy the data into it."
)
MSG_ORG_UNKNOWN = _("No union with this name or number under the union you import into.")
MSG_ORG_AMBIGUOUS = _("Several unions have this name: give its number in the console instead.")
MSG_ORG_OUT_OF_SCOPE = _("You cannot record visits for this union.")
MSG_CAMPAIGN_UNKNOWN = _("No campaign with this name is open to you.")
MSG_CAMPAIGN_AMBIGUOUS = _("Several campaigns have this name and include this date.")
MSG_DUPLICATE = _("The same visit is already in row %(row)d of this file.")
MSG_PERSON_NOT_FOUND = _(
    "No member with this ID number in your unions: the visit is recorded without the link."
)
MSG_PERSON_HEAD_COUNT = _("A visit to one person counts 1 人次; the head count was set to 1.")
MSG_SAVE_FAILED = _("The row could not be saved because it changed meanwhile; import it again.")

# ActionError codes of clean_visit → the column the message belongs to.
CODE_COLUMNS = {
    "recipient": "recipient",
    "head_count": "head_count",
    "nothing_given": "cash",
    "visited_on": "date",
    "period": "date",
}


class VisitFileError(FileError):
    """The file as a whole cannot be imported (no header row, required columns missing)."""


VISITS = ColumnSet(
    COLUMNS,
    detect=lambda keys: len(keys) >= 2 and bool(keys & {"date", "recipient"}),
    no_header=MSG_NO_HEADER,
    error=VisitFileError,
)


def _error_of(exc: ActionError):
    """A lazy message of an ActionError (rendered later in the error workbook's language)."""
    message = getattr(exc, "message", None)
    if message is None:
        return " ".join(exc.messages)
    return _Formatted(message, exc.params or {}) if exc.params else message


def _text(value) -> str:
    if _is_empty(value):
        return ""
    number = _number_text(value)
    return number if number is not None else str(value).strip()


def _amount_text(value) -> str:
    """A money cell as text; calamine reads numbers as floats (``12.5``)."""
    if _is_empty(value):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


class Resolver:
    """Orgs, campaigns and people named by rows, looked up once per distinct value, always
    within what the importer may see."""

    def __init__(self, actor, root: Org):
        self.actor, self.root = actor, root
        self.visit_orgs = restrict(Org, actor, ADD_PERMISSION).filter(path__startswith=root.path)
        self.campaigns = queries.campaigns_for(actor)
        self.people = restrict(Person, actor, "view")
        self._orgs: dict[str, Org | CellError] = {}
        self._campaigns: dict[str, list[Campaign]] = {}
        self._people: dict[str, Person | None] = {}

    def org(self, text: str) -> Org:
        if text not in self._orgs:
            self._orgs[text] = self._org(text)
        found = self._orgs[text]
        if isinstance(found, CellError):
            raise found
        return found

    def _org(self, text: str) -> Org | CellError:
        if not text:
            org = self.root  # the union the job imports into
        else:
            below = Org.objects.filter(path__startswith=self.root.path)
            if text.isdigit() and len(text) <= 12:
                matches = list(below.filter(pk=int(text)))
            else:
                matches = list(below.filter(name=text)) or list(below.filter(short_name=text))
            if not matches:
                return CellError(MSG_ORG_UNKNOWN)
            if len(matches) > 1:
                return CellError(MSG_ORG_AMBIGUOUS)
            org = matches[0]
        if not self.visit_orgs.filter(pk=org.pk).exists():
            return CellError(MSG_ORG_OUT_OF_SCOPE)
        return org

    def campaign(self, name: str, visited_on) -> Campaign | None:
        if not name:
            return None
        if name not in self._campaigns:
            self._campaigns[name] = list(self.campaigns.filter(name=name))
        matches = self._campaigns[name]
        if not matches:
            raise CellError(MSG_CAMPAIGN_UNKNOWN)
        if len(matches) > 1 and isinstance(visited_on, date):
            matches = [c for c in matches if c.starts_on <= visited_on <= c.ends_on] or matches
        if len(matches) > 1:
            raise CellError(MSG_CAMPAIGN_AMBIGUOUS)
        return matches[0]

    def person(self, id_index: str) -> Person | None:
        if id_index not in self._people:
            self._people[id_index] = self.people.filter(id_index=id_index).first()
        return self._people[id_index]


def import_key(org: Org, values: dict) -> str:
    """SHA-256 of a visit's normalised values and union (the re-import key)."""
    parts = [
        str(org.pk),
        values["visited_on"].isoformat(),
        values["recipient"],
        str(values["head_count"]),
        str(values["cash"]),
        str(values["goods_value"]),
        str(values["campaign"].pk if values["campaign"] else ""),
        values["id_index"] or "",
        values["leaders"],
        values["note"],
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class RowCleaner:
    """Validates one row at a time (no writes): cell formats here, the rules in clean_visit."""

    def __init__(self, columns: dict[int, str], resolver: Resolver):
        self.columns, self.resolver = columns, resolver
        self.seen: dict[str, int] = {}

    def clean(self, row_number: int, cells: list) -> RowResult:
        result = RowResult(row_number, list(cells))
        flagged = VISITS.flagged(cells, self.columns)
        if flagged:  # a formula or a merged cell where a value should be: the row is not read
            result.errors.extend(flagged.values())
            return result
        raw = {key: (cells[i] if i < len(cells) else None) for i, key in self.columns.items()}

        def fail(key: str, message) -> None:
            result.errors.append((COLUMN_BY_KEY[key].header, message))

        def attempt(key: str, fn: Callable):
            try:
                out = fn(raw.get(key))
            except CellError as exc:
                fail(key, exc.message)
                return None
            except ActionError as exc:
                fail(key, _error_of(exc))
                return None
            if isinstance(out, tuple):
                out, warnings = out
                header = COLUMN_BY_KEY[key].header
                result.warnings.extend((header, w) for w in warnings)
            return out

        # Future dates are refused by clean_visit, with the form's message.
        visited_on = attempt("date", lambda v: clean_date(v, today=date.max))
        recipient = attempt("recipient", lambda v: clean_text(v, 200))
        leaders = attempt("leaders", lambda v: clean_text(v, 200))
        note = attempt("note", lambda v: clean_text(v, 300))
        cash = attempt("cash", lambda v: parse_amount(_amount_text(v) or "0", allow_zero=True))
        goods = attempt(
            "goods_value", lambda v: parse_amount(_amount_text(v) or "0", allow_zero=True)
        )
        org = attempt("org", lambda v: self.resolver.org(clean_text(v, 200)))
        campaign = attempt(
            "campaign", lambda v: self.resolver.campaign(clean_text(v, 100), visited_on)
        )
        head_count = _text(raw.get("head_count"))
        id_index = person = None
        if not _is_empty(raw.get("id_number")):
            info = attempt("id_number", clean_id_number)
            if info is not None:
                id_index = index_for("id_number", info.number)
                person = self.resolver.person(id_index)
                header = COLUMN_BY_KEY["id_number"].header
                if person is None:
                    result.warnings.append((header, MSG_PERSON_NOT_FOUND))
                else:
                    if head_count not in ("", "1"):
                        result.warnings.append(
                            (COLUMN_BY_KEY["head_count"].header, MSG_PERSON_HEAD_COUNT)
                        )
                    head_count = "1"
        if result.errors:
            return result
        try:
            data = clean_visit(
                recipient=recipient,
                head_count=head_count,
                cash=cash,
                goods_value=goods,
                visited_on=visited_on,
                leaders=leaders,
                note=note,
                campaign=campaign,
            )
        except ActionError as exc:
            key = CODE_COLUMNS.get(exc.code or "", "recipient")
            if exc.code == "period" and campaign is not None:
                key = "date"
            fail(key, _error_of(exc))
            return result
        values = {
            **data.__dict__,
            "org": org,
            "campaign": campaign,
            "person": person,
            "id_index": id_index,
        }
        values["import_key"] = import_key(org, values)
        first = self.seen.get(values["import_key"])
        if first is not None:
            fail("recipient", _Formatted(MSG_DUPLICATE, {"row": first}))
            return result
        self.seen[values["import_key"]] = row_number
        result.values = values
        return result


class BatchWriter:
    """Inserts one batch of valid rows in one transaction with one audit event."""

    def __init__(self, actor, *, audit_obj=None, audit_org=None):
        self.actor, self.audit_obj, self.audit_org = actor, audit_obj, audit_org
        self.job = audit_obj if isinstance(audit_obj, ImportJob) else None
        self.batches = 0

    def write(self, rows: list[RowResult], stats: ImportStats) -> list[RowResult]:
        """Write ``rows``; return the rows that could not be saved."""
        if not rows:
            return []
        for attempt in range(2):
            try:
                with transaction.atomic():
                    created, unchanged = self._write(rows)
                    self.batches += 1
                    record_event(
                        actor=self.actor,
                        action="assistance.import_visits",
                        obj=self.audit_obj,
                        org=self.audit_org,
                        details={
                            "batch": self.batches,
                            "rows": len(rows),
                            "created": created,
                            "unchanged": unchanged,
                        },
                    )
            except IntegrityError:
                # Another import of the same rows committed between our read and our write.
                if attempt == 0:
                    continue
                for row in rows:
                    row.errors.append((COLUMN_BY_KEY["recipient"].header, MSG_SAVE_FAILED))
                return rows
            stats.created += created
            stats.unchanged += unchanged
            return []
        return []  # pragma: no cover

    def _write(self, rows: list[RowResult]) -> tuple[int, int]:
        keys = [r.values["import_key"] for r in rows]
        existing = set(
            Visit.objects.filter(import_key__in=keys).values_list("org_id", "import_key")
        )
        new = []
        for row in rows:
            v = row.values
            if (v["org"].pk, v["import_key"]) in existing:
                continue
            new.append(
                Visit(
                    org=v["org"],
                    campaign=v["campaign"],
                    person=v["person"],
                    recipient=v["recipient"],
                    head_count=v["head_count"],
                    cash=v["cash"],
                    goods_value=v["goods_value"],
                    visited_on=v["visited_on"],
                    leaders=v["leaders"],
                    note=v["note"],
                    import_job=self.job,
                    import_key=v["import_key"],
                    created_by=self.actor,
                )
            )
        if new:
            Visit.objects.bulk_create(new, batch_size=BATCH_SIZE)
        return len(new), len(rows) - len(new)


def import_visits(
    rows: Iterable[list],
    *,
    actor,
    org: Org,
    first_row: int = 1,
    total_rows: int = 0,
    batch_size: int = BATCH_SIZE,
    on_header: Callable[[list], None] | None = None,
    on_error: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[RowResult], None] | None = None,
    on_progress: Callable[[ImportStats], None] | None = None,
    audit_obj=None,
) -> ImportStats:
    """Import visit rows for ``org`` and the unions below it where ``actor`` records visits.
    Raises :class:`VisitFileError` when the file as a whole is unusable."""
    return import_rows(
        rows,
        columns=VISITS,
        cleaner_for=lambda columns: RowCleaner(columns, Resolver(actor, org)),
        writer=BatchWriter(actor, audit_obj=audit_obj, audit_org=org),
        first_row=first_row,
        total_rows=total_rows,
        batch_size=batch_size,
        on_header=on_header,
        on_error=on_error,
        on_warning=on_warning,
        on_progress=on_progress,
    )


# --- upload and template -----------------------------------------------------------------

MAX_UPLOAD_BYTES = import_actions.MAX_UPLOAD_BYTES  # settings.GONGHUI_IMPORT_MAX_BYTES


def preview_cleaner(actor, org: Org, columns: dict[int, str]) -> RowCleaner:
    """The cleaner an upload's preview shows the first rows with (platform/imports/preview.py):
    the one ``import_visits`` runs."""
    return RowCleaner(columns, Resolver(actor, org))


@action("assistance.upload_visits", permission=IMPORT_PERMISSION)
def create_visit_import_job(ctx, *, org: Org, upload, preview: bool = False) -> ImportJob:
    """Store an uploaded visits file for ``org`` and queue its import (with ``preview``: keep
    it until its uploader has seen the preview and starts it)."""
    return import_actions.store_upload(
        ctx,
        kind=ImportKind.VISITS,
        org=org,
        upload=upload,
        permission=IMPORT_PERMISSION,
        preview=preview,
    )


def build_template() -> bytes:
    """The xlsx template: the header row (ID column formatted as text) and a help sheet."""
    return VISITS.template(
        SHEET_NAME,
        HELP_SHEET_NAME,
        footer=_(
            "Rows with errors are not imported: download the error workbook, fix the "
            "rows there and import that file again. Importing the same rows again "
            "changes nothing."
        ),
        help_widths=(12, 8),
    )
