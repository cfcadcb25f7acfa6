"""An upload is previewed before it is imported (issue #14): the header row found, which
column of the file goes to which field (required ones missing, others ignored), the first 10
rows as the import will clean them with their errors, masked; then its uploader starts the
import or cancels it (the declared transitions of platform/imports/workflows.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.members.models import Membership
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.imports.models import ImportJob, ImportStatus
from gonghui.platform.imports.retention import expired_jobs
from gonghui.platform.imports.tests.rosterdata import make_roster
from gonghui.platform.imports.tests.test_console import login, upload
from gonghui.platform.pii.testing import use_private_root
from gonghui.platform.testing.factories import staff_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_imports(settings, tmp_path):
    settings.GONGHUI_IMPORT_RUNNER = "inline"
    use_private_root(settings, tmp_path / "private")


def _page(client, job) -> str:
    response = client.get(reverse("console:imports_importjob_change", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _do(client, job, name):
    return client.post(reverse("console:imports_importjob_do", args=[job.pk, name]))


def test_the_upload_shows_the_mapping_and_the_first_rows_and_imports_nothing(
    client, tree, django_capture_on_commit_callbacks
):
    roster = make_roster(30, org_codes=[tree.grassroots.pk], broken_every=4)
    roster.rows[0] = [*roster.rows[0]]
    table = [[*roster.table[0], "内部备注"], *([*r, "x"] for r in roster.rows)]
    login(client, tree.yubei_admin)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, tree, table, confirm=False)
    assert job.status == ImportStatus.PREVIEW
    assert not Membership.objects.exists()  # nothing imported before the confirmation
    html = _page(client, job)
    assert "Header row found in row 1; 30 rows below it." in html
    assert "身份证号" in html and "内部备注" in html
    # coded columns read as their labels, not as the stored codes
    assert ">food_delivery<" not in html and ">courier<" not in html and ">standard<" not in html
    assert "Ignored: not a column of the template" in html
    # ten rows, masked: no full name, ID number or mobile of anyone on the page
    assert html.count('<tr class="border-t border-base-200 align-top') == 10
    for row in roster.rows[:10]:
        name, id_number, phone = row[0], row[1], row[2]
        assert str(id_number) not in html and str(phone) not in html
        if len(str(name)) > 1:
            assert f'<td class="px-2 py-1">{name}</td>' not in html
    # the broken rows among the first ten show their error, as the import would report it
    first_broken = min(roster.broken)
    assert first_broken <= 11
    assert "align-top bg-red-50" in html
    assert 'data-transition="confirm"' in html and 'data-transition="cancel"' in html


def test_starting_the_import_after_the_preview(client, tree, django_capture_on_commit_callbacks):
    roster = make_roster(12, org_codes=[tree.grassroots.pk], broken_every=100)
    login(client, tree.yubei_admin)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, tree, roster.table, confirm=False)
        response = _do(client, job, "confirm")
    assert response.status_code == 302
    assert response["Location"] == reverse("console:imports_importjob_change", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 12
    assert AuditEvent.objects.filter(action="imports.confirm_import", actor=tree.yubei_admin)
    # started once: a second confirmation is refused
    assert _do(client, job, "confirm").status_code == 404


def test_cancelling_deletes_the_upload_and_imports_nothing(
    client, tree, django_capture_on_commit_callbacks
):
    roster = make_roster(5, org_codes=[tree.grassroots.pk])
    login(client, tree.yubei_admin)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, tree, roster.table, confirm=False)
        stored = job.file.name
        response = _do(client, job, "cancel")
    assert response.status_code == 302
    assert response["Location"] == reverse("console:imports_importjob_add")
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and job.files_deleted_at is not None
    assert not job.file and not job.file.storage.exists(stored)
    assert not Membership.objects.exists()
    assert AuditEvent.objects.filter(action="imports.cancel_import").exists()


def test_a_file_missing_required_columns_cannot_be_started(
    client, tree, django_capture_on_commit_callbacks
):
    roster = make_roster(5, org_codes=[tree.grassroots.pk])
    header = roster.table[0]
    keep = [i for i, title in enumerate(header) if not str(title).startswith("手机号")]
    table = [[row[i] for i in keep] for row in roster.table]
    login(client, tree.yubei_admin)
    job = upload(client, tree, table, confirm=False)
    html = _page(client, job)
    assert "Required fields without a column" in html and "手机号" in html
    assert 'data-transition="confirm" disabled' in html
    with django_capture_on_commit_callbacks(execute=True):
        _do(client, job, "confirm")
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW and not Membership.objects.exists()


def test_only_the_uploader_starts_her_upload(client, tree):
    roster = make_roster(5, org_codes=[tree.grassroots.pk])
    login(client, tree.yubei_admin)
    job = upload(client, tree, roster.table, confirm=False)
    colleague = staff_with_role(tree.yubei, "org_admin")
    client.force_login(colleague)
    html = _page(client, job)  # she sees the job and its preview, without the buttons
    assert 'data-transition="confirm"' not in html
    assert _do(client, job, "confirm").status_code == 404
    client.force_login(tree.jiangbei_admin)
    assert client.get(reverse("console:imports_importjob_change", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW


def test_an_upload_never_confirmed_is_purged_with_the_retention(client, tree):
    roster = make_roster(3, org_codes=[tree.grassroots.pk])
    login(client, tree.yubei_admin)
    job = upload(client, tree, roster.table, confirm=False)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert list(expired_jobs(timezone.now() - timedelta(days=30))) == [job]


@pytest.mark.chinese
def test_the_preview_reads_chinese(client, tree, settings):
    from gonghui.platform.testing.english import ALLOWED, english_in

    roster = make_roster(12, org_codes=[tree.grassroots.pk], broken_every=4)
    login(client, tree.yubei_admin)
    job = upload(client, tree, roster.table, confirm=False)
    html = _page(client, job)
    assert "导入前请核对文件" in html and "开始导入" in html
    assert english_in(html, ALLOWED) == []


def test_an_upload_left_waiting_is_on_its_uploaders_start_page(client, tree):
    from gonghui.platform.testing.factories import ImportJobFactory

    WAITING = {"started_at": None, "finished_at": None, "progressed_at": None}  # noqa: N806

    job = ImportJobFactory(
        org=tree.yubei, created_by=tree.yubei_admin, status=ImportStatus.PREVIEW, **WAITING
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=2))
    ImportJobFactory(
        org=tree.yubei, created_by=tree.city_admin, status=ImportStatus.PREVIEW, **WAITING
    )
    client.force_login(tree.yubei_admin)
    todos = client.get("/console/?home=1").context["todos"]
    waiting = next(t for t in todos if "waiting to be started" in str(t.label))
    assert (waiting.count, waiting.oldest_days) == (1, 2)
    assert [j.pk for j in client.get(waiting.url).context["cl"].result_list] == [job.pk]
