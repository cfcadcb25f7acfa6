"""Editing the holiday calendar (the system administrator, in the console): the only write
path besides the seed from ``chinesecalendar``. Each change is audited."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gonghui.platform.calendar.models import CalendarYear, HolidayDate
from gonghui.platform.workflow.base import ActionError, action


def _validated(obj):
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ActionError(exc.messages[0] if exc.messages else str(exc)) from exc
    return obj


@action("calendar.save_calendar_year", permission="calendar.change_calendaryear")
def save_calendar_year(
    ctx, *, year: int, notice: str = "", complete: bool = False, calendar_year=None
) -> CalendarYear:
    """Create a year (``calendar_year`` None) or change its notice and completeness. A year
    is marked complete only with at least one date entered: every notice has some."""
    if calendar_year is None:
        if CalendarYear.objects.filter(year=year).exists():
            raise ActionError(
                _("The year %(year)s is already in the calendar."),
                code="exists",
                params={"year": year},
            )
        row = CalendarYear(year=year, source="console")
    else:
        row = ctx.require(calendar_year)
        ctx.lock(row)
    row.notice = (notice or "").strip()[:200]
    if complete and not (row.pk and row.days.exists()):
        raise ActionError(
            _(
                "Enter the notice's holidays and make-up working days before marking the year "
                "complete."
            ),
            code="no_dates",
        )
    before = row.complete
    row.complete = bool(complete)
    _validated(row)
    row.save()
    ctx.wrote(row, details={"year": row.year, "complete": row.complete, "was": before})
    return row


@action("calendar.save_holiday_date", permission="calendar.change_holidaydate")
def save_holiday_date(
    ctx,
    *,
    calendar_year: CalendarYear,
    day: date,
    kind: str,
    festival: str,
    note: str = "",
    holiday: HolidayDate | None = None,
) -> HolidayDate:
    """Enter or correct one date of a notice."""
    calendar_year = ctx.require(calendar_year)
    if holiday is None:
        if HolidayDate.objects.filter(date=day).exists():
            raise ActionError(
                _("%(date)s is already in the calendar."),
                code="exists",
                params={"date": day.isoformat()},
            )
        row = HolidayDate()
    else:
        row = ctx.require(holiday)
        ctx.lock(row)
    before = {"date": row.date.isoformat() if row.date else None, "kind": row.kind}
    row.calendar_year, row.date, row.kind, row.festival = calendar_year, day, kind, festival
    row.note = (note or "").strip()[:100]
    _validated(row)
    row.save()
    ctx.wrote(
        row,
        details={
            "year": calendar_year.year,
            "date": day.isoformat(),
            "kind": kind,
            "festival": festival,
            "was": before,
        },
    )
    return row


@action("calendar.remove_holiday_date", permission="calendar.delete_holidaydate")
def remove_holiday_date(ctx, *, holiday: HolidayDate) -> None:
    """Remove a date entered by mistake (the day then follows the Monday–Friday rule)."""
    row = ctx.require(holiday)
    ctx.lock(row)
    ctx.details.update(
        {"year": row.calendar_year.year, "date": row.date.isoformat(), "kind": row.kind}
    )
    ctx.primary = row
    row_pk = row.pk
    row.delete()
    row.pk = row_pk  # the audit event names the removed row
