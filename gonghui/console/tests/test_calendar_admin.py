"""The holiday calendar in the console: the system administrator enters and corrects a
State Council notice (audited); business users cannot open it; the missing-year banner."""

from datetime import date

import pytest
from django.utils import timezone

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.calendar.models import CalendarYear, DayKind, HolidayDate
from gonghui.platform.calendar.workdays import is_working_day
from gonghui.platform.testing.factories import UserFactory, grant

pytestmark = [pytest.mark.django_db, pytest.mark.calendar_as_loaded]

YEARS = "/console/calendar/calendaryear/"
DATES = "/console/calendar/holidaydate/"


@pytest.fixture
def sysadmin(tree):
    user = UserFactory(username="cal_sysadmin")
    grant(user, tree.city, "system_admin")
    return user


def test_the_system_admin_enters_next_years_notice(client, sysadmin):
    client.force_login(sysadmin)
    assert "/console/calendar/calendaryear/" in client.get("/console/").content.decode()
    response = client.post(
        YEARS + "add/", {"year": "2027", "notice": "国办发明电〔2026〕9号", "complete": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    year = CalendarYear.objects.get(year=2027)
    assert not year.complete and year.source == "console"
    # Complete without any date is refused: every notice has some.
    page = client.post(
        f"{YEARS}{year.pk}/change/", {"notice": year.notice, "complete": "on"}
    ).content.decode()
    assert "before marking the year complete" in page
    assert not CalendarYear.objects.get(year=2027).complete
    response = client.post(
        DATES + "add/",
        {
            "calendar_year": year.pk,
            "date": "2027-01-01",
            "kind": DayKind.DAY_OFF,
            "festival": "new_years_day",
            "note": "",
        },
    )
    assert response.status_code == 302
    response = client.post(f"{YEARS}{year.pk}/change/", {"notice": year.notice, "complete": "on"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).complete
    assert not is_working_day(date(2027, 1, 1)) and is_working_day(date(2027, 1, 4))
    actions = list(
        AuditEvent.objects.filter(action__startswith="calendar.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "calendar.save_calendar_year",
        "calendar.save_holiday_date",
        "calendar.save_calendar_year",
    ]
    detail = client.get(f"{YEARS}{year.pk}/change/").content.decode()
    assert "2027-01-01" in detail


def test_a_wrong_date_is_refused_and_a_mistaken_one_removed(client, sysadmin):
    client.force_login(sysadmin)
    year = CalendarYear.objects.get(year=2026)
    page = client.post(
        DATES + "add/",
        {
            "calendar_year": year.pk,
            "date": "2026-03-07",  # a Saturday entered as a day off
            "kind": DayKind.DAY_OFF,
            "festival": "other",
            "note": "",
        },
    ).content.decode()
    assert "Saturday or Sunday is a day off anyway" in page
    assert not HolidayDate.objects.filter(date=date(2026, 3, 7)).exists()
    saturday = HolidayDate.objects.get(date=date(2026, 2, 28))
    assert is_working_day(saturday.date)
    response = client.post(f"{DATES}{saturday.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not HolidayDate.objects.filter(date=date(2026, 2, 28)).exists()
    assert not is_working_day(date(2026, 2, 28))  # back to an ordinary Saturday
    event = AuditEvent.objects.get(action="calendar.remove_holiday_date")
    assert event.details["date"] == "2026-02-28"


def test_a_business_user_cannot_open_or_change_the_calendar(client, tree):
    client.force_login(tree.city_admin)
    home = client.get("/console/").content.decode()
    assert YEARS not in home and DATES not in home  # the deadline page is theirs, the table not
    year = CalendarYear.objects.get(year=2026)
    saturday = HolidayDate.objects.get(date=date(2026, 2, 14))
    assert client.get(YEARS).status_code == 403
    assert client.get(DATES).status_code == 403
    # Unscoped administrative rows do not exist for those without the right (as audit rows).
    assert client.get(f"{DATES}{saturday.pk}/change/").status_code == 404
    response = client.post(
        f"{DATES}{saturday.pk}/change/",
        {
            "calendar_year": year.pk,
            "date": "2026-02-14",
            "kind": DayKind.WORKING_DAY,
            "festival": "other",
            "note": "改",
        },
    )
    assert response.status_code == 404
    assert client.post(f"{DATES}{saturday.pk}/delete/", {"post": "yes"}).status_code == 404
    assert HolidayDate.objects.get(pk=saturday.pk).festival == "spring_festival"


def test_the_banner_tells_the_system_admin_only(client, sysadmin, tree):
    today = timezone.localdate()
    client.force_login(sysadmin)
    page = client.get("/console/").content.decode()
    if today.month == 12:
        assert f'id="calendar-year-banner-{today.year + 1}"' in page
    else:
        assert "calendar-year-banner" not in page
    CalendarYear.objects.filter(year=today.year).update(complete=False)
    HolidayDate.objects.first().save()  # a change the freshness check sees, as a save is
    page = client.get("/console/").content.decode()
    assert f'id="calendar-year-banner-{today.year}"' in page
    assert f"The holiday calendar for {today.year} is not entered" in page
    client.force_login(tree.city_admin)
    assert "calendar-year-banner" not in client.get("/console/").content.decode()


@pytest.mark.chinese
def test_the_calendar_speaks_chinese(client, sysadmin):
    client.force_login(sysadmin)
    year = CalendarYear.objects.get(year=2026)
    page = client.get(f"{YEARS}{year.pk}/change/").content.decode()
    assert "节假日安排" in page and "春节" in page and "国庆节" in page
    assert "上班（周末调休上班）" in page and "放假（工作日放假）" in page
    CalendarYear.objects.filter(year=timezone.localdate().year).update(complete=False)
    HolidayDate.objects.first().save()
    page = client.get("/console/").content.decode()
    assert f"尚未录入 {timezone.localdate().year} 年的节假日安排" in page
