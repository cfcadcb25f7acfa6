"""Import a file from the server's disk as a named staff user: a city federation's migration
from an old system (a 1M-row roster is ~120 MB as CSV, more than an upload may be), or a file
too big to send through a browser. Same permission, scope, checks, job page, error workbook
and audit as an upload of that kind (action ``imports.load_file``); the import runs in this
process (``--queue`` hands it to the Celery workers instead) and the job appears in the
console's import list like any other."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from gonghui.platform.access.scoping import scope_model
from gonghui.platform.imports.actions import load_file
from gonghui.platform.imports.jobs import _importers, run_import_job
from gonghui.platform.imports.models import ImportJob
from gonghui.platform.workflow.base import ActionError, OutOfScope


class Command(BaseCommand):
    help = (
        "Import an .xlsx or .csv file from this server as a staff user (the same checks, job, "
        "error workbook and audit as an upload in the console, without the upload size limit)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx or .csv file")
        parser.add_argument(
            "--kind", default="members", help="what the file holds (default: members)"
        )
        parser.add_argument(
            "--org", required=True, help="the union imported into: its id or its credit code"
        )
        parser.add_argument(
            "--user", required=True, help="the staff user the import is made as (username)"
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="queue the job for the Celery workers (REDIS_URL) instead of running it here",
        )

    def handle(self, *args, **opts):
        path = Path(opts["path"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        kind = opts["kind"]
        if kind not in _importers:
            raise CommandError(f"unknown kind {kind!r}; known: {', '.join(sorted(_importers))}")
        actor = get_user_model().objects.filter(username=opts["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {opts['user']!r}")
        org = self._org(opts["org"])
        if opts["queue"]:
            if not getattr(settings, "REDIS_URL", None):
                raise CommandError("--queue needs the Celery workers (REDIS_URL is not set)")
            settings.GONGHUI_IMPORT_RUNNER = "celery"
        else:
            settings.GONGHUI_IMPORT_RUNNER = "inline"  # run after the job is stored, here
        started = time.perf_counter()
        try:
            with open(path, "rb") as handle:
                job = load_file(
                    actor=actor, kind=kind, org=org, upload=File(handle, name=path.name)
                )
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} may not import {kind}: {exc}") from exc
        except OutOfScope as exc:
            raise CommandError(f"{org} is outside {actor.username}'s scope") from exc
        except ActionError as exc:
            raise CommandError(str(exc.message)) from exc
        if opts["queue"]:
            self.stdout.write(f"job {job.pk} queued")
            return
        # Already run by the inline runner once the job was stored (autocommit), unless this
        # runs inside a transaction (a test's): then here. A job already run is returned as is.
        job = run_import_job(job.pk)
        self._report(job, time.perf_counter() - started)
        if job.status != "done":
            raise CommandError(job.message or f"job {job.pk} {job.status}")

    def _org(self, code: str):
        model = scope_model()
        org = None
        if code.isdigit():
            org = model.objects.filter(pk=int(code)).first()
        if org is None and hasattr(model, "uscc"):
            org = model.objects.filter(uscc=code.upper()).first()
        if org is None:
            raise CommandError(f"no union with id or credit code {code!r}")
        return org

    def _report(self, job: ImportJob, seconds: float) -> None:
        written = job.created_count + job.updated_count
        rate = f" ({written / seconds:,.0f} rows/s)" if seconds else ""
        self.stdout.write(
            f"job {job.pk} {job.status} in {seconds:,.1f} s{rate}: {job.processed_rows:,} rows, "
            f"{job.created_count:,} created, {job.updated_count:,} updated, "
            f"{job.unchanged_count:,} unchanged, {job.error_count:,} with errors, "
            f"{job.warnings_count:,} with warnings"
        )
        if job.error_file:
            self.stdout.write(
                f"error workbook: download it from the job's page in the console (job {job.pk})"
            )
