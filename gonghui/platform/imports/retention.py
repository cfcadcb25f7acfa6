"""Deleting uploaded rosters and error workbooks after the retention period.

An uploaded file and its error workbook hold the personal information of every row; once the
import is over they are needed only for a while (to download the error workbook, to check
what was uploaded). ``purge`` deletes both for every job that finished (done or failed), or
that stopped making progress, more than ``GONGHUI_IMPORT_FILE_RETENTION_DAYS`` ago. The job row
stays (counts, who, when, the file's name) with ``files_deleted_at`` set, and the console says
the files were deleted under the retention period. Each job's deletion is audited
(``imports.delete_files``) in the transaction that marks it; the files are removed once that
commits, so a crash leaves at worst an unreferenced sealed file, which the next run removes
(files under ``imports/`` that no job references, older than the period).

Hardship attachments are case records and are never purged here.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from gonghui.platform.audit.services import record_event
from gonghui.platform.imports.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

FILES_DIR = "imports"
# A cancelled job's upload is deleted when it is cancelled; one never confirmed (still
# "waiting for confirmation") is due like a stalled one, from its upload time.
FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)


def expired_jobs(cutoff: datetime):
    """Jobs whose files are due: finished before ``cutoff``, or never finished and without
    progress since before it (the worker died; the page shows them as stalled)."""
    return (
        ImportJob.objects.filter(files_deleted_at__isnull=True)
        .annotate(last_activity=Coalesce("progressed_at", "created_at"))
        .filter(
            Q(status__in=FINISHED, finished_at__lt=cutoff)
            | (~Q(status__in=FINISHED) & Q(last_activity__lt=cutoff))
        )
        .order_by("pk")
    )


def _delete(names: list[str], counts: Counter) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("import file %s could not be deleted", name)
            counts["failed"] += 1


def purge_job(job: ImportJob, *, days: int, now: datetime, counts: Counter) -> bool:
    """Mark ``job``'s files deleted and audit it; the files go once the transaction commits.
    False when another run got there first."""
    names = [name for name in (job.file.name, job.error_file.name) if name]
    with transaction.atomic():
        marked = ImportJob.objects.filter(pk=job.pk, files_deleted_at__isnull=True).update(
            file="", error_file="", files_deleted_at=now
        )
        if not marked:
            return False
        record_event(
            actor=None,
            action="imports.delete_files",
            actor_label="manage.py",
            obj=job,
            org=job.org,
            details={
                "kind": job.kind,
                "status": job.status,
                "file": job.original_name,
                "uploaded_file": bool(job.file.name),
                "error_workbook": bool(job.error_file.name),
                "retention_days": days,
            },
        )
        transaction.on_commit(lambda: _delete(names, counts))
    counts["files"] += len(names)
    return True


def unreferenced_files(cutoff: datetime) -> list[str]:
    """Files under ``imports/`` older than ``cutoff`` that no job refers to."""
    root = Path(default_storage.location) / FILES_DIR
    if not root.is_dir():
        return []
    referenced = set()
    for file, error_file in ImportJob.objects.values_list("file", "error_file").iterator():
        referenced.update(n for n in (file, error_file) if n)
    found = []
    limit = cutoff.timestamp()
    for directory, _dirs, filenames in os.walk(root):
        for filename in filenames:
            path = Path(directory) / filename
            name = path.relative_to(default_storage.location).as_posix()
            if name not in referenced and not path.is_symlink() and path.stat().st_mtime < limit:
                found.append(name)
    return sorted(found)


def purge(
    *, days: int, now: datetime | None = None, dry_run: bool = False, progress=None
) -> Counter:
    """Delete the files of every expired job (and unreferenced import files); returns counts:
    ``jobs``, their ``files``, ``orphans`` (unreferenced files) and ``failed`` deletions."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    counts: Counter = Counter()
    for job in expired_jobs(cutoff).select_related("org").iterator(chunk_size=500):
        if dry_run:
            counts["jobs"] += 1
            counts["files"] += bool(job.file.name) + bool(job.error_file.name)
            continue
        if purge_job(job, days=days, now=now, counts=counts):
            counts["jobs"] += 1
            if progress and counts["jobs"] % 100 == 0:
                progress(counts)
    orphans = unreferenced_files(cutoff)
    counts["orphans"] = len(orphans)
    if orphans and not dry_run:
        _delete(orphans, counts)
        record_event(
            actor=None,
            action="imports.delete_files",
            actor_label="manage.py",
            object_type="imports.unreferenced",
            object_id=str(len(orphans)),
            details={"unreferenced_files": len(orphans), "retention_days": days},
        )
    return counts
