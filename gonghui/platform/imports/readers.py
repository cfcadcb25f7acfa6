"""Readers for uploaded xlsx and CSV files: rows one at a time, problems of the whole file first.

Why this module is long (~840 lines): it is the one place that decides what an uploaded file
is and reads it — content sniffing, CSV encodings and malformed quoting, the xlsx child process
with its framed protocol and clean-up, and the formula/merged-cell scan of the sheet XML. The
seam for a split is there (the xlsx child and the XML scan into ``xlsx.py``); it was left whole
in issue #13 so the reader and its 33 tests landed in one piece.

Interface
---------

``open_rows(source, name, preferred_sheet=None) -> Sheet``
    ``source`` is a path, or a callable that opens the file for reading in binary (a sealed
    upload is decrypted by its storage: ``lambda: storage.open(name, "rb")``). The content
    tells the format (an xlsx is a zip; an Excel 97-2003 .xls an OLE2 compound file); text is
    read as CSV when ``name`` ends in ``.csv``. In a workbook the sheet named
    ``preferred_sheet`` is read, else the first one.

    Every problem of the file as a whole is found before ``open_rows`` returns, and raised as
    :class:`UnreadableFile`: ``exc.message`` is for the user (one of the ``MSG_*`` below),
    ``str(exc)`` a reason for the log. Nothing has been imported then.

``Sheet``
    ``total_rows``: the rows ``rows`` will yield (an xlsx sheet's height, from its first to its
    last non-empty row; a CSV's records). ``rows``: an iterator of lists, one per spreadsheet
    row from ``first_row`` on, empty rows included. ``first_row``: the spreadsheet row number
    (1-based) of the first row yielded; a sheet's leading empty rows are not yielded.
    ``close()`` stops reading early; exhausting, closing or dropping ``rows`` does too.

Cell values are calamine's: ``str``, ``int``, ``float``, ``bool``, ``datetime.date``,
``datetime.datetime``, ``datetime.time``, ``datetime.timedelta``, or ``""`` for an empty
cell; column 0 is the sheet's first non-empty column. CSV values are always ``str``.

Formula and merged cells
~~~~~~~~~~~~~~~~~~~~~~~~

A row holding a formula cell, or a cell of a merged range, is yielded as a :class:`FlaggedRow`:
a ``list`` (equal to the plain list of the same cells) that also carries the cells' column
indexes. Ask with the row exactly as yielded, before copying or slicing it (a copy is a plain
``list`` and has no flags)::

    formula_cells(cells) -> frozenset[int]   # columns (0-based, into ``cells``) with a formula
    merged_cells(cells) -> frozenset[int]    # columns that are part of a merged range

Both are empty for every other row and for every CSV row. The pipeline gives such a row a
row-level error per flagged column, with ``MSG_FORMULA`` or ``MSG_MERGED`` (data rows only: a
merged title above the header row is no error). Every cell of a merged range is flagged, the
top-left one that holds the value too, as far as the range lies in the sheet's data area.

calamine gives a formula cell's last computed value (``""`` when the program that wrote the
file computed nothing, as openpyxl does), never the formula, so formula cells are found in the
sheet's XML: a scan of the decompressed XML for ``<f`` (0.4 s per 100k rows x 15 columns) and,
only when one is found, an expat pass that places each ``<f>`` in its cell (3.5 s per 100k
rows). An array formula flags every cell of its range.

Bad files
~~~~~~~~~

* Empty file: ``MSG_EMPTY``. Not a spreadsheet (a PDF, an image, random bytes, a zip that
  holds no workbook such as a .docx or an .ods): ``MSG_NOT_SPREADSHEET``. An Excel 97-2003
  .xls: ``MSG_OLD_XLS`` (save it as .xlsx). A password-protected workbook (also OLE2):
  ``MSG_PASSWORD``. A workbook calamine cannot parse: ``MSG_BROKEN_XLSX``.
* CSV text is decoded strictly, never with replacement characters: a UTF-8 or UTF-16 byte
  order mark decides (UTF-16 is what Excel's "Unicode text" writes, tab-separated: a tab
  in the first lines where there is no comma makes the tab the delimiter); without one the
  whole file must be UTF-8, or else GB18030 (a superset of GBK and GB2312). Bytes that are
  none of these: ``MSG_CSV_ENCODING``, naming the first line that cannot be read. The CSV is
  parsed strictly (as Excel and WPS write it): a quote that is never closed (which would take
  every row after it into one cell), or text after a closing quote: ``MSG_CSV_BROKEN``. It is
  parsed once in full before ``open_rows`` returns (2 s per 1M rows), which also gives the
  exact row count.

Memory
~~~~~~

calamine parses the whole sheet into its own buffer (Rust, about 80 MB per 100k rows x 15
columns): read in the importing process, the process's peak would grow with the file. An xlsx
of more than ``IN_PROCESS_MAX_BYTES`` is therefore read in a child process,
``python -c "...readers import _child_main; _child_main()"`` started with :mod:`subprocess`
(not :mod:`multiprocessing`: the import runs in a thread of the web process, where forking
is unsafe, or in a Celery prefork child, which billiard marks daemonic and which
:mod:`multiprocessing` then refuses to give children). The child needs no Django settings:
it only runs calamine and the XML scans. It sends the row count first, then pickled chunks of
``CHUNK_ROWS`` rows over its stdout; a pipe holds 64 KB, so the child blocks until this
process has taken the previous chunk, and this process holds one chunk at a time. The child
exits after the last chunk; when this process stops early (``close()``, an exception, the
rows dropped) the child is killed and reaped. When the child dies, or calamine fails, this
process raises :class:`UnreadableFile` (after the first row, with ``MSG_READING_STOPPED``:
the rows before may have been imported). The child's address space is capped
(``CHILD_MEMORY_BYTES``, 4 GB) so that a zip bomb ends the child, not the server: the child
peaks at about 1.4 KB a row of 15 columns (137 MB for 100k rows, 360 MB for 300k), so 4 GB is
2.8M such rows, more than a 100 MB upload holds.

A sealed upload cannot be handed to a child as an opener, so its decrypted bytes are copied
to a private temporary file (mode 0600, in a fresh directory of mode 0700), deleted as soon as
the child has parsed it (before the first row) and in any case when the reader finishes.

Peak RSS (VmHWM) of the reading process, reading every row of a generated roster
(``rosterdata.make_roster(n, org_codes=[1, 2, 3])`` written with ``write_xlsx``: 15 columns)
through ``open_rows`` with an opener, in a fresh ``python`` process that imports only this
module (13 MB before, 24 MB after: this module now imports Django's translation)::

    rows   xlsx    before: calamine here   after: child process   time before -> after
    100k    8 MB   134 MB                  27 MB                  1.9 s -> 2.7-3.8 s
    300k   25 MB   373 MB                  27 MB                  5.9 s -> 8.4-10.4 s

(2 shared cores, busy: times vary.) The extra time is the copy, the child's start, the
formula scan (0.4 s per 100k rows) and the pickling; rows stream while the importing process
works on the ones before. A 1M-row CSV (123 MB) peaks at 24.5 MB.

A child costs 70-100 ms to start. A 1 MB xlsx (12k rows) read here raises the peak by 21 MB
and takes 0.22 s; in a child, by 3 MB and 0.3-0.5 s; a 90 KB one (1k rows) takes 0.03 s here
against 0.1 s in a child. Files up to ``IN_PROCESS_MAX_BYTES`` (1 MB) are therefore read in
this process: at most ~21 MB more, whatever the size of the files above it.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import pickle  # frames between this program's own processes  # nosec B403
import posixpath
import re
import shutil
import subprocess  # runs this program's own module with sys.executable  # nosec B404
import sys
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

SNIFF_BYTES = 64 * 1024
ENCODINGS = ("utf-8-sig", "utf-8", "gb18030", "utf-16")
CHUNK_ROWS = 1000
IN_PROCESS_MAX_BYTES = 1024 * 1024
CHILD_MEMORY_BYTES = 4 * 1024**3
CHILD_EXIT_SECONDS = 5  # after its last message, before it is killed
COPY_BYTES = 1024 * 1024
PROJECT_ROOT = Path(__file__).resolve().parents[3]

MSG_UNREADABLE = _("The file cannot be read.")
MSG_EMPTY = _("The file is empty.")
MSG_NOT_SPREADSHEET = _(
    "This file is not a spreadsheet. Upload the filled-in template as an .xlsx workbook "
    "(saved from Excel or WPS) or as a .csv file."
)
MSG_OLD_XLS = _(
    "This is an old Excel 97-2003 workbook (.xls), which cannot be imported. Open it in Excel "
    "or WPS, save it as an Excel workbook (.xlsx) and upload that file."
)
MSG_PASSWORD = _(
    "The workbook is protected with a password. Open it in Excel or WPS, remove the password, "
    "save it and upload it again."
)
MSG_BROKEN_XLSX = _(
    "The workbook is damaged and cannot be read. Open it in Excel or WPS, save it again as "
    ".xlsx and upload that file."
)
MSG_CSV_ENCODING = _(
    "The characters of the CSV file cannot be read from line %(line)s on: it is not in UTF-8, "
    "UTF-16 or GBK/GB18030. In Excel or WPS, save it as “CSV UTF-8” and upload it again."
)
MSG_CSV_BROKEN = _(
    "The CSV file cannot be read from line %(line)s on: a quote there is never closed, or is "
    "followed by more text. Correct that line, save the file and upload it again."
)
MSG_READING_STOPPED = _(
    "Reading the file stopped unexpectedly. The rows before were imported; import the file "
    "again (rows already imported come out unchanged)."
)
MSG_FORMULA = _("This cell holds a formula; enter the value itself.")
MSG_MERGED = _("This cell is part of merged cells; unmerge them and fill in each cell.")

NO_CELLS: frozenset[int] = frozenset()

# The first bytes of files that are not spreadsheets, for a plain answer instead of an
# attempt to decode them as text.
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OTHER_MAGIC = (
    b"%PDF",  # PDF
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",  # gzip
    b"{\\rtf",
)
# An OLE2 file with this stream is an encrypted (password-protected) OOXML workbook.
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


# C0 control bytes other than tab, line feed and carriage return (never in a text table)
_CONTROL_BYTES = (*range(0, 9), 11, 12, *range(14, 32))


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported: ``message`` says why, to the user."""

    def __init__(self, message=MSG_UNREADABLE, reason: str = ""):
        super().__init__(reason or str(message))
        self.message = message


