from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from gonghui.demo.seed import DEMO_MEMBER_PHONE, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true")

    def handle(self, *args, **opts):
        if settings.PRODUCTION:
            raise CommandError("load_demo refuses to run with GONGHUI_ENV=production")
        # The demo's applicants and members are fictitious: their SMS go nowhere.
        with override_settings(SMS_BACKEND="gonghui.platform.sms.backends.NullBackend"):
            result = seed_demo()
        self.stdout.write(
            f"demo data: {result.created_orgs} organisations and "
            f"{result.created_employers} employers created (0 means already loaded); "
            f"members: {result.members}; assistance: {result.assistance or 'already loaded'}"
        )
        if opts["quiet_logins"]:
            return
        self.stdout.write("")
        self.stdout.write("=" * 72)
        self.stdout.write("  gonghui demo — http://127.0.0.1:8000")
        self.stdout.write(
            f"  Staff console  http://127.0.0.1:8000/console/   (password for all: {DEMO_PASSWORD})"
        )
        for account in result.accounts:
            note = f" — {account.note}" if account.note else ""
            self.stdout.write(
                f"    {account.username:<18} {account.role:<20} {account.org_name}{note}"
            )
        self.stdout.write(
            "  Worker portal  http://127.0.0.1:8000/m/   phone "
            f"{DEMO_MEMBER_PHONE} (the SMS code is shown on the page)"
        )
        self.stdout.write("  API docs       http://127.0.0.1:8000/api/v1/docs")
        self.stdout.write("=" * 72)
