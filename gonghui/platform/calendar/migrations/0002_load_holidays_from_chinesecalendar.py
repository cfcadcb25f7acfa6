"""The State Council holiday notices 2004-2026 from the pinned chinesecalendar package
(gonghui/platform/calendar/seed.py; manage.py load_holidays adds later releases' years)."""

from django.db import migrations


def load_holidays(apps, schema_editor):
    from gonghui.platform.calendar import seed

    seed.load(
        apps.get_model("calendar", "CalendarYear"),
        apps.get_model("calendar", "HolidayDate"),
        using=schema_editor.connection.alias,
    )


def unload_holidays(apps, schema_editor):
    # Only what the package wrote: years an administrator entered in the console stay.
    from gonghui.platform.calendar import seed

    CalendarYear = apps.get_model("calendar", "CalendarYear")
    HolidayDate = apps.get_model("calendar", "HolidayDate")
    alias = schema_editor.connection.alias
    years = CalendarYear.objects.using(alias).filter(source=seed.package_label())
    HolidayDate.objects.using(alias).filter(calendar_year__in=years).delete()
    years.delete()


class Migration(migrations.Migration):
    dependencies = [("calendar", "0001_holiday_calendar_and_deadline_events")]

    operations = [migrations.RunPython(load_holidays, unload_holidays)]
