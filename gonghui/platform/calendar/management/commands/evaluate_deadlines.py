"""Nightly: record which open records are due soon, overdue or escalated (督办) for every
registered deadline rule (``gonghui/platform/calendar/evaluate.py``). Idempotent."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from gonghui.platform.calendar import deadlines
from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.calendar.workdays import CalendarYearMissing


class Command(BaseCommand):
    help = (
        "Evaluate every registered deadline: record due-soon, overdue and escalated "
        "(督办) events once each. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="Evaluate as of this date."
        )
        parser.add_argument(
            "--rule", action="append", default=None, help="Only this rule (repeatable)."
        )

    def handle(self, *args, **opts):
        names = {rule.name for rule in deadlines.rules()}
        unknown = sorted(set(opts["rule"] or []) - names)
        if unknown:
            raise CommandError(f"unknown deadline rule(s): {', '.join(unknown)}")
        try:
            results = evaluate_deadlines(today=opts["today"], only=opts["rule"])
        except CalendarYearMissing as exc:
            raise CommandError(
                f"the holiday calendar for {exc.year} is not entered; enter it in the console "
                "(System > Holiday calendar) or run manage.py load_holidays"
            ) from exc
        for r in results:
            found = ", ".join(f"{k} {v}" for k, v in sorted(r.found.items())) or "nothing due"
            new = ", ".join(f"{k} {v}" for k, v in sorted(r.new.items())) or "none"
            self.stdout.write(f"{r.rule}: {r.open} open; {found}; new events: {new}")
        self.stdout.write(self.style.SUCCESS("deadlines evaluated"))