class FlaggedRow(list):
    """A row with formula or merged cells: the cells, and the column indexes of each kind."""

    __slots__ = ("formula_cells", "merged_cells")

    def __init__(self, cells=(), formula_cells=NO_CELLS, merged_cells=NO_CELLS):
        super().__init__(cells)
        self.formula_cells = frozenset(formula_cells)
        self.merged_cells = frozenset(merged_cells)

    def __reduce__(self):
        return (FlaggedRow, (list(self), self.formula_cells, self.merged_cells))


def formula_cells(cells) -> frozenset[int]:
    """The columns of ``cells`` (a row as ``Sheet.rows`` yielded it) that hold a formula."""
    return getattr(cells, "formula_cells", NO_CELLS)


def merged_cells(cells) -> frozenset[int]:
    """The columns of ``cells`` (a row as ``Sheet.rows`` yielded it) in a merged range."""
    return getattr(cells, "merged_cells", NO_CELLS)


def flagged_columns(cells) -> dict[int, object]:
    """Column index → the row error of each formula or merged cell of ``cells`` (empty for
    almost every row): the cleaners report these instead of reading the cell."""
    formulas, merged = formula_cells(cells), merged_cells(cells)
    if not (formulas or merged):
        return {}
    return {**dict.fromkeys(merged, MSG_MERGED), **dict.fromkeys(formulas, MSG_FORMULA)}


