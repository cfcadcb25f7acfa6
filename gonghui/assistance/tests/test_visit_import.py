"""Importing condolence visits from Excel through the import-job machinery: per-row errors with
clean_visit's rules into the error workbook, scope of orgs, campaigns and people, idempotent
re-import, the job page, the template and permissions."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from gonghui.assistance import actions, queries, visits_import
from gonghui.assistance.models import Visit
from gonghui.assistance.testing import make_person
from gonghui.members.roster import ImportStats
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.imports.models import ImportJob, ImportKind, ImportStatus
from gonghui.platform.pii.testing import use_private_root
from gonghui.platform.testing.factories import TEST_PASSWORD, staff_with_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HEADER = [
    "日期",
    "慰问对象",
    "身份证号",
    "人次",
    "慰问金",
    "物资折价",
    "慰问单位",
    "带队领导",
    "备注",
    "活动",
]


@pytest.fixture(autouse=True)
def _inline_imports(settings, tmp_path):
    settings.GONGHUI_IMPORT_RUNNER = "inline"
    use_private_root(settings, tmp_path / "private")  # sealed, as in production


@pytest.fixture
def yb(tree):
    return staff_with_role(tree.yubei, "assistance_officer", username="yb_officer")


@pytest.fixture
def jb(tree):
    return staff_with_role(tree.jiangbei, "assistance_officer", username="jb_officer")


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "慰问记录"
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def days(n: int):
    return TODAY - timedelta(days=n)


@pytest.fixture
def setting(tree, yb, jb):
    """Campaigns of both districts, a member in 渝北 and one in 江北, and a file with 3 good
    rows and 8 bad ones (row number → the column at fault)."""
    campaign = actions.save_campaign(
        actor=yb,
        org=tree.yubei,
        name="渝北送温暖",
        kind="festivals",
        starts_on=days(30),
        ends_on=TODAY + timedelta(days=30),
        budget="50000",
    )
    actions.save_campaign(
        actor=jb,
        org=tree.jiangbei,
        name="江北送温暖",
        kind="festivals",
        starts_on=days(30),
        ends_on=TODAY,
        budget="50000",
    )
    member = make_person(tree.grassroots, 5, name="王小芳")
    stranger = make_person(tree.jb_grassroots, 6, name="李大明")
    rows = [
        # row 2: a group, the job's union, under the campaign
        [days(2), "环卫工人", "", 20, 2000, 500.5, "", "张主席", "", "渝北送温暖"],
        # row 3: a member found by ID number: linked, head count set to 1 (a warning)
        [days(3).isoformat(), "王小芳", member.id_number, 3, "800", "", "", "", "住院", ""],
        # row 4: another union below, by name
        [days(4), "快递员", "", 5, "", 300, "渝北测试公司工会", "", "", ""],
        # row 5: negative cash
        [days(2), "外卖骑手", "", 2, -100, "", "", "", "", ""],
        # row 6: zero head count
        [days(2), "货车司机", "", 0, 100, "", "", "", "", ""],
        # row 7: in the future
        [TODAY + timedelta(days=3), "家政工", "", 1, 100, "", "", "", "", ""],
        # row 8: outside the campaign's period
        [days(40), "网约车司机", "", 1, 100, "", "", "", "", "渝北送温暖"],
        # row 9: a union of another district
        [days(2), "江北职工", "", 1, 100, "", "江北测试公司工会", "", "", ""],
        # row 10: a campaign of another district
        [days(2), "江北职工", "", 1, 100, "", "", "", "", "江北送温暖"],
        # row 11: the same visit as row 2
        [days(2), "环卫工人", "", 20, 2000, 500.5, "", "张主席", "", "渝北送温暖"],
        # row 12: nobody named
        [days(2), "", "", 1, 100, "", "", "", "", ""],
        # row 13: an ID number outside the importer's scope: recorded, not linked (a warning)
        [days(5), "困难职工", stranger.id_number, 1, 200, "", "", "", "", ""],
    ]
    bad = {
        5: ("慰问金", "Amounts must be greater than zero."),
        6: ("人次", "The head count is a whole number of people."),
        7: ("日期", "The visit date is in the future."),
        8: ("日期", "The visit is outside the campaign's period."),
        9: ("慰问单位", str(visits_import.MSG_ORG_UNKNOWN)),
        10: ("活动", str(visits_import.MSG_CAMPAIGN_UNKNOWN)),
        11: ("慰问对象", "The same visit is already in row 2 of this file."),
        12: ("慰问对象", "Name the person or group visited."),
    }

    class Setting:
        pass

    s = Setting()
    s.campaign, s.member, s.stranger, s.rows, s.bad = campaign, member, stranger, rows, bad
    s.content = xlsx(rows)
    return s


def run_direct(actor, org, content: bytes):
    """The importer on its own, collecting error rows and warnings."""
    from gonghui.platform.imports.readers import read_xlsx

    path = io.BytesIO(content)
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(path.getvalue())
        handle.flush()
        sheet = read_xlsx(handle.name, visits_import.SHEET_NAME)
        errors, warnings = [], []
        stats = visits_import.import_visits(
            sheet.rows,
            actor=actor,
            org=org,
            first_row=sheet.first_row,
            total_rows=sheet.total_rows,
            on_error=errors.append,
            on_warning=warnings.append,
        )
    return stats, errors, warnings


def test_rows_are_validated_with_the_forms_messages(tree, yb, setting):
    stats, errors, warnings = run_direct(yb, tree.yubei, setting.content)
    assert isinstance(stats, ImportStats)
    assert (stats.created, stats.errors, stats.unchanged) == (4, 8, 0)
    by_row = {r.row_number: [(col, str(msg)) for col, msg in r.errors] for r in errors}
    assert set(by_row) == set(setting.bad)
    for row, (column, message) in setting.bad.items():
        assert by_row[row] == [(column, message)], row

    visits = {v.recipient: v for v in Visit.objects.all()}
    assert set(visits) == {"环卫工人", "王小芳", "快递员", "困难职工"}
    group = visits["环卫工人"]
    assert (group.org, group.campaign, group.head_count) == (tree.yubei, setting.campaign, 20)
    assert (group.cash, group.goods_value, group.leaders) == (
        Decimal("2000.00"),
        Decimal("500.50"),
        "张主席",
    )
    linked = visits["王小芳"]
    assert (linked.person, linked.head_count, linked.note) == (setting.member, 1, "住院")
    assert visits["快递员"].org == tree.grassroots
    assert visits["困难职工"].person is None  # never linked outside the importer's scope
    assert all(len(v.import_key) == 64 for v in visits.values())
    warned = {r.row_number: [str(m) for _c, m in r.warnings] for r in warnings}
    assert str(visits_import.MSG_PERSON_HEAD_COUNT) in warned[3]
    assert str(visits_import.MSG_PERSON_NOT_FOUND) in warned[13]


def test_reimporting_the_same_file_changes_nothing(tree, yb, setting):
    run_direct(yb, tree.yubei, setting.content)
    before = list(Visit.objects.order_by("pk").values_list("pk", "import_key"))
    stats, errors, _warnings = run_direct(yb, tree.yubei, setting.content)
    assert (stats.created, stats.unchanged, stats.errors) == (0, 4, 8)
    assert list(Visit.objects.order_by("pk").values_list("pk", "import_key")) == before


def test_console_upload_runs_a_visits_job_with_progress_and_error_workbook(
    client, tree, yb, setting, django_capture_on_commit_callbacks
):
    login(client, yb)
    listing = client.get(reverse("console:assistance_visit_changelist")).content.decode()
    assert reverse("console:assistance_visit_import") in listing
    page = client.get(reverse("console:assistance_visit_import"))
    assert page.status_code == 200
    assert reverse("console:assistance_visit_import_template") in page.content.decode()

    def upload():
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("console:assistance_visit_import"),
                {"org": tree.yubei.pk, "file": SimpleUploadedFile("visits.xlsx", setting.content)},
            )
        assert response.status_code == 302, response.content.decode()[:3000]
        pk = int(response["Location"].rstrip("/").split("/")[-2])
        assert response["Location"] == reverse("console:imports_importjob_change", args=[pk])
        # Nothing is imported before the uploader has seen the preview and started it.
        assert ImportJob.objects.get(pk=pk).status == ImportStatus.PREVIEW
        assert not Visit.objects.filter(import_job=pk).exists()
        preview = client.get(response["Location"]).content.decode()
        assert 'id="import-preview"' in preview, preview[:2000]
        assert all(header in preview for header in HEADER)  # the columns as they map
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("console:imports_importjob_do", args=[pk, "confirm"]))
        return ImportJob.objects.get(pk=pk)

    job = upload()
    assert job.kind == ImportKind.VISITS
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created_count, job.error_count, job.unchanged_count) == (4, 8, 0)
    assert job.processed_rows == job.total_rows == 12
    assert job.warnings_count == 2
    assert set(Visit.objects.values_list("import_job", flat=True)) == {job.pk}
    events = AuditEvent.objects.filter(action="assistance.import_visits")
    assert events.count() == 1
    assert events.get().details["created"] == 4
    assert AuditEvent.objects.filter(action="assistance.upload_visits").count() == 1

    # the shared job page, its progress fragment and the error workbook
    page = client.get(reverse("console:imports_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Condolence visit import #{job.pk}" in html
    assert reverse("console:assistance_visit_import") in html
    fragment = client.get(reverse("console:imports_importjob_progress", args=[job.pk]))
    assert fragment.status_code == 200
    download = client.get(reverse("console:imports_importjob_errors", args=[job.pk]))
    assert download.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = workbook[visits_import.SHEET_NAME]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(HEADER)]) == HEADER
    assert rows[0][len(HEADER) :] == ("原行号", "出错的列", "错误说明")
    got = {row[len(HEADER)]: row[len(HEADER) + 1] for row in rows[1:]}
    assert got == {row: column for row, (column, _m) in setting.bad.items()}
    assert AuditEvent.objects.filter(action="assistance.download_import_errors").count() == 1

    # the same file again: every good row comes out unchanged
    again = upload()
    assert again.status == ImportStatus.DONE
    assert (again.created_count, again.unchanged_count, again.error_count) == (0, 4, 8)
    assert Visit.objects.count() == 4

    # the imported visits count in the totals
    totals = queries.visit_totals(yb)
    assert (totals.visits, totals.head_count) == (4, 27)
    assert totals.amount == Decimal("3800.50")


def test_job_pages_are_scoped_and_need_the_import_permission(
    client, tree, yb, jb, setting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = visits_import.create_visit_import_job(
            actor=yb,
            org=tree.yubei,
            upload=SimpleUploadedFile("visits.xlsx", setting.content),
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE

    login(client, jb)  # another district
    assert client.get(reverse("console:imports_importjob_change", args=[job.pk])).status_code == 404
    assert client.get(reverse("console:imports_importjob_errors", args=[job.pk])).status_code == 404

    # a membership officer of the same district imports rosters, not visits
    member_officer = staff_with_role(tree.yubei, "membership_officer", username="mo")
    login(client, member_officer)
    assert client.get(reverse("console:imports_importjob_change", args=[job.pk])).status_code == 404
    listing = client.get(reverse("console:imports_importjob_changelist")).content.decode()
    assert "visits.xlsx" not in listing
    assert client.get(reverse("console:assistance_visit_import")).status_code == 403
    assert client.get(reverse("console:assistance_visit_import_template")).status_code == 403

    # an assistance officer sees the visits job in the job list
    login(client, yb)
    listing = client.get(reverse("console:imports_importjob_changelist")).content.decode()
    assert "visits.xlsx" in listing


def test_upload_into_a_union_outside_the_grants_is_refused(client, tree, yb, setting):
    login(client, yb)
    response = client.post(
        reverse("console:assistance_visit_import"),
        {"org": tree.jiangbei.pk, "file": SimpleUploadedFile("visits.xlsx", setting.content)},
    )
    assert response.status_code == 200  # not a choice
    assert not ImportJob.objects.exists()


def test_rows_are_imported_only_into_unions_the_importer_covers(tree, setting):
    # A grassroots officer imports into their own union only, even when naming the district.
    officer = staff_with_role(tree.grassroots, "assistance_officer", username="gr_officer")
    content = xlsx(
        [
            [days(2), "职工甲", "", 1, 100, "", "渝北区总工会", "", "", ""],
            [days(2), "职工乙", "", 1, 100, "", "", "", "", ""],
        ]
    )
    stats, errors, _w = run_direct(officer, tree.grassroots, content)
    assert (stats.created, stats.errors) == (1, 1)
    assert [(c, str(m)) for c, m in errors[0].errors] == [
        ("慰问单位", str(visits_import.MSG_ORG_UNKNOWN))
    ]
    assert Visit.objects.get().org == tree.grassroots


def test_a_file_without_the_header_fails_the_job(
    client, tree, yb, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = visits_import.create_visit_import_job(
            actor=yb,
            org=tree.yubei,
            upload=SimpleUploadedFile("x.xlsx", xlsx([["a", "b"]], header=None)),
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message == str(visits_import.MSG_NO_HEADER)

    with django_capture_on_commit_callbacks(execute=True):
        job = visits_import.create_visit_import_job(
            actor=yb,
            org=tree.yubei,
            upload=SimpleUploadedFile("y.xlsx", xlsx([[days(1), 100]], header=["日期", "慰问金"])),
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message == "Required columns are missing: 慰问对象*."


def test_english_headers_are_accepted(tree, yb):
    content = xlsx(
        [[days(1).isoformat(), "Sanitation workers", 4, "120.00", "", "main"]],
        header=["date", "recipient", "head_count", "cash", "goods_value", "leaders"],
    )
    stats, errors, _w = run_direct(yb, tree.yubei, content)
    assert (stats.created, stats.errors) == (1, 0), [r.errors for r in errors]
    v = Visit.objects.get()
    assert (v.recipient, v.head_count, v.cash, v.leaders) == (
        "Sanitation workers",
        4,
        Decimal("120.00"),
        "main",
    )


def test_template_has_the_header_row(client, yb):
    login(client, yb)
    response = client.get(reverse("console:assistance_visit_import_template"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in workbook[visits_import.SHEET_NAME][1]]
    assert header == ["日期*", "慰问对象*", *HEADER[2:]]


def test_a_formula_where_a_value_should_be_is_a_row_error(tree, yb):
    content = xlsx(
        [
            [days(1).isoformat(), "环卫工人", "", 4, "=100*2", "", "", "", "", ""],
            [days(1).isoformat(), "快递员", "", 2, "150", "", "", "", "", ""],
        ]
    )
    stats, errors, _w = run_direct(yb, tree.yubei, content)
    assert (stats.created, stats.errors) == (1, 1)
    assert [(e.row_number, [(c, str(m)) for c, m in e.errors]) for e in errors] == [
        (2, [("慰问金", "This cell holds a formula; enter the value itself.")])
    ]
    assert Visit.objects.get().recipient == "快递员"
