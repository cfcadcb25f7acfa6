"""Exports never fail on a stored value, and no stored value runs as a formula in the file
(issue #11, finding 5: one member name with a control character made every export of the
district answer 500 with openpyxl's ``IllegalCharacterError``).

Rows are written straight through the ORM, as rows stored before the input check would be.
PostgreSQL cannot store NUL at all, so the stored values use the other control characters;
the importer's own cells (which never reach the database) include NUL.
``test_every_spreadsheet_writer_uses_the_cell_helpers`` keeps the next writer on the helpers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gonghui.platform.security.cells import csv_row, csv_value, xlsx_row, xlsx_value

pytestmark = pytest.mark.django_db

STORED_NAME = "张\x01三\x1b"  # what an old row may hold (PostgreSQL refuses only NUL)
SHOWN_NAME = "张\ufffd三\ufffd"
FORMULA = '=HYPERLINK("http://evil.example/","点击")'


# --- the helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张三"),
        ("a\x00b\x0bc\x7f\x85", "a\ufffdb\ufffdc\ufffd\ufffd"),
        ("line\nbreak\ttab", "line\nbreak\ttab"),
        (12, 12),
        (None, None),
        ("x" * 40000, "x" * 32767),
    ],
)
def test_xlsx_value(value, expected):
    assert xlsx_value(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-12.50", "-12.50"),
        ("渝北区", "渝北区"),
        ("a\x00b", "a\ufffdb"),
        (7, 7),
    ],
)
def test_csv_value(value, expected):
    assert csv_value(value) == expected


def test_a_workbook_written_through_xlsx_row_opens_with_text_not_formulas():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append(xlsx_row(sheet, ["a\x00b", FORMULA, "=", 3, None]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = next(load_workbook(io.BytesIO(buffer.getvalue()))["s"].iter_rows())
    assert [c.value for c in cells[:4]] == ["a\ufffdb", FORMULA, "=", 3]
    assert cells[1].data_type == "s"


def test_every_spreadsheet_writer_uses_the_cell_helpers():
    """A module that writes xlsx (openpyxl ``Workbook``) or CSV (``csv.writer``) passes its rows
    through ``xlsx_row`` / ``csv_row``; templates that hold only fixed text are listed."""
    # ColumnSet.template: column titles, help texts and code tables, fixed in the code
    fixed_text_only = {"gonghui/platform/imports/columns.py"}
    base = Path(settings.BASE_DIR)
    missing = []
    for path in sorted((base / "gonghui").rglob("*.py")):
        relative = path.relative_to(base).as_posix()
        if "/tests/" in relative or "/testing/" in relative or relative in fixed_text_only:
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\(", source) and "xlsx_row(" not in source:
            missing.append(f"{relative}: xlsx without xlsx_row")
        if re.search(r"csv\.(writer|DictWriter)\(", source) and "csv_row(" not in source:
            missing.append(f"{relative}: CSV without csv_row")
    assert not missing, "\n".join(missing)


# --- the exports, with stored values that used to break them ----------------------------------


def _register(tree, n=2):
    import random

    from gonghui.members import actions as member_actions
    from gonghui.platform.imports.tests.rosterdata import make_id

    rng = random.Random(5)
    return [
        member_actions.register_member(
            actor=tree.yubei_admin,
            org=tree.grassroots,
            name=f"会员{i}",
            id_number=make_id(rng, i),
            phone=f"138{i:08d}",
            employer_name="某公司",
        )
        for i in range(n)
    ]


def _workbook(response):
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))


def test_member_export_survives_control_characters_and_formulas_in_stored_values(client, tree):
    from gonghui.members.models import Membership, Person

    memberships = _register(tree)
    first = Membership.objects.get(pk=memberships[0].pk)
    Person.objects.filter(pk=first.person_id).update(name=STORED_NAME)
    Membership.objects.filter(pk=first.pk).update(employer_name=FORMULA)
    client.force_login(tree.yubei_admin)
    sheet = _workbook(client.get(reverse("console:members_export"))).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 2
    row = next(r for r in rows if r[0].value == SHOWN_NAME)
    assert row[5].value == FORMULA and row[5].data_type == "s"


def test_an_import_cell_with_a_control_character_is_a_row_error_in_a_readable_workbook(
    client, tree, settings, tmp_path, django_capture_on_commit_callbacks
):
    from gonghui.members.models import Person
    from gonghui.platform.imports.models import ImportJob, ImportStatus
    from gonghui.platform.imports.tests.rosterdata import make_roster, write_csv

    settings.GONGHUI_IMPORT_RUNNER = "inline"
    roster = make_roster(4, org_codes=[tree.grassroots.pk], broken_every=0)
    roster.rows[0][0] = "邓\x00某"  # name
    roster.rows[1][4] = "某公司\x01"  # employer
    roster.rows[2][3] = f"{tree.grassroots.pk}\x00"  # union code: looked up in the database
    roster.rows[1][9] = FORMULA  # goes back into the error workbook with row 2
    path = tmp_path / "roster.csv"
    write_csv(roster.table, path, encoding="utf-8")
    client.force_login(tree.yubei_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("console:imports_importjob_add"),
            {"org": tree.yubei.pk, "file": SimpleUploadedFile("roster.csv", path.read_bytes())},
        )
        assert response.status_code == 302, response.content[:500]
        job = ImportJob.objects.get()
        # the upload waits on its preview until its uploader starts the import
        client.post(reverse("console:imports_importjob_do", args=[job.pk, "confirm"]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.status
    assert job.error_count == 3 and job.created_count == 1
    assert not Person.objects.filter(name__contains="\x01").exists()

    errors = _workbook(client.get(reverse("console:imports_importjob_errors", args=[job.pk])))
    rows = list(errors.worksheets[0].iter_rows(min_row=2))
    assert [r[0].value for r in rows][0] == "邓\ufffd某"
    assert rows[1][9].value == FORMULA and rows[1][9].data_type == "s"
    messages = [r[-1].value for r in rows]  # in Chinese, as the error workbook always is
    assert all("单元格中含有控制字符" in m for m in messages), messages


def test_bank_file_survives_control_characters_and_defuses_formulas(client, tree):
    from gonghui.assistance import actions
    from gonghui.assistance.choices import ApplicationState as S
    from gonghui.assistance.choices import ItemState
    from gonghui.assistance.models import HardshipFile
    from gonghui.assistance.testing import Staff, advance, budgets, make_person, staff_application
    from gonghui.members.models import Person

    staff = Staff(tree)
    budgets(tree.yubei, staff.finance)

    person = make_person(tree.grassroots, 1, name="张三丰")
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.APPROVED)
    items = list(app.items.filter(state=ItemState.APPROVED))
    batch = actions.create_batch(actor=staff.finance, org=tree.yubei, items=items)
    Person.objects.filter(pk=person.pk).update(name=STORED_NAME)
    HardshipFile.objects.filter(pk=app.file_id).update(bank_name=FORMULA)
    client.force_login(staff.finance)

    url = reverse("console:assistance_paymentbatch_export", args=[batch.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(client.post(url).content)).active
    row = next(sheet.iter_rows(min_row=2))
    assert row[1].value == SHOWN_NAME
    assert row[3].value == FORMULA and row[3].data_type == "s"

    url = reverse("console:assistance_paymentbatch_export", args=[batch.pk, "csv"])
    response = client.post(url)
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[1][1] == SHOWN_NAME and lines[1][3] == "'" + FORMULA
    assert lines[1][2].strip().isdigit()  # the account number stays as the bank reads it


def test_org_csv_export_defuses_formulas_and_control_characters(client, tree):
    from gonghui.orgs.models import Org

    Org.objects.filter(pk=tree.grassroots.pk).update(name="=1+2", contact_name="李\x02四")
    client.force_login(tree.city_admin)
    response = client.get(reverse("console:orgs_org_export"))
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(line for line in lines if line[0] == str(tree.grassroots.pk))
    assert row[1] == "'=1+2" and row[6] == "李\ufffd四"
    assert csv_row(["=x", 1]) == ["'=x", 1]
