"""``purge_import_files``: uploaded rosters and error workbooks are deleted after the retention
period; the job stays and says so; hardship attachments are never touched."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.imports.models import ImportJob, ImportKind, ImportStatus
from gonghui.platform.testing.factories import ImportJobFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def make_job(tree, *, status=ImportStatus.DONE, age_days=40, errors=True, kind=ImportKind.MEMBERS):
    """A job uploaded and finished ``age_days`` ago, with its (sealed) files (test set-up)."""
    at = timezone.now() - age_days * DAY
    job = ImportJobFactory(
        kind=kind,
        org=tree.yubei,
        created_by=tree.yubei_admin,
        original_name="名单.xlsx",
        file=ContentFile(b"roster 500112198501010011", name="名单.xlsx"),
        error_file=ContentFile(b"errors", name="名单-errors.xlsx") if errors else "",
        status=status,
        total_rows=0,
        processed_rows=0,
        created_count=0,
    )
    finished = at if status in (ImportStatus.DONE, ImportStatus.FAILED) else None
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=at, progressed_at=at, finished_at=finished
    )
    job.refresh_from_db()
    return job


def exists(name: str) -> bool:
    return bool(name) and os.path.exists(default_storage.path(name))


def purge(capture, *args) -> str:
    out = io.StringIO()
    with capture(execute=True):  # files go once the marking transaction commits
        call_command("purge_import_files", *args, stdout=out)
    return out.getvalue()


def test_files_past_retention_are_deleted_and_the_job_says_so(
    client, tree, settings, django_capture_on_commit_callbacks
):
    assert settings.GONGHUI_IMPORT_FILE_RETENTION_DAYS == 30
    old = make_job(tree, age_days=31)
    failed = make_job(tree, status=ImportStatus.FAILED, age_days=45, errors=False)
    visits = make_job(tree, age_days=60, kind=ImportKind.VISITS)
    recent = make_job(tree, age_days=29)
    names = [old.file.name, old.error_file.name, failed.file.name, visits.file.name]
    assert all(exists(n) for n in names)

    output = purge(django_capture_on_commit_callbacks)
    assert "deleted the files of 3 import jobs older than 30 days: 5 files" in output
    assert not any(exists(n) for n in names)
    assert exists(recent.file.name) and exists(recent.error_file.name)

    old.refresh_from_db()
    assert (old.file.name, old.error_file.name) == ("", "")
    assert old.files_deleted_at is not None
    assert (old.created_count, old.original_name) == (0, "名单.xlsx")  # the row stays
    event = AuditEvent.objects.get(action="imports.delete_files", object_id=str(old.pk))
    assert event.details["uploaded_file"] and event.details["error_workbook"]
    assert event.details["retention_days"] == 30
    assert AuditEvent.objects.filter(action="imports.delete_files").count() == 3

    client.force_login(tree.yubei_admin)
    page = client.get(reverse("console:imports_importjob_change", args=[old.pk]))
    assert b"The files were deleted at the end of their retention period." in page.content
    assert reverse("console:imports_importjob_errors", args=[old.pk]).encode() not in page.content
    errors = client.get(reverse("console:imports_importjob_errors", args=[old.pk]))
    assert errors.status_code == 404
    page = client.get(reverse("console:imports_importjob_change", args=[recent.pk]))
    assert reverse("console:imports_importjob_errors", args=[recent.pk]).encode() in page.content

    # Nothing left to do: a second run deletes nothing and audits nothing.
    assert "of 0 import jobs" in purge(django_capture_on_commit_callbacks)
    assert AuditEvent.objects.filter(action="imports.delete_files").count() == 3


@pytest.mark.chinese
def test_the_console_says_it_in_chinese(client, tree, django_capture_on_commit_callbacks):
    job = make_job(tree, age_days=31)
    purge(django_capture_on_commit_callbacks)
    client.force_login(tree.yubei_admin)
    page = client.get(reverse("console:imports_importjob_change", args=[job.pk]))
    assert "文件已按保留期限删除" in page.content.decode()


def test_stalled_jobs_are_purged_running_ones_are_not(tree, django_capture_on_commit_callbacks):
    stalled = make_job(tree, status=ImportStatus.RUNNING, age_days=35, errors=False)
    running = make_job(tree, status=ImportStatus.RUNNING, age_days=0, errors=False)
    purge(django_capture_on_commit_callbacks)
    assert not exists(stalled.file.name)
    assert exists(running.file.name)


def test_the_period_and_dry_run(tree, django_capture_on_commit_callbacks, settings):
    job = make_job(tree, age_days=10)
    output = purge(django_capture_on_commit_callbacks, "--older-than-days", "7", "--dry-run")
    assert "would delete the files of 1 import jobs older than 7 days: 2 files" in output
    assert exists(job.file.name)
    settings.GONGHUI_IMPORT_FILE_RETENTION_DAYS = 9
    purge(django_capture_on_commit_callbacks)
    assert not exists(job.file.name)


def test_unreferenced_import_files_go_attachments_stay(tree, django_capture_on_commit_callbacks):
    from gonghui.assistance import actions
    from gonghui.assistance.testing import Staff, make_person, png, staff_application

    staff = Staff(tree)
    app = staff_application(staff, tree.grassroots, make_person(tree.grassroots))
    attachment = actions.upload_attachment(
        actor=staff.officer, file=app.file, kind="id_copy", upload=png("id.png")
    )
    orphan = default_storage.save("imports/2025/01/left-behind.csv", ContentFile(b"x"))
    fresh_orphan = default_storage.save("imports/2025/01/uploading.csv", ContentFile(b"y"))
    long_ago = (timezone.now() - 400 * DAY).timestamp()
    for name in (orphan, attachment.content.name):
        os.utime(default_storage.path(name), (long_ago, long_ago))
    output = purge(django_capture_on_commit_callbacks)
    assert "1 unreferenced files" in output
    assert not exists(orphan)
    assert exists(fresh_orphan)
    assert exists(attachment.content.name)  # a case record: never purged here
    assert Path(default_storage.path(attachment.content.name)).stat().st_size > 0
