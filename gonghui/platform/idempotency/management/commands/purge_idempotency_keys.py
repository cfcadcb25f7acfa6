from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from gonghui.platform.idempotency.services import MIN_RETENTION, purge


class Command(BaseCommand):
    help = (
        "Delete API idempotency keys older than --hours (24 by default, never fewer). "
        "Run it daily (cron or Celery beat)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, **opts):
        age = timedelta(hours=opts["hours"])
        if age < MIN_RETENTION:
            raise CommandError("Idempotency keys are kept for at least 24 hours.")
        count = purge(age)
        self.stdout.write(self.style.SUCCESS(f"{count} idempotency keys deleted"))
