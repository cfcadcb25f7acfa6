"""The import readers (issue #13): xlsx read in a child process with flat memory, and every
kind of bad file refused with a message that says what to do, before anything is written.

Each file is built in the test: openpyxl for workbooks with formulas and merged cells, a
hand-written zip for the XML variants other programs write, and bytes for the rest."""

from __future__ import annotations

import csv
import gc
import io
import os
import random
import stat
import subprocess
import zipfile
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from gonghui.members.models import Membership, Person
from gonghui.platform.imports import actions, readers
from gonghui.platform.imports.models import ImportJob, ImportStatus
from gonghui.platform.imports.readers import (
    MSG_BROKEN_XLSX,
    MSG_CSV_BROKEN,
    MSG_CSV_ENCODING,
    MSG_EMPTY,
    MSG_NOT_SPREADSHEET,
    MSG_OLD_XLS,
    MSG_PASSWORD,
    MSG_READING_STOPPED,
    MSG_UNREADABLE,
    FlaggedRow,
    UnreadableFile,
    formula_cells,
    merged_cells,
    open_rows,
)
from gonghui.platform.imports.tests.rosterdata import HEADER, make_roster, write_xlsx
from gonghui.platform.pii.testing import use_private_root
from gonghui.platform.security.input import inspect_request
from gonghui.platform.testing.factories import TEST_PASSWORD
from gonghui.platform.workflow.base import ActionError

MB = 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# names that GBK has and GB2312 lacks (堃 喆 镕): a reader that knew only GB2312 would fail
GBK_ONLY_NAMES = ["王堃", "李喆", "张镕"]


@pytest.fixture(autouse=True)
def _inline_imports(settings, tmp_path):
    settings.GONGHUI_IMPORT_RUNNER = "inline"
    use_private_root(settings, tmp_path / "private")


@pytest.fixture
def in_child(monkeypatch):
    """Read every xlsx in a child process, however small."""
    monkeypatch.setattr(readers, "IN_PROCESS_MAX_BYTES", 0)


@pytest.fixture
def children(monkeypatch):
    """The child processes started by the readers, and the files they were given."""
    started: list[subprocess.Popen] = []
    real = subprocess.Popen

    def popen(args, **kwargs):
        path = args[3]
        started.append(real(args, **kwargs))
        started[-1].copy_modes = (  # the private copy, as the child gets it
            stat.S_IMODE(os.stat(path).st_mode),
            stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),
        )
        started[-1].copy_path = path
        return started[-1]

    monkeypatch.setattr(readers.subprocess, "Popen", popen)
    return started


def xlsx_bytes(fill) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "会员登记表"
    fill(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def opener(content: bytes):
    return lambda: io.BytesIO(content)


def read_all(content: bytes, name: str = "roster.xlsx", sheet: str | None = "会员登记表"):
    opened = open_rows(opener(content), name, preferred_sheet=sheet)
    return opened, list(opened.rows)


def refusal(content: bytes, name: str = "roster.xlsx") -> str:
    with pytest.raises(UnreadableFile) as caught:
        open_rows(opener(content), name)
    return str(caught.value.message)


def run_job(tree, capture, name: str, content: bytes) -> ImportJob:
    with capture(execute=True):
        job = actions.create_import_job(
            actor=tree.yubei_admin, org=tree.yubei, upload=SimpleUploadedFile(name, content)
        )
    job.refresh_from_db()
    return job


def roster_bytes(tree, n: int, **writer) -> tuple[list[list], bytes]:
    """A valid roster of ``n`` rows as CSV text (``writer``: encoding, delimiter)."""
    roster = make_roster(n, org_codes=[tree.grassroots.pk], broken_every=0)
    table = [[str(v) for v in row] for row in roster.table]
    text = io.StringIO()
    csv.writer(text, delimiter=writer.get("delimiter", ","), lineterminator="\r\n").writerows(table)
    return table, text.getvalue().encode(writer.get("encoding", "utf-8"))


def ole2_file(encrypted: bool) -> bytes:
    """The start of a compound file, with the directory entry an encrypted workbook has."""
    body = bytearray(OLE2 + bytes(4096))
    if encrypted:
        body[2048:2048] = "EncryptionInfo".encode("utf-16-le")
    return bytes(body)


# --- files that are not spreadsheets: the job fails with a message, nothing is written ---------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


NOT_SPREADSHEETS = {
    "pdf": ("roster.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
    "random bytes": ("roster.xlsx", random.Random(13).randbytes(5000)),
    "random bytes as csv": ("roster.csv", random.Random(13).randbytes(5000)),
    "pdf as csv": ("roster.csv", b"%PDF-1.4\n" + b"x" * 100),
    "a zip of text": ("roster.xlsx", _zip({"notes.txt": b"hello"})),
    "a word document": ("roster.xlsx", _zip({"word/document.xml": b"<w:document/>"})),
    "an OpenDocument sheet": (
        "roster.xlsx",
        _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""}),
    ),
}


