"""Running import jobs (member rosters, condolence visits) in the background.

``run_import_job`` dispatches on ``job.kind`` (see :func:`importer_for`); every kind shares
the runner, the progress counters, the error workbook and the job page.

* **Production** (``REDIS_URL`` set): a Celery task; the console request only queues it.
* **Embedded default** (no Redis): a daemon thread in the web process, started after the
  upload's transaction commits, so the request returns at once. The thread closes its
  database connections when it ends. If the process dies mid-import the job stays
  "running" with a stale ``progressed_at``: the job page shows it as stalled and the file
  can be uploaded again (re-importing is idempotent: existing rows come out "unchanged").
* **Tests** set ``GONGHUI_IMPORT_RUNNER = "inline"`` to run the import in the request.

Either way progress is written to the ``ImportJob`` row once per batch, which the job page
polls (ADR 0006: a job table instead of a home-made queue).
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.imports.columns import FileError
from gonghui.platform.imports.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

MSG_INTERNAL_ERROR = _(
    "The import stopped because of an internal error. The rows before were imported; import "
    "the file again (rows already imported come out unchanged)."
)
MSG_DISK_FULL = _(
    "The import stopped because the server's disk is full. Tell the system administrator, "
    "then import the file again (rows already imported come out unchanged)."
)


def runner() -> str:
    configured = getattr(settings, "GONGHUI_IMPORT_RUNNER", None)
    if configured:
        return configured
    return "celery" if getattr(settings, "REDIS_URL", None) else "thread"


def start_import_job(job: ImportJob) -> None:
    """Run ``job`` in the background once the current transaction commits."""
    mode = runner()
    if mode == "inline":
        transaction.on_commit(lambda: run_import_job(job.pk))
    elif mode == "celery":
        transaction.on_commit(lambda: run_import_job_task.delay(job.pk))
    else:
        transaction.on_commit(
            lambda: threading.Thread(
                target=_thread_main, args=(job.pk,), name=f"import-{job.pk}", daemon=True
            ).start()
        )


def _thread_main(job_id: int) -> None:
    close_old_connections()
    try:
        run_import_job(job_id)
    finally:
        connections.close_all()


@shared_task(name="imports.run_import_job", ignore_result=True)
def run_import_job_task(job_id: int) -> None:
    run_import_job(job_id)


def _progress(job_id: int, stats) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        processed_rows=stats.processed_rows,
        created_count=stats.created,
        updated_count=stats.updated,
        unchanged_count=stats.unchanged,
        error_count=stats.errors,
        warnings_count=stats.warnings,
        progressed_at=timezone.now(),
    )


@dataclass(frozen=True)
class Importer:
    """How a job of one kind is run.

    ``run(rows, *, actor, org, first_row, total_rows, on_header, on_error, on_warning,
    on_progress, audit_obj)`` returns stats with the counters of ``_progress``; it raises one
    of ``file_errors`` (each with a ``message``) when the file as a whole cannot be imported.
    """

    permission: str
    sheet_name: str
    run: Callable
    file_errors: tuple[type[Exception], ...] = (FileError,)
    # the job page: its title (a msgid with %(id)s), where "import another file" leads (a URL
    # name), and the audit action of downloading the job's error workbook
    title: Any = ""
    upload_url: str = ""
    errors_audit: str = ""
    # The preview before an upload is confirmed (imports/preview.py): the importer's
    # ColumnSet, and ``preview_cleaner(actor, org, columns)`` building the cleaner the run
    # uses (its ``clean(row_number, cells)`` -> RowResult). Without both, an upload starts
    # at once.
    columns: Any = None
    preview_cleaner: Callable | None = None
    # key -> the choices (TextChoices) of a coded column: the preview shows the label
    preview_choices: Any = None

    @property
    def previews(self) -> bool:
        return self.columns is not None and self.preview_cleaner is not None


# kind -> Importer, filled by each app from its AppConfig.ready() (register_importer): the
# engine runs every kind the same way and imports none of them.
_importers: dict[str, Importer] = {}


def register_importer(kind: str, importer: Importer) -> None:
    """Make ``kind`` of job runnable; an app calls this from its ``AppConfig.ready()``."""
    if kind in _importers and _importers[kind] != importer:
        raise ImproperlyConfigured(f"two importers registered for import kind {kind!r}")
    _importers[kind] = importer


def importer_for(kind: str) -> Importer:
    """The importer registered for a job kind."""
    try:
        return _importers[kind]
    except KeyError:
        raise ImproperlyConfigured(
            f"no importer registered for import kind {kind!r} (register_importer in the "
            "app's AppConfig.ready())"
        ) from None


def permission_for(kind: str) -> str:
    """The permission that uploads, and sees, a job of ``kind``."""
    return importer_for(kind).permission


def run_import_job(job_id: int) -> ImportJob:
    """Import the job's file; never raises for a bad file (the job records the failure)."""
    from gonghui.platform.imports.errors import ErrorWorkbook
    from gonghui.platform.imports.pipeline import ImportStopped
    from gonghui.platform.imports.readers import UnreadableFile, open_rows

    updated = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), progressed_at=timezone.now()
    )
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    if not updated:
        return job  # already taken by another worker
    importer = importer_for(job.kind)
    workbook: list[ErrorWorkbook] = []
    try:
        # The upload is sealed at rest: the reader decrypts it as it goes, through the storage.
        storage, name = job.file.storage, job.file.name
        sheet = open_rows(
            lambda: storage.open(name, "rb"), job.original_name, preferred_sheet=importer.sheet_name
        )
        ImportJob.objects.filter(pk=job_id).update(total_rows=max(sheet.total_rows - 1, 0))
        stats = importer.run(
            sheet.rows,
            actor=job.created_by,
            org=job.org,
            first_row=sheet.first_row,
            total_rows=sheet.total_rows,
            on_header=lambda header: workbook.append(ErrorWorkbook(header, importer.sheet_name)),
            on_error=lambda row: workbook[0].add_error(row),
            on_warning=lambda row: workbook[0].add_warnings(row),
            on_progress=lambda stats: _progress(job_id, stats),
            audit_obj=job,
        )
        if workbook and not workbook[0].empty:
            with workbook[0].save_to_tempfile() as handle:
                name = f"{Path(job.original_name).stem[:80]}-errors.xlsx"
                job.error_file.save(name, File(handle, name=name), save=False)
            ImportJob.objects.filter(pk=job_id).update(error_file=job.error_file.name)
    except (*importer.file_errors, UnreadableFile, ImportStopped) as exc:
        for unsaved in workbook:
            unsaved.discard()
        if isinstance(exc, UnreadableFile):  # the message says why to the user; the log, how
            logger.info("%s import %s: unreadable file: %s", job.kind, job_id, exc)
        message = exc.message
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), message=str(message)[:500]
        )
        job.refresh_from_db()
        return job
    except Exception as exc:
        for unsaved in workbook:
            unsaved.discard()
        # The traceback may quote row values: log it, never show it.
        logger.exception("%s import %s failed", job.kind, job_id)
        disk_full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=str(MSG_DISK_FULL if disk_full else MSG_INTERNAL_ERROR),
        )
        job.refresh_from_db()
        return job
    _progress(job_id, stats)
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.DONE,
        total_rows=stats.total_rows,
        processed_rows=stats.total_rows,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
