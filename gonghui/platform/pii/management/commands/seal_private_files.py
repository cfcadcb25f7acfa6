"""Encrypt in place the private files written before files were sealed at rest.

Run once after deploying the version that seals files (docs/operations.md, "私有文件加密");
running it again changes nothing. Files are recognised as sealed by their header magic; the
rest are sealed under the primary key of ``GONGHUI_PII_KEYS``, and every file and directory
is given mode 0600 / 0700. ``--check`` only reports, and exits non-zero when a plaintext file
or a wrong mode remains (for monitoring).
"""

from django.core.management.base import BaseCommand, CommandError

from gonghui.platform.audit.services import record_event
from gonghui.platform.pii import crypto, sealing


class Command(BaseCommand):
    help = "Seal (encrypt) plaintext private files in place and set their modes to 0600/0700."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; exit 1 if anything would."
        )

    def handle(self, *args, **opts):
        ring = crypto.key_ring()
        check = opts["check"]
        verb = "would seal" if check else "sealed"
        roots = sealing.sealed_roots()
        for root in roots:
            self.stdout.write(f"private files under {root}")
        counts, failed = sealing.walk(
            ring=ring,
            seal_plaintext=True,
            rekey=False,
            dry_run=check,
            fix_modes=True,
            progress=lambda c: self.stdout.write(
                f"  {c['files']} files: {verb} {c['sealed']}, already sealed "
                f"{c['current'] + c['old_key']}"
            ),
        )
        self.stdout.write(
            f"{counts['files']} files: {verb} {counts['sealed']}, already sealed "
            f"{counts['current'] + counts['old_key']} (under an older key: {counts['old_key']}, "
            f"run rotate_pii_keys), modes {'to fix' if check else 'fixed'} "
            f"{counts['modes_fixed']}, failed {counts['failed']}"
        )
        for line in failed:
            self.stderr.write(f"  cannot read {line}")
        if not check and (counts["sealed"] or counts["modes_fixed"]):
            record_event(
                actor=None,
                action="pii.seal_files",
                actor_label="manage.py",
                details={
                    "primary_key_id": ring.primary_id,
                    "sealed": counts["sealed"],
                    "modes_fixed": counts["modes_fixed"],
                    "failed": counts["failed"],
                },
            )
        if failed:
            raise CommandError(f"{len(failed)} private files could not be read")
        if check and (counts["sealed"] or counts["modes_fixed"]):
            raise CommandError("plaintext private files or wrong modes remain")
        self.stdout.write(self.style.SUCCESS("private files are sealed"))