@pytest.mark.parametrize("kind", list(NOT_SPREADSHEETS))
def test_a_file_that_is_not_a_spreadsheet_fails_the_job_and_writes_nothing(
    tree, django_capture_on_commit_callbacks, kind
):
    name, content = NOT_SPREADSHEETS[kind]
    people = Person.objects.count()
    job = run_job(tree, django_capture_on_commit_callbacks, name, content)
    assert job.status == ImportStatus.FAILED
    assert job.message == str(MSG_NOT_SPREADSHEET)
    assert "not a spreadsheet" in job.message and ".xlsx" in job.message
    assert Person.objects.count() == people and job.created_count == 0


@pytest.mark.parametrize("name", ["roster.xlsx", "roster.csv"])
def test_an_empty_file_says_so(tree, django_capture_on_commit_callbacks, name):
    job = run_job(tree, django_capture_on_commit_callbacks, name, b"")
    assert job.status == ImportStatus.FAILED
    assert job.message == str(MSG_EMPTY) == "The file is empty."


def test_an_old_xls_workbook_is_asked_to_be_saved_as_xlsx(tree, django_capture_on_commit_callbacks):
    # renamed .xlsx (or saved under that name by an old program): read, and explained
    job = run_job(tree, django_capture_on_commit_callbacks, "roster.xlsx", ole2_file(False))
    assert job.status == ImportStatus.FAILED and job.message == str(MSG_OLD_XLS)
    assert "(.xls)" in job.message and "save it as an Excel workbook (.xlsx)" in job.message
    assert Person.objects.count() == 0


def test_an_xls_upload_is_refused_at_once_with_the_same_advice(client, tree):
    assert client.login(username=tree.yubei_admin.username, password=TEST_PASSWORD)
    response = client.post(
        reverse("console:imports_importjob_add"),
        {"org": tree.yubei.pk, "file": SimpleUploadedFile("roster.xls", ole2_file(False))},
    )
    assert response.status_code == 200 and ImportJob.objects.count() == 0
    assert response.context["form"].errors["file"] == [str(MSG_OLD_XLS)]


def test_a_password_protected_workbook_says_to_remove_the_password(
    tree, django_capture_on_commit_callbacks
):
    job = run_job(tree, django_capture_on_commit_callbacks, "roster.xlsx", ole2_file(True))
    assert job.status == ImportStatus.FAILED and job.message == str(MSG_PASSWORD)
    assert "remove the password" in job.message


def test_a_damaged_workbook_is_refused_in_either_process(monkeypatch):
    # a zip that claims to be a workbook, whose XML calamine cannot parse
    content = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook><sheets><sheet name='a' sheetId='1' r:id='rId1'/>",
        }
    )
    assert refusal(content) == str(MSG_BROKEN_XLSX)
    monkeypatch.setattr(readers, "IN_PROCESS_MAX_BYTES", 0)
    assert refusal(content) == str(MSG_BROKEN_XLSX)


# --- upload size ---------------------------------------------------------------------------------


