"""Nightly: delete uploaded rosters and error workbooks past the retention period
(``GONGHUI_IMPORT_FILE_RETENTION_DAYS``, 30 by default); see ``imports/retention.py``."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gonghui.platform.imports import retention


class Command(BaseCommand):
    help = (
        "Delete the uploaded files and error workbooks of import jobs older than the retention "
        "period; the jobs stay, marked as having had their files deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help="Retention in days (default: GONGHUI_IMPORT_FILE_RETENTION_DAYS).",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **opts):
        days = opts["older_than_days"]
        if days is None:
            days = settings.GONGHUI_IMPORT_FILE_RETENTION_DAYS
        if days < 1:
            raise CommandError("the retention period must be at least 1 day")
        counts = retention.purge(
            days=days,
            dry_run=opts["dry_run"],
            progress=lambda c: self.stdout.write(f"  {c['jobs']} jobs, {c['files']} files"),
        )
        verb = "would delete" if opts["dry_run"] else "deleted"
        self.stdout.write(
            f"{verb} the files of {counts['jobs']} import jobs older than {days} days: "
            f"{counts['files']} files, {counts['orphans']} unreferenced files"
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} files could not be deleted (see the log)")
        self.stdout.write(self.style.SUCCESS("import files purged"))
