"""make demo on a machine whose date is past the holiday package's last notice: the demo
enters the missing years as provisional instead of failing (issue #12 §2)."""

from datetime import date

import pytest

from gonghui.demo.management.commands.load_demo import provisional_demo_years
from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.models import CalendarYear
from gonghui.platform.calendar.workdays import CalendarYearMissing

pytestmark = [pytest.mark.django_db, pytest.mark.calendar_as_loaded]


def test_the_demo_counts_an_unentered_year_as_provisional(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2031, 1, 20))
    with pytest.raises(CalendarYearMissing):
        workdays.add_working_days(date(2031, 1, 20), -5)
    assert provisional_demo_years() == [2031, 2032]
    added = CalendarYear.objects.get(year=2031)
    assert added.complete and "provisional" in added.source and "演示" in added.notice
    # The demo's "five working days ago" now has an answer (Monday 13 January 2031).
    assert workdays.add_working_days(date(2031, 1, 20), -5) == date(2031, 1, 13)
    # Entered years are never touched: 2026 keeps the State Council's dates.
    assert provisional_demo_years() == []
    assert CalendarYear.objects.get(year=2026).source != "load_demo (provisional)"
