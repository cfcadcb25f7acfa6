"""Re-encrypt every encrypted column, and every sealed private file, with the primary (first)
key of GONGHUI_PII_KEYS.

Rotation: put the new key first (``GONGHUI_PII_KEYS=k2:<new>,k1:<old>``), deploy, run this
command, then remove the old key. Rows are read raw in primary-key batches and only those
encrypted under another key are rewritten; files are re-encrypted only when their header names
another key (``sealing.py``): the command can be stopped and run again. Plaintext files are
counted, not sealed (``seal_private_files`` does that). The blind-index key is a different key
and is not rotated here.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from gonghui.platform.audit.services import record_event
from gonghui.platform.pii import crypto, sealing
from gonghui.platform.pii.fields import EncryptedTextField


def encrypted_columns():
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields and not model._meta.proxy:
            yield model, fields


class Command(BaseCommand):
    help = "Re-encrypt personal information under the primary PII key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--skip-files", action="store_true", help="Re-encrypt database rows only."
        )

    def handle(self, *args, **opts):
        ring = crypto.key_ring()
        total = 0
        per_model = {}
        for model, fields in encrypted_columns():
            rewritten = self._rotate(model, fields, ring, opts["batch_size"], opts["dry_run"])
            per_model[model._meta.label] = rewritten
            total += rewritten
            self.stdout.write(f"{model._meta.label}: {rewritten} rows re-encrypted")
        files, failed = ({}, []) if opts["skip_files"] else self._rotate_files(ring, opts)
        if not opts["dry_run"]:
            record_event(
                actor=None,
                action="pii.rotate_keys",
                actor_label="manage.py",
                details={"primary_key_id": ring.primary_id, "rows": per_model, "files": files},
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{'would re-encrypt' if opts['dry_run'] else 're-encrypted'} {total} rows "
                f"under key {ring.primary_id}, and {files.get('rekeyed', 0)} private files"
            )
        )
        if failed:
            raise CommandError(
                f"{len(failed)} private files could not be re-encrypted: keep the old key "
                "until they are dealt with"
            )

    def _rotate_files(self, ring, opts) -> tuple[dict, list[str]]:
        counts, failed = sealing.walk(
            ring=ring,
            seal_plaintext=False,
            rekey=True,
            dry_run=opts["dry_run"],
            progress=lambda c: self.stdout.write(
                f"  files: {c['files']} seen, {c['rekeyed']} re-encrypted"
            ),
        )
        self.stdout.write(
            f"private files: {counts['files']} seen, {counts['rekeyed']} re-encrypted, "
            f"{counts['current']} already under {ring.primary_id}, {counts['failed']} failed"
        )
        for line in failed:
            self.stderr.write(f"  cannot re-encrypt {line}")
        if counts["plaintext"]:
            self.stdout.write(
                self.style.WARNING(
                    f"{counts['plaintext']} private files are not sealed: run seal_private_files"
                )
            )
        keys = ("files", "rekeyed", "current", "plaintext", "failed")
        return {k: counts[k] for k in keys}, failed

    def _rotate(self, model, fields, ring, batch_size, dry_run) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        pk_col = connection.ops.quote_name(model._meta.pk.column)
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        last_pk = None
        rewritten = 0
        while True:
            where = f"WHERE {pk_col} > %s" if last_pk is not None else ""
            params = [last_pk] if last_pk is not None else []
            with connection.cursor() as cursor:
                # Identifiers are quote_name()d model metadata; every value is a bound parameter.
                cursor.execute(
                    f"SELECT {pk_col}, {cols} FROM {table} {where} "  # noqa: S608 # nosec B608
                    f"ORDER BY {pk_col} LIMIT %s",
                    [*params, batch_size],
                )
                rows = cursor.fetchall()
            if not rows:
                return rewritten
            last_pk = rows[-1][0]
            with transaction.atomic():
                for pk, *raw_values in rows:
                    changes = {}
                    for field, raw in zip(fields, raw_values, strict=True):
                        if raw and crypto.key_id_of(raw) != ring.primary_id:
                            changes[field.name] = crypto.decrypt(raw, ring=ring)
                    if changes:
                        rewritten += 1
                        if not dry_run:
                            model._base_manager.filter(pk=pk).update(**changes)
