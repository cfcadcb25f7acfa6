"""Daily: each staff user's digest of what is overdue in their scope, in the console and, where
they opted in, by SMS (gonghui/platform/digest/services.py). Safe to run again the same day."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from gonghui.platform.digest.services import send_staff_digest


class Command(BaseCommand):
    help = (
        "Send each staff user the daily digest of what is overdue in their scope (console "
        "message; SMS where they opted in). A second run the same day sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="Run as of this date."
        )

    def handle(self, *args, **opts):
        outcome = send_staff_digest(opts["today"] or timezone.localdate())
        self.stdout.write(
            f"{outcome.users} staff users: {outcome.messages} messages, {outcome.sms} SMS "
            f"queued, {outcome.already} already had today's digest"
        )
