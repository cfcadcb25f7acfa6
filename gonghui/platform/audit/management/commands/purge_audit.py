"""``manage.py purge_audit --before YYYY-MM-DD --archive-dir DIR`` (AUD-4; see retention.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gonghui.platform.audit import retention
from gonghui.platform.audit.chain import verify_chain
from gonghui.platform.audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Archive and delete audit events older than a cut-off, never those still within their "
        "minimum retention (security 180 days, personal-information processing 3 years)."
    )

    def add_arguments(self, parser):
        when = parser.add_mutually_exclusive_group(required=True)
        when.add_argument("--before", help="delete events that occurred before this date")
        when.add_argument("--older-than-days", type=int, help="or: older than this many days")
        parser.add_argument(
            "--archive-dir",
            default=str(Path(settings.VAR_DIR) / "audit-archive"),
            help="where the deleted rows are written as JSON lines before deletion",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be deleted, delete nothing"
        )

    def handle(self, *args, **options):
        now = timezone.now()
        try:
            cutoff = retention.parse_cutoff(options["before"], options["older_than_days"], now)
        except ValueError as exc:
            raise CommandError(f"--before must be a date YYYY-MM-DD: {exc}") from exc
        checked, broken, reason = verify_chain(
            AuditEvent.objects.all(), start=retention.current_anchor()
        )
        if broken is not None:
            raise CommandError(
                f"refused: the audit chain is broken at id={broken.id} ({reason}); "
                "run audit_verify and investigate before purging"
            )
        try:
            if options["dry_run"]:
                result, path = retention.plan(cutoff, now), None
            else:
                result, path, _event = retention.purge(
                    cutoff, Path(options["archive_dir"]), now=now
                )
        except retention.RetentionRefused as exc:
            raise CommandError(str(exc)) from exc
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(f"cut-off {cutoff:%Y-%m-%d}: {verb} {len(result.ids)} events")
        if result.blocker is not None:
            b = result.blocker
            cls = retention.classify(b.action)
            self.stdout.write(
                f"kept {result.kept_before_cutoff} older events: id={b.id} {b.action} "
                f"({cls}, {b.occurred_at:%Y-%m-%d}) is within its minimum retention and the "
                "chain can only be cut before it"
            )
        if path is not None:
            self.stdout.write(f"archive: {path}")
            checked, broken, reason = verify_chain(
                AuditEvent.objects.all(), start=retention.current_anchor()
            )
            if broken is not None:
                raise CommandError(f"audit chain broken after the purge at id={broken.id}")
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events verified"))
