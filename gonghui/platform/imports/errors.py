"""The error workbook of an import: the rows that were not imported, ready to fix and import
again, and the changes made to the rows that were.

Sheet "会员登记表" (or the importer's own sheet) repeats the uploaded header row, then each
rejected row with its original values, followed by three columns: the original row number,
the columns at fault and the messages. The importer fixes the values in place and uploads
this very file: the reader finds the header row and ignores the three extra columns.

Sheet "修改提示" lists every warning: row, column and what was changed.

openpyxl's write-only mode streams each sheet to a temporary file, so memory stays flat
however many rows are rejected. Messages are English msgids rendered in Chinese (zh-hans).
"""

from __future__ import annotations

import tempfile
from typing import Protocol
from xml.etree.ElementTree import _escape_cdata

from django.utils import translation

from gonghui.platform.security.cells import xlsx_row

WARNINGS_SHEET = "修改提示"
EXTRA_HEADERS = ("原行号", "出错的列", "错误说明")
LANGUAGE = "zh-hans"


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _fast_row_xml(values, row_idx: int) -> str | None:
    """The ``<row>`` element openpyxl's write-only writer would emit for ``values``, when
    they are only ints, plain strings and None; else None (the row goes through openpyxl).

    openpyxl without lxml serialises every cell through ElementTree (measured: 150 µs a row,
    the biggest single cost of an import with many messages); the XML of such a row is
    simple enough to write directly."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    parts = [f'<row r="{row_idx}">']
    for col, value in enumerate(values, 1):
        if value is None:
            continue
        kind = type(value)
        if kind is int:
            parts.append(f'<c r="{_LETTERS[col]}{row_idx}" t="n"><v>{value}</v></c>')
        elif kind is str:
            if value == "":
                parts.append(f'<c r="{_LETTERS[col]}{row_idx}" t="inlineStr" />')
                continue
            if (
                len(value) > 32767
                or (len(value) > 1 and value[0] == "=")
                or value.strip() != value
                or ILLEGAL_CHARACTERS_RE.search(value)
            ):
                return None
            parts.append(
                f'<c r="{_LETTERS[col]}{row_idx}" t="inlineStr"><is><t>'
                f"{_escape_cdata(value)}</t></is></c>"
            )
        else:
            return None
    parts.append("</row>")
    return "".join(parts)


class _Letters(dict):
    def __missing__(self, index: int) -> str:
        self[index] = letter = _column_letter(index)
        return letter


_LETTERS = _Letters()


def _fast_rows(sheet):
    """A replacement for ``WriteOnlyWorksheet._write_rows`` (same protocol: rows are sent
    in) that writes simple rows as XML text and hands the others to openpyxl."""
    writer = sheet._writer
    xf = writer.xf.send(True)
    raw = getattr(xf, "_file", None)  # et_xmlfile's write function
    with xf.element("sheetData"):
        row_idx = 1
        try:
            while True:
                row = yield
                xml = _fast_row_xml(row, row_idx) if callable(raw) else None
                if xml is None:
                    writer.write_row(xf, sheet._values_to_row(row, row_idx), row_idx)
                else:
                    raw(xml)
                row_idx += 1
        except GeneratorExit:
            pass
    writer.xf.send(None)


def _streaming(sheet):
    """Switch a write-only sheet to :func:`_fast_rows` where openpyxl uses its own
    ElementTree-based writer (with lxml, openpyxl's writer is fast and stays)."""
    import openpyxl

    if openpyxl.LXML:
        return sheet
    sheet._get_writer()
    if sheet._rows is None and hasattr(sheet._writer, "xf"):
        sheet._rows = _fast_rows(sheet)
        next(sheet._rows)
    return sheet


def _cell(value):
    # Integral floats (how calamine reads every number) are written back as integers.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


class RowResult(Protocol):
    """What an importer reports for one row: its number in the file, the values as uploaded,
    and (column, message) pairs of errors and warnings."""

    row_number: int
    original: list
    errors: list
    warnings: list


class ErrorWorkbook:
    def __init__(self, header: list, sheet_name: str):
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self.errors = _streaming(self.workbook.create_sheet(sheet_name))
        self.warnings = _streaming(self.workbook.create_sheet(WARNINGS_SHEET))
        self.width = len(header)
        # Uploaded values go back through xlsx_row: a cell with a control character (a row
        # error) or starting with "=" must not break the workbook or become a formula.
        self.errors.append(xlsx_row(self.errors, [*(_cell(h) for h in header), *EXTRA_HEADERS]))
        self.warnings.append(["原行号", "列", "说明"])
        self.error_rows = 0
        self.warning_rows = 0

    def add_error(self, row: RowResult) -> None:
        with translation.override(LANGUAGE):
            columns = "、".join(dict.fromkeys(col for col, _msg in row.errors))
            messages = "；".join(f"{col}：{msg}" for col, msg in row.errors)
        original = [_cell(v) for v in row.original[: self.width]]
        original += [""] * (self.width - len(original))
        self.errors.append(xlsx_row(self.errors, [*original, row.row_number, columns, messages]))
        self.error_rows += 1

    def add_warnings(self, row: RowResult) -> None:
        with translation.override(LANGUAGE):
            for col, msg in row.warnings:
                self.warnings.append(xlsx_row(self.warnings, [row.row_number, col, str(msg)]))
                self.warning_rows += 1

    @property
    def empty(self) -> bool:
        return not (self.error_rows or self.warning_rows)

    def discard(self) -> None:
        """Drop the workbook of an import that failed: close the sheets' streams and delete
        their temporary files now (they hold uploaded values, in the clear) instead of when
        the process ends."""
        import contextlib

        for sheet in (self.errors, self.warnings):
            rows = getattr(sheet, "_rows", None)
            if rows is not None:
                with contextlib.suppress(Exception):
                    rows.close()
            writer = getattr(sheet, "_writer", None)
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
                with contextlib.suppress(Exception):
                    writer.cleanup()

    def save_to_tempfile(self):
        """Save and return an open temporary file positioned at its start."""
        handle = tempfile.TemporaryFile(suffix=".xlsx")
        self.workbook.save(handle)
        handle.seek(0)
        return handle
