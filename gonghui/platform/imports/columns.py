"""Column specs of the import engine: an importer's columns, how its header row is found in an
uploaded sheet, and the xlsx template people fill in.

An importer declares its columns once (:class:`Column`: the template's Chinese title, the
other titles people use, whether it is required, the help text of the template) and gets
from :class:`ColumnSet` the header finder (the header row may be anywhere in the first rows,
titles may carry ``*``, full-width characters or a colon) and the template with its help
sheet. Titles are a data format, not UI: they are not translated; help texts are English
msgids rendered in Chinese in the template.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from gonghui.platform.imports.cells import Formatted, norm_label
from gonghui.platform.imports.readers import flagged_columns

MSG_MISSING_COLUMNS = _("Required columns are missing: %(columns)s.")
MSG_FIX_AND_REIMPORT = _(
    "Rows with errors are not imported: download the error workbook, fix the rows there and "
    "import that file again."
)


class FileError(Exception):
    """The file as a whole cannot be imported (no header row, required columns missing);
    ``message`` says why (lazy)."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's Chinese title (a data format: not translated)
    required: bool
    help: Any  # English msgid, rendered in Chinese in the template
    aliases: tuple[str, ...] = ()  # other titles people use for this column
    width: int = 14
    text: bool = False  # formatted as text in the template (Excel keeps every digit)
    prefix: str = ""  # any title starting with this is this column too

    @property
    def title(self) -> str:
        return self.header + ("*" if self.required else "")


@dataclass(frozen=True)
class Header:
    row_number: int  # the spreadsheet row of the header
    cells: list  # the header row as uploaded (repeated in the error workbook)
    columns: dict[int, str]  # column index → key


class ColumnSet:
    """An importer's columns. ``detect(keys)`` says whether a row whose titles name ``keys``
    is the header row; ``no_header`` is the message when no such row is found; ``error`` is
    the importer's :class:`FileError` subclass."""

    def __init__(
        self,
        columns: Iterable[Column],
        *,
        detect: Callable[[set[str]], bool],
        no_header,
        error: type[FileError] = FileError,
    ):
        self.columns = tuple(columns)
        self.by_key = {c.key: c for c in self.columns}
        self.detect, self.no_header, self.error = detect, no_header, error
        self._labels: dict[str, str] = {}
        for column in self.columns:
            for label in (column.header, column.key, *column.aliases):
                self._labels.setdefault(norm_label(label), column.key)
        self._prefixes = [(norm_label(c.prefix), c.key) for c in self.columns if c.prefix]

    def __iter__(self):
        return iter(self.columns)

    def key_of(self, text) -> str | None:
        """The column key of a header cell (``"身份证号*"``, an alias or the English key)."""
        label = norm_label(text or "")
        if not label:
            return None
        key = self._labels.get(label)
        if key is None:
            key = next((k for p, k in self._prefixes if label.startswith(p)), None)
        return key

    def flagged(self, cells, columns: dict[int, str]) -> dict[str, tuple[str, Any]]:
        """The formula and merged cells of a row (``readers.flagged_columns``) in this
        importer's columns, in column order: key → (column title, the row error). The cleaner
        reports these instead of reading the cells."""
        flags = flagged_columns(cells)
        if not flags:
            return {}
        return {
            key: (self.by_key[key].header, flags[i])
            for i, key in sorted(columns.items())
            if i in flags
        }

    def find_header(self, rows: Iterator[list], first_row: int = 1, scan: int = 20) -> Header:
        """Find the header row among the first ``scan`` rows of ``rows`` (consumed up to it);
        raise the importer's error when there is none or required columns are missing."""
        for offset in range(scan):
            try:
                cells = next(rows)
            except StopIteration:
                break
            columns: dict[int, str] = {}
            for i, cell in enumerate(cells):
                key = self.key_of(cell) if isinstance(cell, str) else None
                if key and key not in columns.values():
                    columns[i] = key
            found = set(columns.values())
            if self.detect(found):
                missing = [c.title for c in self.columns if c.required and c.key not in found]
                if missing:
                    raise self.error(
                        Formatted(MSG_MISSING_COLUMNS, {"columns": "、".join(missing)})
                    )
                return Header(first_row + offset, list(cells), columns)
        raise self.error(self.no_header)

    def template(
        self,
        sheet_name: str,
        help_sheet_name: str,
        *,
        codes: Iterable[tuple[str, str, str]] = (),
        footer=MSG_FIX_AND_REIMPORT,
        help_widths: tuple[int, int] = (16, 18),
    ) -> bytes:
        """The xlsx template: the header row (required titles shaded, text columns formatted
        as text so Excel keeps every digit) and a help sheet explaining every column and, in
        ``codes`` (column title, code, what may be typed), every code."""
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = sheet_name
        bold = Font(bold=True)
        required_fill = PatternFill("solid", fgColor="FDE9D9")
        sheet.append([c.title for c in self.columns])
        for i, column in enumerate(self.columns, start=1):
            cell = sheet.cell(row=1, column=i)
            cell.font = bold
            if column.required:
                cell.fill = required_fill
            sheet.column_dimensions[get_column_letter(i)].width = column.width
            if column.text:
                for row in range(2, 2002):
                    sheet.cell(row=row, column=i).number_format = "@"
        sheet.freeze_panes = "A2"

        help_sheet = workbook.create_sheet(help_sheet_name)
        codes = list(codes)
        with translation.override("zh-hans"):
            help_sheet.append(["列", "必填", "说明"])
            for cell in help_sheet[1]:
                cell.font = bold
            for column in self.columns:
                help_sheet.append(
                    [column.header, "是" if column.required else "否", str(column.help)]
                )
            if codes:
                help_sheet.append([])
                help_sheet.append(["代码表", "代码", "可填写"])
                for cell in help_sheet[help_sheet.max_row]:
                    cell.font = bold
                for line in codes:
                    help_sheet.append(list(line))
            help_sheet.append([])
            help_sheet.append([str(footer)])
        help_sheet.column_dimensions["A"].width = help_widths[0]
        help_sheet.column_dimensions["B"].width = help_widths[1]
        help_sheet.column_dimensions["C"].width = 90
        for row in help_sheet.iter_rows(min_row=2):
            row[-1].alignment = Alignment(wrap_text=True, vertical="top")
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
