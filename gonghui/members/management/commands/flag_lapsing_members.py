from django.core.management.base import BaseCommand

from gonghui.members.actions import flag_lapsing_memberships
from gonghui.platform.audit.services import record_event


class Command(BaseCommand):
    help = (
        "Flag active memberships with no dues and no activity for N months (6 by default, "
        "GONGHUI_LAPSE_MONTHS) so that they head the review list. Run it daily (cron or Celery "
        "beat). It only flags: a union officer decides the lapse in the console."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None)

    def handle(self, *args, **opts):
        count = flag_lapsing_memberships(months=opts["months"])
        record_event(
            actor=None,
            action="members.flag_lapsing",
            actor_label="manage.py",
            details={"flagged": count, "months": opts["months"]},
        )
        self.stdout.write(self.style.SUCCESS(f"{count} memberships flagged for lapse review"))
