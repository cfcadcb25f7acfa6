"""Send every SMS of the outbox that is due: the retries whose time has come and the rows a
stopped process left behind (gonghui/platform/sms/outbox.py). Safe to run at any time and in
parallel with the web processes: a row is sent by one processor only. Also deletes sent and
failed rows past SMS_OUTBOX_RETENTION_DAYS."""

from django.core.management.base import BaseCommand

from gonghui.platform.sms.models import OutboxSMS, OutboxState
from gonghui.platform.sms.outbox import purge_finished, send_due


class Command(BaseCommand):
    help = "Send the SMS in the outbox that are due (retries and rows left behind)."

    def handle(self, *args, **opts):
        counts = send_due()
        waiting = OutboxSMS.objects.filter(state=OutboxState.QUEUED).count()
        purged = purge_finished()
        self.stdout.write(
            f"sent {counts['sent']}, not sent {counts['not_sent']}, "
            f"{waiting} waiting for a later attempt; {purged} old rows deleted"
        )
