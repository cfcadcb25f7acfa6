"""``manage.py rebuild_summaries [--check]``: recompute the cockpit's summary rows (member and
union counts, and the 12351 ticket figures of ``cockpit/tickets.py``) from the records, or
(``--check``) list where they differ and exit non-zero. The write paths keep the
rows current; run ``--check`` nightly with the other reconciliations and a rebuild after any
bulk load that bypassed them."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from gonghui.cockpit import summaries


class Command(BaseCommand):
    help = "Rebuild (or with --check, verify) the cockpit summary rows from the records."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Only compare; exit 1 on any difference."
        )

    def handle(self, *args, **opts):
        started = time.perf_counter()
        if opts["check"]:
            differences = summaries.check()
            for d in differences[:50]:
                self.stdout.write(
                    f"org {d.org_id} {f'{d.month:%Y-%m}' if d.month else 'total'} {d.counter}: "
                    f"records say {d.expected}, summary says {d.stored}"
                )
            if differences:
                raise CommandError(f"{len(differences)} summary counters differ from the records")
            self.stdout.write(
                f"summaries match the records ({time.perf_counter() - started:.1f} s)"
            )
            return
        rows = summaries.rebuild()
        self.stdout.write(f"rebuilt {rows} summary rows in {time.perf_counter() - started:.1f} s")