def test_the_size_limit_comes_from_the_setting_and_the_message_states_it(tree, monkeypatch):
    from django.conf import settings

    assert actions.MAX_UPLOAD_BYTES == settings.GONGHUI_IMPORT_MAX_BYTES == 100 * MB
    upload = SimpleUploadedFile("roster.xlsx", b"PK\x03\x04")
    upload.size = 200 * MB
    with pytest.raises(ActionError) as caught:
        actions.create_import_job(actor=tree.yubei_admin, org=tree.yubei, upload=upload)
    assert caught.value.messages == ["The file is larger than 100 MB."]
    monkeypatch.setattr(actions, "MAX_UPLOAD_BYTES", 3 * MB // 2)
    with pytest.raises(ActionError) as caught:
        actions.create_import_job(actor=tree.yubei_admin, org=tree.yubei, upload=upload)
    assert caught.value.messages == ["The file is larger than 1.5 MB."]
    assert ImportJob.objects.count() == 0


def test_a_200_mb_upload_is_refused_before_its_body_is_read(client, tree):
    from django.test import RequestFactory

    class Unread:
        def read(self, *args):
            raise AssertionError("the body was read")

    url = reverse("console:imports_importjob_add")
    request = RequestFactory().post(url, content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(200 * MB)
    request._stream = Unread()
    refused = inspect_request(request)
    assert refused.status == 413 and "at most 101 MB" in refused.message
    # through the whole stack: the page says so, and no job is made
    assert client.login(username=tree.yubei_admin.username, password=TEST_PASSWORD)
    response = client.generic(  # the header says 200 MB; the body is never read
        "POST",
        url,
        CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * MB),
    )
    assert response.status_code == 413 and b"at most 101 MB" in response.content
    assert ImportJob.objects.count() == 0


def test_a_100_mb_upload_passes_the_request_limits_and_is_stored(client, tree):
    """Django keeps only DATA_UPLOAD_MAX_MEMORY_SIZE (5 MB) of form fields in memory, not
    files; the file goes to a temporary file and is sealed 64 KB at a time."""
    assert client.login(username=tree.yubei_admin.username, password=TEST_PASSWORD)
    page = client.get(reverse("console:imports_importjob_add"))
    assert b"100 MB at most" in page.content
    content = b"x" * actions.MAX_UPLOAD_BYTES
    response = client.post(
        reverse("console:imports_importjob_add"),
        {"org": tree.yubei.pk, "file": SimpleUploadedFile("roster.csv", content)},
    )
    del content
    assert response.status_code == 302, response.content[:500]
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.PREVIEW  # the import runs once the preview is confirmed
    with job.file.open("rb") as stored:
        stored.seek(0, io.SEEK_END)
        assert stored.tell() == 100 * MB


# --- CSV encodings -------------------------------------------------------------------------------


def test_a_gbk_csv_with_characters_outside_gb2312_is_imported(
    tree, django_capture_on_commit_callbacks
):
    table, _content = roster_bytes(tree, 6)
    for row, name in zip(table[1:], GBK_ONLY_NAMES, strict=False):
        row[0] = name
    text = "".join(",".join(row) + "\r\n" for row in table)
    content = text.encode("gbk")
    with pytest.raises(UnicodeEncodeError):
        "".join(GBK_ONLY_NAMES).encode("gb2312")
    _sheet, rows = read_all(content, "roster.csv")
    assert rows == table
    job = run_job(tree, django_capture_on_commit_callbacks, "roster.csv", content)
    assert job.status == ImportStatus.DONE and job.created_count == 6, job.message


def test_gbk_after_64_kb_of_ascii_is_still_read_as_gbk():
    # the first 64 KB decode as UTF-8 too: the whole file decides, not its start
    content = ("a,b\r\n" + "x,y\r\n" * 20_000 + "王堃,1\r\n").encode("gbk")
    sheet, rows = read_all(content, "roster.csv")
    assert rows[-1] == ["王堃", "1"] and sheet.total_rows == len(rows) == 20_002


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-16", "\t"), ("utf-16-le", "\t"), ("utf-16-be", ",")],
    ids=["Excel Unicode text", "UTF-16 LE", "UTF-16 BE with commas"],
)
def test_a_utf16_csv_is_read_by_its_byte_order_mark(
    tree, django_capture_on_commit_callbacks, encoding, delimiter
):
    table, content = roster_bytes(tree, 5, encoding=encoding, delimiter=delimiter)
    if encoding != "utf-16":  # the codecs with an explicit order write no mark: add it
        bom = "\ufeff".encode(encoding)
        content = bom + content
    _sheet, rows = read_all(content, "roster.csv")
    assert rows == table
    job = run_job(tree, django_capture_on_commit_callbacks, "roster.csv", content)
    assert job.status == ImportStatus.DONE and job.created_count == 5, job.message


def test_an_undecodable_csv_is_refused_naming_its_line_and_the_encodings_read(
    tree, django_capture_on_commit_callbacks
):
    table, content = roster_bytes(tree, 3)
    lines = content.split(b"\r\n")
    lines[3] = lines[3].replace(table[3][0].encode(), b"\xff\xfe\x80")  # no UTF-8, no GB18030
    content = b"\r\n".join(lines)
    job = run_job(tree, django_capture_on_commit_callbacks, "roster.csv", content)
    assert job.status == ImportStatus.FAILED
    assert job.message == str(MSG_CSV_ENCODING) % {"line": 4}
    assert "line 4" in job.message
    assert all(name in job.message for name in ("UTF-8", "UTF-16", "GBK/GB18030"))
    # the good rows before it were not imported either
    assert Person.objects.count() == 0 and Membership.objects.count() == 0


def test_a_csv_with_a_quote_never_closed_is_refused_not_swallowed():
    content = b'a,b\r\n1,2\r\n"3,4\r\n5,6\r\n7,8\r\n'
    assert refusal(content, "roster.csv") == str(MSG_CSV_BROKEN) % {"line": 3}