@dataclass
class Sheet:
    """An opened file: the number of rows, an iterator over them, and where they start."""

    total_rows: int
    rows: Iterator[list]
    first_row: int = 1  # the spreadsheet row number of the first row yielded

    def close(self) -> None:
        """Stop reading: the child process, if any, is ended and temporary files go."""
        close = getattr(self.rows, "close", None)
        if close:
            close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open_binary(source) -> BinaryIO:
    """``source`` is a path, or a callable that opens the file (a sealed upload is read through
    its storage: ``lambda: storage.open(name)``)."""
    return source() if callable(source) else open(source, "rb")


# --- sniffing ----------------------------------------------------------------------------------


def _is_encrypted_ole2(source) -> bool:
    """Whether an OLE2 file is an encrypted OOXML workbook (it has an EncryptionInfo stream;
    the directory can be anywhere in the file)."""
    keep = len(ENCRYPTION_STREAM)
    tail = b""
    with _open_binary(source) as binary:
        for chunk in iter(lambda: binary.read(COPY_BYTES), b""):
            if ENCRYPTION_STREAM in tail + chunk:
                return True
            tail = chunk[-keep:]
    return False


def open_rows(source, name: str, preferred_sheet: str | None = None) -> Sheet:
    """Open an uploaded file (see the module's docstring)."""
    with _open_binary(source) as binary:
        head = binary.read(8)
    if not head:
        raise UnreadableFile(MSG_EMPTY, "empty file")
    if head.startswith(ZIP_MAGIC):
        return read_xlsx(source, preferred_sheet)
    if head.startswith(OLE2_MAGIC):
        if _is_encrypted_ole2(source):
            raise UnreadableFile(MSG_PASSWORD, "encrypted OOXML (OLE2 with EncryptionInfo)")
        raise UnreadableFile(MSG_OLD_XLS, "OLE2 compound file (Excel 97-2003)")
    if Path(name).suffix.lower() == ".csv":
        return read_csv(source)
    raise UnreadableFile(MSG_NOT_SPREADSHEET, f"not a zip: starts with {head[:4]!r}")


