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

from django.utils import translation

from gonghui.members.roster import SHEET_NAME, RowResult

WARNINGS_SHEET = "修改提示"
EXTRA_HEADERS = ("原行号", "出错的列", "错误说明")
LANGUAGE = "zh-hans"


def _cell(value):
    # Integral floats (how calamine reads every number) are written back as integers.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


class ErrorWorkbook:
    def __init__(self, header: list, sheet_name: str = SHEET_NAME):
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self.errors = self.workbook.create_sheet(sheet_name)
        self.warnings = self.workbook.create_sheet(WARNINGS_SHEET)
        self.width = len(header)
        self.errors.append([*(_cell(h) for h in header), *EXTRA_HEADERS])
        self.warnings.append(["原行号", "列", "说明"])
        self.error_rows = 0
        self.warning_rows = 0

    def add_error(self, row: RowResult) -> None:
        with translation.override(LANGUAGE):
            columns = "、".join(dict.fromkeys(col for col, _msg in row.errors))
            messages = "；".join(f"{col}：{msg}" for col, msg in row.errors)
        original = [_cell(v) for v in row.original[: self.width]]
        original += [""] * (self.width - len(original))
        self.errors.append([*original, row.row_number, columns, messages])
        self.error_rows += 1

    def add_warnings(self, row: RowResult) -> None:
        with translation.override(LANGUAGE):
            for col, msg in row.warnings:
                self.warnings.append([row.row_number, col, str(msg)])
                self.warning_rows += 1

    @property
    def empty(self) -> bool:
        return not (self.error_rows or self.warning_rows)

    def save_to_tempfile(self):
        """Save and return an open temporary file positioned at its start."""
        handle = tempfile.TemporaryFile(suffix=".xlsx")
        self.workbook.save(handle)
        handle.seek(0)
        return handle