# --- formula and merged cells: flagged on their row and column -----------------------------------


def test_formula_and_merged_cells_are_flagged_on_their_row_and_column():
    def fill(sheet):
        sheet.append(HEADER)
        sheet.append(["王伟", "500112199001011234", "=13800000000+1", 1])
        sheet.append(["李娜", "500112199001011235", "13800000002", 1])
        sheet.append(["张静", "500112199001011236", "13800000003", None])
        sheet.merge_cells("D3:D4")  # one union code for two rows
        sheet.append(["赵敏", "500112199001011237", "13800000004", 2])

    sheet, rows = read_all(xlsx_bytes(fill))
    header = rows[0]
    flagged = {
        sheet.first_row + i: (
            sorted(header[c] for c in formula_cells(row)),
            sorted(header[c] for c in merged_cells(row)),
        )
        for i, row in enumerate(rows)
        if formula_cells(row) or merged_cells(row)
    }
    assert flagged == {
        2: (["手机号*"], []),
        3: ([], ["所属工会编码*"]),
        4: ([], ["所属工会编码*"]),
    }
    assert isinstance(rows[1], FlaggedRow) and rows[1][:4] == ["王伟", "500112199001011234", "", 1]
    assert formula_cells(list(rows[1])) == frozenset()  # a copy carries no flags
    assert type(rows[4]) is list and formula_cells(rows[4]) == merged_cells(rows[4]) == set()
    assert str(readers.MSG_FORMULA) == "This cell holds a formula; enter the value itself."
    assert str(readers.MSG_MERGED) == (
        "This cell is part of merged cells; unmerge them and fill in each cell."
    )


def test_flags_and_row_numbers_hold_when_the_sheet_starts_lower_and_further_right(in_child):
    # a title row and a blank column before the table: column 0 is the table's first column
    def fill(sheet):
        sheet["B2"] = "会员登记表"
        sheet.merge_cells("B2:D2")
        for row_number, values in ((4, ["姓名", "手机号", "备注"]), (5, ["王伟", "=1+1", "x"])):
            for column, value in enumerate(values, start=2):
                sheet.cell(row=row_number, column=column, value=value)

    sheet, rows = read_all(xlsx_bytes(fill))
    assert sheet.first_row == 2 and sheet.total_rows == len(rows) == 4
    numbered = dict(enumerate(rows, start=sheet.first_row))
    assert numbered[2] == ["会员登记表", "", ""] and merged_cells(numbered[2]) == {0, 1, 2}
    assert numbered[4] == ["姓名", "手机号", "备注"] and not formula_cells(numbered[4])
    assert formula_cells(numbered[5]) == {1}


# the XML other programs write: a namespace prefix, cells without references, shared and array
# formulas, and the sheet found through relationships (the second of two, by an absolute path)
PREFIXED_WORKBOOK = {
    "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>",
    "xl/workbook.xml": b'<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<x:sheets><x:sheet name="Other" sheetId="2" r:id="rId2"/><x:sheet name="Data" '
    b'sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
    "xl/_rels/workbook.xml.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    b'.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="/xl/worksheets/other.xml"/></Relationships>',
    "xl/worksheets/data.xml": b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><x:sheetData>'
    b'<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c t="inlineStr"><x:is>'
    b'<x:t>b</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>c</x:t></x:is></x:c></x:row>'
    b"<x:row><x:c><x:v>1</x:v></x:c><x:c><x:f>A2*2</x:f><x:v>2</x:v></x:c><x:c><x:v>3</x:v>"
    b'</x:c></x:row><x:row><x:c><x:v>4</x:v></x:c><x:c><x:f t="shared" si="0" ref="B3:B4">'
    b"A3*2</x:f><x:v>8</x:v></x:c><x:c><x:v>5</x:v></x:c></x:row><x:row><x:c><x:v>6</x:v>"
    b'</x:c><x:c><x:f t="shared" si="0"/><x:v>12</x:v></x:c><x:c><x:f t="array" ref="C4:C5">'
    b"A4:A5</x:f><x:v>6</x:v></x:c></x:row><x:row><x:c><x:v>7</x:v></x:c><x:c><x:v>0</x:v>"
    b"</x:c><x:c><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>",
    "xl/worksheets/other.xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'
    b"</sheetData></worksheet>",
}


