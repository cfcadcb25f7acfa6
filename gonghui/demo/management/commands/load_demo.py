from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from gonghui.demo.seed import DEMO_MEMBER_PHONE, DEMO_PASSWORD, seed_demo


def provisional_demo_years() -> list[int]:
    """The demo places its join dates and publicity by working days around today, so it
    needs this year and next in the holiday calendar. Where the package has no notice for
    them (on a fresh machine after its last year), the demo — whose data are all fictitious —
    enters them as having no holidays, named as provisional; production never does this."""
    from django.utils import timezone

    from gonghui.platform.calendar.models import CalendarYear

    today = timezone.localdate()
    added = []
    for year in (today.year, today.year + 1):
        _, created = CalendarYear.objects.get_or_create(
            year=year,
            defaults={
                "complete": True,
                "notice": "演示：未录入国务院通知，临时按无节假日计算",
                "source": "load_demo (provisional)",
            },
        )
        if created:
            added.append(year)
    return added


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true")

    def handle(self, *args, **opts):
        if settings.PRODUCTION:
            raise CommandError("load_demo refuses to run with GONGHUI_ENV=production")
        for year in provisional_demo_years():
            self.stdout.write(
                self.style.WARNING(
                    f"demo: the holiday calendar has no {year} (chinesecalendar stops at its "
                    f"last State Council notice); the demo counts {year} with no holidays, "
                    "marked 'provisional' under System > Holiday calendar. A real deployment "
                    "enters the notice there instead."
                )
            )
        # The demo's applicants and members are fictitious: their SMS go nowhere, sent at once
        # to the null gateway rather than left queued for the server to log later.
        with override_settings(
            SMS_BACKEND="gonghui.platform.sms.backends.NullBackend", GONGHUI_SMS_RUNNER="inline"
        ):
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