# --- CSV ---------------------------------------------------------------------------------------


def detect_csv_encoding(head: bytes) -> str:
    """A byte order mark decides (UTF-8, or UTF-16 as Excel's "Unicode text" writes); else
    UTF-8 when ``head`` decodes as UTF-8, else GB18030 (a superset of GBK/GB2312, what Excel
    in a Chinese locale writes by default)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False: a multi-byte character cut at the end of the sniffed bytes is fine.
        decoder.decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _delimiter(head: bytes, encoding: str) -> str:
    """A tab when the first lines have more tabs than commas (Excel's "Unicode text")."""
    sample = "\n".join(head.decode(encoding, errors="ignore").splitlines()[:5])
    return "\t" if sample.count("\t") > sample.count(",") else ","


class _Undecodable(Exception):
    def __init__(self, line: int):
        self.line = line


class _Malformed(Exception):
    def __init__(self, line: int):
        self.line = line


def _first_undecodable_line(source, encoding: str) -> int:
    """The line (1-based) holding the first byte that ``encoding`` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 1
    with _open_binary(source) as binary:
        for chunk in iter(lambda: binary.read(COPY_BYTES), b""):
            try:
                lines += decoder.decode(chunk).count("\n")
            except UnicodeDecodeError as exc:
                good = exc.object[: exc.start]
                return lines + codecs.decode(good, encoding, "ignore").count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
    return lines


def _count_csv_rows(source, encoding: str, delimiter: str) -> int:
    """Parse the whole file, strictly decoded: the number of records."""
    with _open_binary(source) as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        count = 0
        try:
            for _row in reader:
                count += 1
        except UnicodeDecodeError:
            raise _Undecodable(_first_undecodable_line(source, encoding)) from None
        except csv.Error:
            # the record that cannot be parsed starts on the line after the last good one
            raise _Malformed(_last_good_line(source, encoding, delimiter, count) + 1) from None
    return count


def _last_good_line(source, encoding: str, delimiter: str, records: int) -> int:
    with _open_binary(source) as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        for _row in islice(reader, records):
            pass
        return reader.line_num


def read_csv(source) -> Sheet:
    with _open_binary(source) as binary:
        head = binary.read(SNIFF_BYTES)
    if not head:
        raise UnreadableFile(MSG_EMPTY, "empty file")
    if head.startswith(OTHER_MAGIC):
        raise UnreadableFile(MSG_NOT_SPREADSHEET, f"binary file: starts with {head[:4]!r}")
    encoding = detect_csv_encoding(head)
    # Binary content is full of control bytes (and UTF-16 without a BOM has a NUL in every
    # other byte); a stray control character typed into a cell of a text file is that row's
    # error instead (the cell cleaners refuse it), so only a share of them refuses the file.
    controls = sum(head.count(bytes([b])) for b in _CONTROL_BYTES)
    if encoding != "utf-16" and controls > max(8, len(head) // 100):
        raise UnreadableFile(MSG_NOT_SPREADSHEET, "binary file: NUL bytes without a UTF-16 BOM")
    # Without a byte order mark, UTF-8 is tried over the whole file first (a GBK character
    # may come after a first 64 KB of ASCII), then GB18030. (A GBK file fails as UTF-8 on its
    # first Chinese character, in the header: trying costs nothing.)
    candidates = [encoding] if encoding in ("utf-8-sig", "utf-16") else ["utf-8", "gb18030"]
    failures: list[int] = []
    for candidate in candidates:
        delimiter = _delimiter(head, candidate)
        try:
            total = _count_csv_rows(source, candidate, delimiter)
        except _Undecodable as exc:
            failures.append(exc.line)
            continue
        except _Malformed as exc:
            raise UnreadableFile(
                MSG_CSV_BROKEN % {"line": exc.line}, f"csv error on line {exc.line} ({candidate})"
            ) from None
        return Sheet(total_rows=total, rows=_csv_rows(source, candidate, delimiter))
    # The encoding that read furthest is the one the file was meant to be in.
    line = max(failures)
    raise UnreadableFile(
        MSG_CSV_ENCODING % {"line": line},
        f"undecodable as {', '.join(candidates)} (line {line})",
    )


def _csv_rows(source, encoding: str, delimiter: str) -> Iterator[list]:
    with _open_binary(source) as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
        yield from csv.reader(text, delimiter=delimiter, strict=True)


# --- xlsx: structure and XML scans (run in the child, or here for a small file) ----------------

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
OFFICE_DOCUMENT = "/officeDocument"
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


class _BadWorkbook(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


def _parse_xml(stream, start: Callable[[str, dict], None]) -> None:
    """Run expat over ``stream`` (a binary file), calling ``start(tag, attributes)`` with
    namespaced names as ``"namespace local"``. expat resolves no external entities and
    refuses entity-expansion bombs (billion laughs, expat >= 2.4)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.ParseFile(stream)


def _local(tag: str) -> str:
    return tag.rpartition(" ")[2]


def _zip_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part names by their lower-case spelling (part names are case-insensitive)."""
    return {info.filename.lower(): info.filename for info in archive.infolist()}


def _relationships(archive: zipfile.ZipFile, names: dict[str, str], part: str) -> dict:
    """The relationships of ``part``: id -> (type, target part name)."""
    folder, base = posixpath.split(part)
    rels = names.get(posixpath.join(folder, "_rels", base + ".rels").lower())
    found: dict[str, tuple[str, str]] = {}
    if rels is None:
        return found

    def start(tag, attrs):
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

    with archive.open(rels) as stream:
        _parse_xml(stream, start)
    return found


def _workbook_part(archive: zipfile.ZipFile, names: dict[str, str]) -> str | None:
    for kind, target in _relationships(archive, names, "").values():
        if kind.endswith(OFFICE_DOCUMENT) and target.lower() in names:
            return names[target.lower()]
    return names.get("xl/workbook.xml")


def _sheet_part(archive: zipfile.ZipFile, names: dict[str, str], workbook: str, sheet: str):
    """The zip member of the worksheet named ``sheet``, or None."""
    ids: dict[str, str] = {}

    def start(tag, attrs):
        if _local(tag) == "sheet" and "name" in attrs:
            for key, value in attrs.items():
                if key.endswith(" id"):  # r:id, in either relationships namespace
                    ids[attrs["name"]] = value

    with archive.open(workbook) as stream:
        _parse_xml(stream, start)
    target = _relationships(archive, names, workbook).get(ids.get(sheet, ""), ("", ""))[1]
    return names.get(target.lower())


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _has_formula(stream) -> bool:
    """Whether the decompressed XML holds an ``<f`` element anywhere (a fast scan)."""
    tail = b""
    for chunk in iter(lambda: stream.read(COPY_BYTES), b""):
        # ``in`` runs at memory speed; the pattern only where it may match
        for text in (tail + chunk[:64], chunk):
            if (b"<f" in text or b":f" in text) and FORMULA_TAG.search(text):
                return True
        tail = chunk[-64:]
    return False


def _formula_cells(archive: zipfile.ZipFile, part: str) -> dict[int, set[int]]:
    """Formula cells of a worksheet: row number (1-based) -> column indexes (0-based)."""
    with archive.open(part) as stream:
        if not _has_formula(stream):
            return {}
    found: dict[int, set[int]] = {}
    # the current row number, the current cell's column (None: still to be read from
    # ``ref``), and the current cell's reference (read only for a cell with a formula)
    state: list = [0, -1, None]
    kinds = {f"{ns} {local}": local for ns in MAIN_NAMESPACES for local in ("row", "c", "f")}

    def add(row: int, column: int) -> None:
        found.setdefault(row, set()).add(column)

    def cell_position() -> tuple[int, int]:
        if state[2] is not None:  # a cell with its reference (as most programs write)
            match = CELL_REF.fullmatch(state[2])
            if match:
                state[0], state[1] = int(match[2]), _column_index(match[1])
            state[2] = None
        return state[0], state[1]

    def start(tag, attrs):
        kind = kinds.get(tag)
        if kind == "c":
            ref = attrs.get("r")
            if ref is None:  # cells without a reference follow the one before
                state[1] = cell_position()[1] + 1
            state[2] = ref
        elif kind == "row":
            ref = attrs.get("r")
            state[:] = [int(ref) if ref and ref.isdigit() else state[0] + 1, -1, None]
        elif kind == "f":
            add(*cell_position())
            area = attrs.get("ref", "") if attrs.get("t") == "array" else ""
            corners = [CELL_REF.fullmatch(ref) for ref in area.split(":")]
            if len(corners) == 2 and all(corners):
                (c1, r1), (c2, r2) = ((_column_index(m[1]), int(m[2])) for m in corners)
                for row in range(r1, r2 + 1):
                    for column in range(c1, c2 + 1):
                        add(row, column)

    with archive.open(part) as stream:
        _parse_xml(stream, start)
    return found


def _xlsx_messages(source, preferred_sheet: str | None) -> Iterator[tuple]:
    """Read a workbook (a path, or a binary file object): ``("start", total_rows,
    first_row)``, then ``("rows", [row, ...])`` chunks, then ``("end",)``; or ``("error",
    code, reason)`` instead, at any point. Runs in the child process (see ``_child_main``)
    or, for a small file, in the importing process."""
    import python_calamine  # noqa: F401 - outside the try: failing to load it is no bad file

    try:
        sheet, first_row, flags = _open_sheet(source, preferred_sheet)
    except _BadWorkbook as exc:
        yield ("error", exc.code, str(exc))
        return
    except MemoryError:
        raise  # the child ends: the job says the file cannot be read, the log says why
    except Exception as exc:  # calamine's own errors, zip and XML errors
        yield ("error", "broken", f"{type(exc).__name__}: {exc}"[:300])
        return
    if sheet is None:
        yield ("start", 0, 1)
        yield ("end",)
        return
    yield ("start", sheet.height, first_row)
    chunk: list[list] = []
    # iter_rows() yields from the sheet's row 1: skip the rows before the data
    rows = islice(sheet.iter_rows(), first_row - 1, None)
    for row_number, row in enumerate(rows, start=first_row):
        flagged = flags.get(row_number)
        chunk.append(FlaggedRow(row, *flagged) if flagged else row)
        if len(chunk) == CHUNK_ROWS:
            yield ("rows", chunk)
            chunk = []
    if chunk:
        yield ("rows", chunk)
    yield ("end",)


def _open_sheet(source, preferred_sheet):
    """The calamine sheet (None when it is empty), the row number of its first row, and the
    flags of its rows: row number -> (formula columns, merged columns), relative to the
    sheet's first column."""
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _BadWorkbook("not_spreadsheet", f"not a zip: {exc}") from None
    with archive:
        names = _zip_names(archive)
        workbook_part = _workbook_part(archive, names)
        if workbook_part is None or not workbook_part.lower().endswith(".xml"):
            raise _BadWorkbook("not_spreadsheet", "a zip without an xlsx workbook part")
        if hasattr(source, "seek"):
            source.seek(0)
            workbook = CalamineWorkbook.from_filelike(source)
        elif str(source).lower().endswith(".xlsx"):
            workbook = CalamineWorkbook.from_path(str(source))
        else:  # calamine tells the format of a path by its extension, of a file by its content
            with open(source, "rb") as binary:
                workbook = CalamineWorkbook.from_filelike(binary)
        with workbook:
            if not workbook.sheet_names:
                raise _BadWorkbook("broken", "a workbook without sheets")
            if preferred_sheet and preferred_sheet in workbook.sheet_names:
                name = preferred_sheet
            else:
                name = workbook.sheet_names[0]
            try:
                sheet = workbook.get_sheet_by_name(name)
            except PasswordError:
                raise _BadWorkbook("password", "password-protected sheet") from None
            if not sheet.start or not sheet.height:
                return None, 1, {}
            top, left = sheet.start
            first_row, last_row = top + 1, top + sheet.height
            right = left + sheet.width - 1
            flags: dict[int, tuple[set[int], set[int]]] = {}

            def flag(kind: int, row: int, column: int) -> None:
                if first_row <= row <= last_row and left <= column <= right:
                    flags.setdefault(row, (set(), set()))[kind].add(column - left)

            part = _sheet_part(archive, names, workbook_part, name)
            if part is not None:
                for row, columns in _formula_cells(archive, part).items():
                    for column in columns:
                        flag(0, row, column)
            for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ():
                for row in range(max(r1 + 1, first_row), min(r2 + 1, last_row) + 1):
                    for column in range(max(c1, left), min(c2, right) + 1):
                        flag(1, row, column)
            return sheet, first_row, flags


# --- xlsx: the importing process's side ------------------------------------------------------

_MESSAGES = {
    "not_spreadsheet": MSG_NOT_SPREADSHEET,
    "password": MSG_PASSWORD,
    "broken": MSG_BROKEN_XLSX,
}


def _error(message: tuple, started: bool) -> UnreadableFile:
    _kind, code, reason = message
    if started and code == "stopped":
        return UnreadableFile(MSG_READING_STOPPED, reason)
    return UnreadableFile(_MESSAGES.get(code, MSG_UNREADABLE), reason)


class _Cleanup:
    """Ends a reader once: kills and reaps the child, closes its pipe, removes the temporary
    directory. Holds no reference to the rows, so that it can be their finalizer."""

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.tmpdir: str | None = None

    def remove_tmpdir(self) -> None:
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __call__(self, finished: bool = False) -> None:
        """``finished``: the child sent its last message and is exiting by itself."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if finished:
                try:
                    proc.wait(timeout=CHILD_EXIT_SECONDS)
                except subprocess.TimeoutExpired:
                    pass
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
        self.remove_tmpdir()


class _Rows:
    """The rows of a reader's messages; the reader ends when they are exhausted, closed or
    garbage-collected (a generator that was never started cleans up nothing by itself)."""

    def __init__(self, messages: Iterator[tuple], cleanup: _Cleanup):
        self._cleanup = weakref.finalize(self, cleanup)
        self._rows = self._iterate(messages, cleanup)

    @staticmethod
    def _iterate(messages, cleanup):
        try:
            for message in messages:
                kind = message[0]
                if kind == "rows":
                    yield from message[1]
                elif kind == "end":
                    cleanup(finished=True)
                    return
                else:
                    raise _error(message, started=True)
        finally:
            cleanup()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._rows)

    def close(self) -> None:
        self._rows.close()
        self._cleanup()


def _sheet_from(messages: Iterator[tuple], cleanup: _Cleanup) -> Sheet:
    """A Sheet from a reader's first message (raises for a file that cannot be read)."""
    try:
        first = next(messages, ("error", "stopped", "the reader sent nothing"))
        if first[0] != "start":
            raise _error(first, started=False)
        # the child has parsed the file: its plaintext copy can go now
        cleanup.remove_tmpdir()
    except BaseException:
        cleanup()
        raise
    _kind, total_rows, first_row = first
    return Sheet(total_rows=total_rows, rows=_Rows(messages, cleanup), first_row=first_row)


def _child_messages(proc: subprocess.Popen) -> Iterator[tuple]:
    """The child's messages; a child that ends without its last message is an error."""
    while True:
        try:
            message = pickle.load(proc.stdout)  # noqa: S301 - this program's own child  # nosec B301
        except Exception:  # EOF, or a frame cut short: the child died
            code = proc.wait()
            yield ("error", "stopped", f"the reader process ended with exit code {code}")
            return
        yield message
        if message[0] in ("end", "error"):
            return


def _private_copy(binary: BinaryIO, head: bytes, cleanup: _Cleanup) -> str:
    """Copy ``head`` and the rest of ``binary`` to a new file only this user can read."""
    cleanup.tmpdir = tempfile.mkdtemp(prefix="gonghui-import-")  # mode 0700
    path = os.path.join(cleanup.tmpdir, "upload.xlsx")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(head)
        shutil.copyfileobj(binary, out, COPY_BYTES)
    return path


CHILD_CODE = "from gonghui.platform.imports.readers import _child_main; _child_main()"


def _start_child(path: str, preferred_sheet: str | None, cleanup: _Cleanup) -> Iterator[tuple]:
    cleanup.proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell  # nosec B603
        [sys.executable, "-c", CHILD_CODE, path, preferred_sheet or "", str(CHILD_MEMORY_BYTES)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )
    return _child_messages(cleanup.proc)


def read_xlsx(source, preferred_sheet: str | None = None) -> Sheet:
    """Open a workbook: in this process up to ``IN_PROCESS_MAX_BYTES``, else in a child."""
    cleanup = _Cleanup()
    try:
        if callable(source):
            with source() as binary:
                head = binary.read(IN_PROCESS_MAX_BYTES + 1)
                if len(head) <= IN_PROCESS_MAX_BYTES:
                    messages = _xlsx_messages(io.BytesIO(head), preferred_sheet)
                else:
                    path = _private_copy(binary, head, cleanup)
                    messages = _start_child(path, preferred_sheet, cleanup)
        elif os.path.getsize(source) <= IN_PROCESS_MAX_BYTES:
            messages = _xlsx_messages(str(source), preferred_sheet)
        else:
            messages = _start_child(str(source), preferred_sheet, cleanup)
    except BaseException:
        cleanup()
        raise
    return _sheet_from(messages, cleanup)


def _child_main() -> None:  # pragma: no cover - runs in the child (tested through read_xlsx)
    """The child: read the workbook at ``argv[1]`` and write its messages to stdout."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray output must not enter the frames
    sys.stdout = sys.stderr
    path, preferred_sheet, memory = sys.argv[1], sys.argv[2] or None, int(sys.argv[3])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    try:
        for message in _xlsx_messages(path, preferred_sheet):
            pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
    except (BrokenPipeError, KeyboardInterrupt):
        return  # the importing process stopped reading
    except MemoryError:
        sys.exit(3)
