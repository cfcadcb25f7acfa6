"""Console: upload → job page with progress → error workbook; scope; template; export with
masking, the 500-row rule and maker-checker approval."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gonghui.members.models import Membership
from gonghui.members.roster import SHEET_NAME
from gonghui.members.testing import make_member
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.imports import actions
from gonghui.platform.imports.jobs import run_import_job
from gonghui.platform.imports.models import ExportRequest, ExportState, ImportJob, ImportStatus
from gonghui.platform.imports.readers import detect_csv_encoding, read_csv
from gonghui.platform.imports.tests.rosterdata import (
    BROKEN_COLUMNS,
    make_roster,
    write_csv,
    write_xlsx,
)
from gonghui.platform.pii.testing import use_private_root
from gonghui.platform.testing.factories import TEST_PASSWORD, staff_with_role
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_imports(settings, tmp_path):
    settings.GONGHUI_IMPORT_RUNNER = "inline"
    use_private_root(settings, tmp_path / "private")  # sealed, as in production


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def xlsx_upload(table, name="roster.xlsx"):
    buffer = io.BytesIO()
    write_xlsx(table, buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, tree, table, org=None, name="roster.xlsx", confirm=True):
    """Upload ``table``; the job waits on its preview until its uploader starts it
    (test_import_preview.py), which ``confirm`` does."""
    response = client.post(
        reverse("console:imports_importjob_add"),
        {"org": (org or tree.yubei).pk, "file": xlsx_upload(table, name)},
    )
    assert response.status_code == 302, response.content[:2000]
    job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-2]))
    if confirm:
        assert job.status == ImportStatus.PREVIEW
        started = client.post(reverse("console:imports_importjob_do", args=[job.pk, "confirm"]))
        assert started.status_code == 302, started.content[:2000]
    return job


def test_upload_runs_the_job_and_the_error_workbook_can_be_fixed_and_reimported(
    client, tree, django_capture_on_commit_callbacks
):
    login(client, tree.yubei_admin)
    roster = make_roster(120, org_codes=[tree.grassroots.pk])
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, tree, roster.table)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.created_count == 120 - len(roster.broken)
    assert job.error_count == len(roster.broken) and job.warnings_count > 0
    assert job.processed_rows == job.total_rows == 120

    page = client.get(reverse("console:imports_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    fragment = client.get(reverse("console:imports_importjob_progress", args=[job.pk]))
    assert b"hx-trigger" not in fragment.content  # finished: polling stops
    assert str(job.created_count).encode() in fragment.content

    response = client.get(reverse("console:imports_importjob_errors", args=[job.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook[SHEET_NAME]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[-3:] == ("原行号", "出错的列", "错误说明")
    # messages are rendered in Chinese where the catalogue has them: check row and column
    assert {r[-3]: r[-2] for r in body} == {
        n: BROKEN_COLUMNS[kind] for n, kind in roster.broken.items()
    }
    assert all(r[-1] for r in body)
    assert len(list(workbook["修改提示"].iter_rows())) > 1

    # fix the phone rows in the error workbook and upload that file: only they are imported
    fixed = [list(header)]
    for r in body:
        r = list(r)
        if roster.broken[r[-3]] == "phone":
            r[2] = "13700137000"
            fixed.append(r)
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(client, tree, fixed, name="fixed.xlsx")
    again.refresh_from_db()
    assert again.created_count == len(fixed) - 1 and again.error_count == 0


def test_job_pages_answer_404_to_outsiders(client, tree, django_capture_on_commit_callbacks):
    login(client, tree.yubei_admin)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, tree, make_roster(30, org_codes=[tree.grassroots.pk]).table)
    client.logout()
    login(client, tree.jiangbei_admin)
    for name in ("change", "progress", "errors"):
        url = reverse(f"console:imports_importjob_{name}", args=[job.pk])
        assert client.get(url).status_code == 404, name
    changelist = client.get(reverse("console:imports_importjob_changelist"))
    assert changelist.status_code == 200 and job.original_name.encode() not in changelist.content
    client.logout()
    login(client, tree.city_admin)  # the city sees its subtree
    assert client.get(reverse("console:imports_importjob_change", args=[job.pk])).status_code == 200


def test_cannot_upload_into_an_org_outside_scope(tree):
    upload_file = xlsx_upload([["姓名"]])
    with pytest.raises(Exception) as err:
        actions.create_import_job(actor=tree.yubei_admin, org=tree.jiangbei, upload=upload_file)
    assert err.value.__class__.__name__ == "OutOfScope"


def test_upload_refuses_other_file_types(client, tree):
    login(client, tree.yubei_admin)
    response = client.post(
        reverse("console:imports_importjob_add"),
        {"org": tree.yubei.pk, "file": SimpleUploadedFile("roster.pdf", b"%PDF")},
    )
    assert response.status_code == 200 and ImportJob.objects.count() == 0


def test_bad_file_fails_the_job_with_a_message(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.create_import_job(
            actor=tree.yubei_admin,
            org=tree.yubei,
            upload=SimpleUploadedFile("roster.xlsx", b"not a workbook"),
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.message


def test_template_download(client, tree):
    login(client, tree.yubei_admin)
    response = client.get(reverse("console:imports_roster_template"))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == SHEET_NAME


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, tree, encoding):
    roster = make_roster(5, org_codes=[tree.grassroots.pk], broken_every=0)
    path = tmp_path / "roster.csv"
    write_csv(roster.table, path, encoding=encoding)
    assert detect_csv_encoding(path.read_bytes()[:1000]) in (encoding, "utf-8-sig")
    sheet = read_csv(path)
    rows = list(sheet.rows)
    assert rows[0][0] == "姓名*" and rows[1][0] == roster.rows[0][0]


def test_csv_import_through_the_job(tree, tmp_path, django_capture_on_commit_callbacks):
    roster = make_roster(40, org_codes=[tree.grassroots.pk])
    path = tmp_path / "roster.csv"
    write_csv(roster.table, path, encoding="gb18030")
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.create_import_job(
            actor=tree.yubei_admin,
            org=tree.yubei,
            upload=SimpleUploadedFile("roster.csv", path.read_bytes()),
        )
    job = run_import_job(job.pk)  # already done: a second run does nothing
    assert job.status == ImportStatus.DONE
    assert job.created_count == 40 - len(roster.broken)


# --- export ----------------------------------------------------------------------------------


def _members(tree, n, org=None):
    for i in range(n):
        make_member(org or tree.grassroots, name=f"会员{i}")


def test_small_export_is_masked_and_audited(client, tree):
    _members(tree, 3)
    login(client, tree.yubei_admin)
    response = client.get(reverse("console:members_export"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 4
    person = Membership.objects.first().person
    flat = " ".join(str(v) for r in rows for v in r)
    assert person.id_number not in flat and person.phone not in flat
    assert any(r[1] == person.id_number[0] + "*" * 16 + person.id_number[-1] for r in rows)
    event = AuditEvent.objects.get(action="members.export")
    assert event.details["rows"] == 3


def test_export_honours_filters_and_scope(client, tree):
    _members(tree, 2)
    login(client, tree.jiangbei_admin)
    response = client.get(reverse("console:members_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 1  # header only: Yubei's members are not Jiangbei's
    client.logout()
    login(client, tree.yubei_admin)
    response = client.get(reverse("console:members_export") + "?q=会员1")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 2


def test_large_export_needs_another_users_approval_and_downloads_once(
    client, tree, settings, monkeypatch
):
    from gonghui.members import roster

    monkeypatch.setattr(roster, "EXPORT_DIRECT_LIMIT", 2)
    from gonghui.members import admin_imports as imports_admin

    monkeypatch.setattr(imports_admin, "EXPORT_DIRECT_LIMIT", 2)
    _members(tree, 3)
    login(client, tree.yubei_admin)
    url = reverse("console:members_export")
    page = client.get(url)
    assert page.status_code == 200 and b"Request approval" in page.content
    assert not AuditEvent.objects.filter(action="members.export").exists()
    response = client.post(url, {"purpose": "年度统计"})
    assert response.status_code == 302
    request = ExportRequest.objects.get()
    assert request.row_count == 3 and request.state == ExportState.PENDING

    # the requester cannot approve their own request
    with pytest.raises(ActionError):
        actions.approve_export(actor=tree.yubei_admin, request=request)
    download = reverse("console:imports_exportrequest_download", args=[request.pk])
    assert client.get(download).status_code == 302  # not approved yet
    # an approver outside the subtree does not even see it
    detail = reverse("console:imports_exportrequest_change", args=[request.pk])
    client.logout()
    login(client, tree.jiangbei_admin)
    assert client.get(detail).status_code == 404
    # another approver in scope approves
    client.logout()
    checker = staff_with_role(tree.yubei, "membership_officer", username="checker")
    login(client, checker)
    assert b"Allow the export" in client.get(detail).content
    response = client.post(
        reverse("console:imports_exportrequest_do", args=[request.pk, "approve"]), {"reason": ""}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == ExportState.APPROVED and request.decided_by == checker
    assert client.get(download).status_code == 404  # only the requester downloads
    client.logout()
    login(client, tree.yubei_admin)
    response = client.get(download)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 4
    request.refresh_from_db()
    assert request.state == ExportState.USED
    assert AuditEvent.objects.get(action="members.export").details["rows"] == 3
    assert client.get(download).status_code == 302  # once


def test_reject_needs_a_reason(tree):
    request = actions.request_export(
        actor=tree.yubei_admin, org=tree.yubei, filters={}, row_count=900, purpose="统计"
    )
    with pytest.raises(ActionError):
        actions.reject_export(actor=tree.city_admin, request=request, reason="")
    actions.reject_export(actor=tree.city_admin, request=request, reason="范围过大")
    request.refresh_from_db()
    assert request.state == ExportState.REJECTED


@pytest.mark.django_db(transaction=True)
def test_thread_runner_returns_at_once_and_finishes_in_the_background(tree, settings):
    import threading
    import time

    settings.GONGHUI_IMPORT_RUNNER = "thread"
    roster = make_roster(60, org_codes=[tree.grassroots.pk])
    job = actions.create_import_job(
        actor=tree.yubei_admin, org=tree.yubei, upload=xlsx_upload(roster.table)
    )
    worker = next(t for t in threading.enumerate() if t.name == f"import-{job.pk}")
    worker.join(timeout=30)
    time.sleep(0.05)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.created_count == 60 - len(roster.broken)


def test_console_pages_render(client, tree):
    login(client, tree.yubei_admin)
    page = client.get(reverse("console:imports_importjob_add"))
    assert page.status_code == 200
    assert reverse("console:imports_roster_template").encode() in page.content
    assert client.get(reverse("console:imports_importjob_changelist")).status_code == 200
    assert client.get(reverse("console:imports_exportrequest_changelist")).status_code == 200
    assert client.get(reverse("console:imports_exportrequest_add")).status_code == 403


def test_viewer_cannot_import_or_export(client, tree):
    viewer = staff_with_role(tree.yubei, "viewer")
    login(client, viewer)
    assert client.get(reverse("console:imports_importjob_add")).status_code == 403
    assert client.get(reverse("console:imports_roster_template")).status_code == 403
    assert client.get(reverse("console:members_export")).status_code == 403
