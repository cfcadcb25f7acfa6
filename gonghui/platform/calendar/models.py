"""The holiday calendar and the deadline events.

Each year the General Office of the State Council publishes the next year's holiday notice
(国务院办公厅关于某年部分节假日安排的通知, usually in November). Working days are Monday to
Friday except the dates that notice changes: a statutory holiday on a weekday is a day off; a
调休 Saturday or Sunday is a working day. Only those dates are stored (``HolidayDate``), each
under the notice year that made it (a December date can belong to the next year's notice:
2018-12-29 was a working Saturday of the 2019 notice). A year is used for arithmetic only
once its ``CalendarYear`` is marked complete: until then a date in it raises
``CalendarYearMissing`` instead of being guessed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.platform.access.scoping import ScopedManager


class DayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off (holiday on a weekday)")
    WORKING_DAY = "working_day", _("Working day (make-up day on a weekend)")


class Festival(models.TextChoices):
    NEW_YEARS_DAY = "new_years_day", pgettext_lazy("holiday", "New Year's Day")
    SPRING_FESTIVAL = "spring_festival", pgettext_lazy("holiday", "Spring Festival")
    TOMB_SWEEPING_DAY = "tomb_sweeping_day", pgettext_lazy("holiday", "Tomb-sweeping Day")
    LABOUR_DAY = "labour_day", pgettext_lazy("holiday", "Labour Day")
    DRAGON_BOAT_FESTIVAL = "dragon_boat_festival", pgettext_lazy("holiday", "Dragon Boat Festival")
    MID_AUTUMN_FESTIVAL = "mid_autumn_festival", pgettext_lazy("holiday", "Mid-autumn Festival")
    NATIONAL_DAY = "national_day", pgettext_lazy("holiday", "National Day")
    OTHER = "other", pgettext_lazy("holiday", "Other (see the note)")


class CalendarYear(models.Model):
    """One State Council holiday notice: the year it is for, and whether all of its dates
    are entered (``complete``). Deadlines touching a year that is not complete raise an
    error naming the year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(
        _("State Council notice"),
        max_length=200,
        blank=True,
        help_text=_("Title or number of the notice, e.g. 国办发明电〔2025〕7号."),
    )
    complete = models.BooleanField(
        _("all dates entered"),
        default=False,
        help_text=_(
            "Tick when every holiday and make-up working day of the notice is entered: only "
            "then are deadlines computed across this year."
        ),
    )
    source = models.CharField(_("entered from"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday calendar year")
        verbose_name_plural = _("holiday calendar")

    def __str__(self):
        return str(self.year)


class HolidayDate(models.Model):
    """A date that differs from the Monday–Friday rule: a holiday on a weekday (day off) or
    a make-up working day (调休) on a Saturday or Sunday."""

    calendar_year = models.ForeignKey(
        CalendarYear,
        verbose_name=_("notice year"),
        on_delete=models.PROTECT,
        related_name="days",
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    festival = models.CharField(_("holiday"), max_length=32, choices=Festival.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self):
        return f"{self.date.isoformat()} {self.get_festival_display()}"

    def clean(self):
        weekend = self.date is not None and self.date.weekday() >= 5
        if self.date is not None and self.kind == DayKind.DAY_OFF and weekend:
            raise ValidationError(
                {"kind": _("A Saturday or Sunday is a day off anyway: enter only weekdays off.")}
            )
        if self.date is not None and self.kind == DayKind.WORKING_DAY and not weekend:
            raise ValidationError(
                {"kind": _("A make-up working day falls on a Saturday or Sunday.")}
            )
        year = getattr(self, "calendar_year", None)
        if (
            self.date is not None
            and year is not None
            and year.year
            not in (
                self.date.year,
                self.date.year + 1,
            )
        ):
            raise ValidationError(
                {"date": _("The date does not belong to the notice for %(year)s.")},
                params={"year": year.year},
            )


class DeadlineEventKind(models.TextChoices):
    WARNED = "warned", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated for supervision (督办)")


class DeadlineEvent(models.Model):
    """What the nightly deadline run found about one open record, once per rule, record,
    start date and kind: re-running the night changes nothing."""

    scope_org_fields = ("org", "escalated_to")

    rule = models.CharField(_("deadline"), max_length=100)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    started_on = models.DateField(_("started on"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DeadlineEventKind.choices)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+"
    )
    escalated_to = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("deadline event")
        verbose_name_plural = _("deadline events")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "content_type", "object_id", "started_on", "kind"],
                name="calendar_deadline_event_once",
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="calendar_event_obj")]

    def __str__(self):
        return f"{self.rule} {self.get_kind_display()} #{self.object_id}"