@pytest.mark.parametrize("where", ["here", "child"])
def test_formulas_are_found_in_the_xml_other_programs_write(monkeypatch, where):
    if where == "child":
        monkeypatch.setattr(readers, "IN_PROCESS_MAX_BYTES", 0)
    content = _zip(PREFIXED_WORKBOOK)
    _sheet, rows = read_all(content, sheet="Data")
    assert rows[1:] == [[1, 2, 3], [4, 8, 5], [6, 12, 6], [7, 0, 7]]
    assert [sorted(formula_cells(row)) for row in rows] == [[], [1], [1], [1, 2], [2]]
    _sheet, rows = read_all(content, sheet="Missing")  # the first sheet then
    assert rows == [[2]] and formula_cells(rows[0]) == {0}


# --- the child process ----------------------------------------------------------------------------


def typed_workbook(n: int = 3000) -> bytes:
    def fill(sheet):
        sheet.append(["text", "int", "float", "bool", "date", "datetime", "empty"])
        for i in range(n):
            sheet.append(
                [f"行{i}", i, 500112199001011234.0, i % 2 == 0, date(2020, 1, 1 + i % 28)]
                + [datetime(2021, 2, 3, 4, 5, 6), None]
            )
        sheet["C3"] = "=1+1"
        sheet.merge_cells("G10:G12")

    return xlsx_bytes(fill)


def test_the_child_reads_what_this_process_would(monkeypatch, children):
    content = typed_workbook()
    here, here_rows = read_all(content)
    assert not children  # a small file is read here
    monkeypatch.setattr(readers, "IN_PROCESS_MAX_BYTES", 0)
    there, there_rows = read_all(content)
    assert len(children) == 1 and children[0].returncode == 0
    assert (there.total_rows, there.first_row) == (here.total_rows, here.first_row) == (3001, 1)
    assert there_rows == here_rows
    assert [type(v) for v in there_rows[5]] == [type(v) for v in here_rows[5]]
    assert [type(v).__name__ for v in there_rows[5]] == [
        "str",
        "float",  # calamine gives numbers as floats, an ID number typed as a number too
        "float",
        "bool",
        "date",
        "datetime",
        "str",
    ]
    flags = [(i, formula_cells(r), merged_cells(r)) for i, r in enumerate(there_rows, 1)]
    assert [f for f in flags if f[1] or f[2]] == [
        (3, {2}, set()),
        (10, set(), {6}),
        (11, set(), {6}),
        (12, set(), {6}),
    ]


def test_the_upload_is_copied_privately_for_the_child_and_deleted_before_the_first_row(
    in_child, children
):
    sheet = open_rows(opener(typed_workbook(10)), "roster.xlsx")
    (child,) = children
    assert child.copy_modes == (0o600, 0o700)
    assert not os.path.exists(os.path.dirname(child.copy_path))
    assert len(list(sheet.rows)) == 11
    assert child.returncode == 0


def test_stopping_early_ends_the_child(in_child, children):
    sheet = open_rows(opener(typed_workbook()), "roster.xlsx")
    assert next(sheet.rows) == ["text", "int", "float", "bool", "date", "datetime", "empty"]
    sheet.close()
    assert children[0].returncode is not None  # killed and reaped
    # dropped without a row read: the same
    sheet = open_rows(opener(typed_workbook()), "roster.xlsx")
    del sheet
    gc.collect()
    assert children[1].returncode is not None


def test_a_child_that_dies_midway_stops_the_reading_with_a_message(in_child, children):
    sheet = open_rows(opener(typed_workbook(20_000)), "roster.xlsx")
    next(sheet.rows)
    children[0].kill()
    with pytest.raises(UnreadableFile) as caught:
        for _row in sheet.rows:
            pass
    assert caught.value.message == MSG_READING_STOPPED
    assert "exit code -9" in str(caught.value)


def test_a_child_out_of_memory_is_an_unreadable_file_not_a_hang(in_child, monkeypatch):
    monkeypatch.setattr(readers, "CHILD_MEMORY_BYTES", 16 * MB)
    with pytest.raises(UnreadableFile) as caught:
        open_rows(opener(typed_workbook(10)), "roster.xlsx")
    assert caught.value.message == MSG_UNREADABLE, str(caught.value)


def test_a_large_roster_reads_in_a_child_with_its_total(tree, children, tmp_path):
    # above IN_PROCESS_MAX_BYTES: read in a child without any patching
    path = tmp_path / "roster.xlsx"
    write_xlsx(make_roster(13_000, org_codes=[1]).table, path)
    assert path.stat().st_size > readers.IN_PROCESS_MAX_BYTES
    sheet = open_rows(lambda: open(path, "rb"), "roster.xlsx")
    assert sheet.total_rows == 13_001 and sum(1 for _ in sheet.rows) == 13_001
    assert len(children) == 1 and children[0].returncode == 0
