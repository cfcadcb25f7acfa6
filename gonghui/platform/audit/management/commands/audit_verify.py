from django.core.management.base import BaseCommand, CommandError

from gonghui.platform.audit.chain import verify_chain
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.audit.retention import current_anchor


class Command(BaseCommand):
    help = "Walk the audit hash chain and report the first broken link."

    def handle(self, *args, **options):
        # After a purge (purge_audit) the chain starts at the anchor its audit.purge recorded.
        checked, broken, reason = verify_chain(AuditEvent.objects.all(), start=current_anchor())
        if broken is not None:
            raise CommandError(
                f"audit chain broken at event id={broken.id} "
                f"({broken.occurred_at:%Y-%m-%d %H:%M:%S%z}, action={broken.action}): {reason}; "
                f"{checked} events before it verified"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events verified"))
