"""A formula or a merged cell where a roster value should be: the row is reported (its column
and why), not imported, in every way the rows are cleaned."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from gonghui.members.models import Membership
from gonghui.members.roster import COLUMNS, import_roster
from gonghui.platform.imports.readers import open_rows
from gonghui.platform.validators import id_check_char

TODAY = date(2026, 11, 26)


def _id(serial: int) -> str:
    body = f"11010519491231{serial:03d}"
    return body + id_check_char(body)


def _sheet(tmp_path, tree):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.title for c in COLUMNS])
    rows = [
        ["张三", _id(1), "13800138000", tree.grassroots.pk, "某某公司", "standard"],
        ["李四", _id(2), "=A1", tree.grassroots.pk, "某某公司", "standard"],
        ["王五", _id(3), "13800138002", tree.grassroots.pk, "某某公司", "standard"],
        ["赵六", _id(4), "13800138003", tree.grassroots.pk, "", "standard"],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("E4:E5")  # 王五's employer merged down into 赵六's row
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("workers", [0, 1], ids=["inline", "worker"])
def test_formula_and_merged_cells_are_row_errors(tmp_path, tree, settings, workers):
    settings.GONGHUI_IMPORT_WORKERS = workers
    settings.GONGHUI_IMPORT_WORKERS_FROM = 0 if workers else 10**9
    sheet = open_rows(_sheet(tmp_path, tree), "roster.xlsx")
    errors = []
    stats = import_roster(
        sheet.rows,
        actor=tree.yubei_admin,
        org=tree.yubei,
        first_row=sheet.first_row,
        on_error=errors.append,
        today=TODAY,
    )
    reported = {e.row_number: [(c, str(m)) for c, m in e.errors] for e in errors}
    assert reported == {
        3: [("手机号", "This cell holds a formula; enter the value itself.")],
        4: [
            (
                "用人单位或平台",
                "This cell is part of merged cells; unmerge them and fill in each cell.",
            )
        ],
        5: [
            (
                "用人单位或平台",
                "This cell is part of merged cells; unmerge them and fill in each cell.",
            )
        ],
    }
    assert stats.created == 1
    assert Membership.objects.filter(org=tree.grassroots).count() == 1
