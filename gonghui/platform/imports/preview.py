"""What an upload will do, shown before it is imported (issue #14): the header row found, which
column of the file goes to which field (and which required fields are missing, which columns
are ignored), and the first rows as the import will clean them, with their errors.

An upload of an importer that registered its ``columns`` and ``preview_cleaner`` (jobs.py)
is stored as a job waiting for confirmation (``ImportStatus.PREVIEW``); the job page shows
this preview, read again from the sealed upload, with the buttons to start the import or to
cancel it (platform/imports/workflows.py). A job never confirmed is purged with the other
uploads at the end of the retention period (retention.py).

Values are shown as they will be stored and masked as on every other screen: a name as 张*,
an ID number and a mobile with their middle hidden. Cells the cleaner could not read show
nothing; their errors say why (error messages never quote an ID number or a phone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from gonghui.platform.imports.cells import Formatted, is_empty
from gonghui.platform.imports.columns import MSG_MISSING_COLUMNS
from gonghui.platform.imports.jobs import importer_for
from gonghui.platform.imports.readers import UnreadableFile, open_rows
from gonghui.platform.pii.masking import mask_id_list, mask_name, mask_phone

PREVIEW_ROWS = 10
HEADER_SCAN = 20  # as ColumnSet.find_header
# Keys of personal columns, masked in the preview as in the lists (the importers share the
# names: a roster's "name", a visit's "recipient").
MASKS = {
    "name": mask_name,
    "recipient": mask_name,
    "id_number": mask_id_list,
    "phone": mask_phone,
}


@dataclass
class MappedColumn:
    letter: str  # the spreadsheet column (A, B, …)
    title: str  # the title in the file's header row
    field: str = ""  # the importer's column it fills, "" when it is ignored
    required: bool = False


@dataclass
class PreviewRow:
    row_number: int
    cells: list[str]  # the cleaned values of the mapped columns, masked
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Preview:
    header_row: int | None = None
    columns: list[MappedColumn] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields without a column
    rows: list[PreviewRow] = field(default_factory=list)
    problem: str = ""  # why the file cannot be imported as it is
    total_rows: int = 0  # rows below the header (empty ones included)

    @property
    def mapped(self) -> list[MappedColumn]:
        return [c for c in self.columns if c.field]

    @property
    def ignored(self) -> list[MappedColumn]:
        return [c for c in self.columns if not c.field and c.title]

    @property
    def importable(self) -> bool:
        return not self.problem


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _shown(key: str, value: Any, choices=None) -> str:
    if choices and key in choices and value not in (None, ""):
        value = dict(choices[key].choices).get(value, value)
    text = _text(value)
    mask = MASKS.get(key)
    return mask(text) if mask and text else text


def _message(title, message) -> str:
    return f"{title}：{message}" if title else str(message)


def _header(columns, rows, first_row: int):
    """The header row like ``ColumnSet.find_header``, without refusing a file that lacks
    required columns (the preview says which): ``(row number, cells, index → key)``."""
    for offset in range(HEADER_SCAN):
        try:
            cells = next(rows)
        except StopIteration:
            break
        found: dict[int, str] = {}
        for i, cell in enumerate(cells):
            key = columns.key_of(cell) if isinstance(cell, str) else None
            if key and key not in found.values():
                found[i] = key
        if columns.detect(set(found.values())):
            return first_row + offset, list(cells), found
    return None


def build_preview(job, limit: int = PREVIEW_ROWS) -> Preview:
    """The preview of ``job``'s upload (see the module's docstring)."""
    importer = importer_for(job.kind)
    columns = importer.columns
    preview = Preview()
    storage, name = job.file.storage, job.file.name
    try:
        sheet = open_rows(
            lambda: storage.open(name, "rb"), job.original_name, preferred_sheet=importer.sheet_name
        )
    except UnreadableFile as exc:
        preview.problem = str(exc.message)
        return preview
    with sheet:
        rows = iter(sheet.rows)
        header = _header(columns, rows, sheet.first_row)
        if header is None:
            preview.problem = str(columns.no_header)
            return preview
        row_number, cells, keys = header
        preview.header_row = row_number
        preview.total_rows = max(sheet.total_rows - (row_number - sheet.first_row + 1), 0)
        for i, cell in enumerate(cells):
            key = keys.get(i)
            column = columns.by_key.get(key) if key else None
            preview.columns.append(
                MappedColumn(
                    letter=column_letter(i),
                    title=_text(cell).strip(),
                    field=column.header if column else "",
                    required=bool(column and column.required),
                )
            )
        preview.missing = [c.title for c in columns if c.required and c.key not in keys.values()]
        if preview.missing:
            preview.problem = str(
                Formatted(MSG_MISSING_COLUMNS, {"columns": "、".join(preview.missing)})
            )
            return preview
        cleaner = importer.preview_cleaner(job.created_by, job.org, keys)
        order = sorted(keys.items())
        for offset, cells in enumerate(rows, start=row_number + 1):
            if all(is_empty(c) for c in cells):
                continue
            result = cleaner.clean(offset, cells)
            preview.rows.append(
                PreviewRow(
                    row_number=offset,
                    cells=[
                        _shown(key, result.values.get(key), importer.preview_choices)
                        for _i, key in order
                    ],
                    errors=[_message(t, m) for t, m in result.errors],
                    warnings=[_message(t, m) for t, m in result.warnings],
                )
            )
            if len(preview.rows) >= limit:
                break
    return preview


__all__ = ["PREVIEW_ROWS", "MappedColumn", "Preview", "PreviewRow", "build_preview"]
