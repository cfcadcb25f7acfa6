"""Cell values for the spreadsheets and CSV files the platform writes: every writer passes its
rows through :func:`xlsx_row` or :func:`csv_row`, so that no stored value can break a file or
run in the spreadsheet program of the person who opens it.

* An xlsx file cannot hold C0 control characters (openpyxl raises ``IllegalCharacterError``
  and the whole export fails), lone surrogates or U+FFFE/U+FFFF. Input is refused when it holds
  them (:mod:`gonghui.platform.security.text`), but rows stored before that check, or written
  by code that bypassed it, may: such characters are written as U+FFFD (�), which shows the
  reader where something was, and the rest of the value is kept.
* A cell holds at most 32,767 characters in Excel: longer text is cut.
* Formula injection: openpyxl writes a string starting with ``=`` as a formula, so a name such
  as ``=HYPERLINK("http://…")`` would become a live link in the file. Such strings are written
  as text cells. In CSV every cell is text that the spreadsheet program may evaluate, so values
  starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a leading apostrophe
  (OWASP "CSV injection"), except plain numbers such as ``-12.50``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gonghui.platform.security.text import CONTROL_CHARACTERS_RE

REPLACEMENT = "\ufffd"
XLSX_MAX_CHARS = 32767
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def clean_text(value: str) -> str:
    """``value`` with every forbidden character replaced by U+FFFD."""
    return CONTROL_CHARACTERS_RE.sub(REPLACEMENT, value)


def xlsx_value(value):
    """A value openpyxl can write: strings cleaned and cut to Excel's limit, other values
    (numbers, dates, None) unchanged."""
    if isinstance(value, str):
        if CONTROL_CHARACTERS_RE.search(value):
            value = clean_text(value)
        if len(value) > XLSX_MAX_CHARS:
            value = value[:XLSX_MAX_CHARS]
    return value


def _is_formula(value) -> bool:
    # openpyxl's own rule (Cell._bind_value): a string of two or more characters with "=" first.
    return isinstance(value, str) and len(value) > 1 and value[0] == "="


def _text_cell(sheet, value: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl made it a formula ("f")
    return cell


def xlsx_row(sheet, values: Iterable) -> list:
    """``values`` ready for ``sheet.append()`` on a write-only sheet: each cleaned by
    :func:`xlsx_value`, and a string that openpyxl would write as a formula as a text cell."""
    row = []
    for value in values:
        value = xlsx_value(value)
        row.append(_text_cell(sheet, value) if _is_formula(value) else value)
    return row


def csv_value(value):
    """A CSV cell: strings cleaned, and defused when a spreadsheet would read a formula."""
    if not isinstance(value, str):
        return value
    if CONTROL_CHARACTERS_RE.search(value):
        value = clean_text(value)
    if value.startswith(CSV_FORMULA_PREFIXES) and not _PLAIN_NUMBER_RE.fullmatch(value):
        value = "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_value(v) for v in values]
