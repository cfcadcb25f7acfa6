"""Fill the holiday calendar from the installed ``chinesecalendar`` package (after upgrading
it when a new State Council notice is out). Years already entered are kept unless --replace."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gonghui.platform.audit.services import record_event
from gonghui.platform.calendar import seed, workdays
from gonghui.platform.calendar.models import CalendarYear, HolidayDate


class Command(BaseCommand):
    help = (
        "Load the State Council holiday notices that the installed chinesecalendar package "
        "carries into the holiday calendar. Years already in the calendar are left alone "
        "(an administrator may have corrected them) unless --replace."
    )
    # Runs when the calendar.E001 check fails: it is how that error is repaired.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="Only this year.")
        parser.add_argument("--replace", action="store_true", help="Overwrite entered years.")

    def handle(self, *args, **opts):
        with transaction.atomic():
            counts = seed.load(
                CalendarYear, HolidayDate, years=opts["year"], replace=opts["replace"]
            )
            if counts["years"]:
                record_event(
                    actor=None,
                    action="calendar.load_holidays",
                    object_type="calendar.calendaryear",
                    object_id=",".join(map(str, counts["years"])),
                    actor_label="load_holidays",
                    details={"years": counts["years"], "source": counts["source"]},
                )
        workdays.forget()
        covered = seed.package_years()
        self.stdout.write(
            f"{counts['source']} covers {covered[0]}-{covered[-1]}; loaded "
            f"{len(counts['years'])} years ({counts['dates']} dates); kept "
            f"{len(counts['skipped'])} years already entered"
        )
        if counts["unknown"]:
            raise CommandError(
                f"{counts['source']} has no data for {', '.join(map(str, counts['unknown']))}: "
                "upgrade it, or enter the notice in the console (System > Holiday calendar)"
            )
        self.stdout.write(self.style.SUCCESS("holiday calendar loaded"))
