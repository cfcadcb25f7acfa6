"""Erase the personal information of closed hardship files kept past their retention date
(assistance/retention.py: 10 years after closing). Run nightly (docs/operations.md)::

    manage.py purge_hardship_files [--dry-run]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gonghui.assistance.retention import due_for_purge, purge_due_files


class Command(BaseCommand):
    help = (
        "Anonymise closed hardship files past their retain-until date: documents deleted, "
        "names, ID numbers, family, health and bank details erased, figures kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files due and change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            due = list(due_for_purge().values_list("number", "retain_until"))
            for number, until in due:
                self.stdout.write(f"{number}\tkept until {until.isoformat()}")
            self.stdout.write(f"{len(due)} files would be anonymised (dry run, nothing changed).")
            return
        result = purge_due_files()
        self.stdout.write(
            f"{len(result.files)} files anonymised: {result.documents} documents deleted, "
            f"{result.household_members} household members and "
            f"{result.applications} applications erased."
        )
