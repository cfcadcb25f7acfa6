from django.core.management.base import BaseCommand, CommandError

from gonghui.assistance.reconcile import reconcile
from gonghui.platform.audit.services import record_event


class Command(BaseCommand):
    help = (
        "Check the hardship-assistance books: budgets against their items and payments, every "
        "paid payment against an approved application and its audit event, no item or person "
        "paid twice, paid within approved. Prints each violation and exits with status 1 if "
        "there is any. Run it nightly (cron or Celery beat) and alert on a non-zero status."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="Only this year's money.")

    def handle(self, *args, **opts):
        year = opts["year"]
        violations = reconcile(year)
        for v in violations:
            self.stdout.write(str(v))
        record_event(
            actor=None,
            action="assistance.reconcile",
            actor_label="manage.py",
            details={
                "year": year,
                "violations": len(violations),
                "checks": sorted({v.check for v in violations}),
            },
        )
        summary = f"{len(violations)} violations"
        if violations:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
