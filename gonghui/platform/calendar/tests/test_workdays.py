"""Working days on the holiday calendar seeded from chinesecalendar, checked against the State
Council's 2026 notice (国务院办公厅关于2026年部分节假日安排的通知)."""

from datetime import date, timedelta

import pytest

from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.models import CalendarYear, DayKind, HolidayDate
from gonghui.platform.calendar.workdays import (
    CalendarYearMissing,
    add_working_days,
    is_working_day,
    working_days_between,
)

pytestmark = [pytest.mark.django_db, pytest.mark.calendar_as_loaded]


def test_the_2026_notice_is_in_the_calendar():
    # 春节: 2026-02-15 (Sun) to 02-23 (Mon) off; Saturdays 02-14 and 02-28 worked.
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))
    assert not any(is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(date(2026, 2, 24))
    # 国庆: 10-01 to 10-07 off; Sunday 09-20 and Saturday 10-10 worked.
    assert not any(is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(date(2026, 9, 20)) and is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    made_up = HolidayDate.objects.filter(
        calendar_year__year=2026, kind=DayKind.WORKING_DAY
    ).values_list("date", flat=True)
    assert sorted(made_up) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    festival = HolidayDate.objects.get(date=date(2026, 2, 16))
    assert festival.kind == DayKind.DAY_OFF and festival.festival == "spring_festival"
    year = CalendarYear.objects.get(year=2026)
    assert year.complete and year.source.startswith("chinesecalendar ")


def test_only_dates_that_differ_from_monday_to_friday_are_stored():
    for day, kind in HolidayDate.objects.values_list("date", "kind"):
        assert (day.weekday() >= 5) == (kind == DayKind.WORKING_DAY), day


def test_fifteen_working_days_across_spring_festival_2026():
    # Thursday 2026-02-12: 02-13, Sat 02-14, then nine days off, 02-24..27, Sat 02-28,
    # 03-02..06, 03-09..11 -> the 15th working day is Wednesday 2026-03-11.
    assert add_working_days(date(2026, 2, 12), 15) == date(2026, 3, 11)
    assert working_days_between(date(2026, 2, 12), date(2026, 3, 11)) == 15
    # Monday to Friday alone would have said 2026-03-05.
    assert add_working_days(date(2026, 2, 12), 15) != date(2026, 3, 5)


def test_five_working_days_across_national_day_2026():
    # Tuesday 2026-09-29: 09-30, 10-08, 10-09, Sat 10-10 (worked), Mon 10-12.
    assert add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert working_days_between(date(2026, 9, 29), date(2026, 10, 12)) == 5
    # Counting back: the 5th working day before 10-12 is 09-29's next working day's eve.
    assert add_working_days(date(2026, 10, 12), -5) == date(2026, 9, 29)


def test_counting_agrees_with_day_by_day_checks():
    start = date(2025, 1, 1)
    span = [start + timedelta(days=k) for k in range(700)]  # to 2026-12-01
    with workdays.pinned():
        # naive[k]: working days after ``start`` up to span[k], one day at a time
        naive, total = [], 0
        for k, day in enumerate(span):
            total += 1 if k and is_working_day(day) else 0
            naive.append(total)
        for i in range(0, 700, 37):
            for j in range(0, 700, 11):
                expected = max(naive[j] - naive[i], 0)
                assert working_days_between(span[i], span[j]) == expected, (span[i], span[j])
        for n in (1, 3, 15, 40):
            end = add_working_days(start, n)
            assert is_working_day(end) and working_days_between(start, end) == n
            assert add_working_days(end, -n) <= start


def test_a_december_date_of_the_next_notice():
    # The 2019 notice made Saturday 2018-12-29 a working day and Monday 2018-12-31 a holiday.
    saturday = HolidayDate.objects.get(date=date(2018, 12, 29))
    assert saturday.calendar_year.year == 2019 and saturday.kind == DayKind.WORKING_DAY
    assert is_working_day(date(2018, 12, 29)) and not is_working_day(date(2018, 12, 31))


def test_a_year_not_entered_raises_naming_the_year():
    assert not CalendarYear.objects.filter(year=2027).exists()
    with pytest.raises(CalendarYearMissing) as exc:
        add_working_days(date(2026, 12, 20), 15)
    assert exc.value.year == 2027
    assert "2027" in str(exc.value)
    with pytest.raises(CalendarYearMissing):
        is_working_day(date(2027, 1, 4))  # a Monday: no guess
    # Within 2026 the same arithmetic works.
    assert add_working_days(date(2026, 12, 1), 5) == date(2026, 12, 8)


def test_an_incomplete_year_is_not_used():
    CalendarYear.objects.filter(year=2026).update(complete=False)
    # ``update`` skips auto_now: touch a row so the change is seen, as a save would.
    CalendarYear.objects.get(year=2025).save()
    with pytest.raises(CalendarYearMissing) as exc:
        working_days_between(date(2025, 12, 20), date(2026, 1, 10))
    assert exc.value.year == 2026


def test_a_change_is_seen_by_the_next_computation():
    monday = date(2026, 6, 1)
    assert is_working_day(monday)
    year = CalendarYear.objects.get(year=2026)
    row = HolidayDate.objects.create(
        calendar_year=year, date=monday, kind=DayKind.DAY_OFF, festival="other", note="测试"
    )
    assert not is_working_day(monday)
    row.delete()
    assert is_working_day(monday)


def test_inside_pinned_the_table_is_read_once(django_assert_num_queries):
    workdays.forget()
    with workdays.pinned():
        with django_assert_num_queries(3):  # freshness, years, dates
            add_working_days(date(2026, 2, 12), 15)
            add_working_days(date(2026, 9, 29), 5)
            working_days_between(date(2026, 1, 1), date(2026, 12, 31))
