"""Console pages of the holiday calendar (gonghui/platform/calendar) for the system
administrator: each year's State Council notice, its holidays and make-up working days; and,
for every union, the deadline page (期限与督办): what the nightly run found due soon, overdue or
escalated to it.

The platform imports no console, so the console registers the platform's pages here. Every
change goes through ``gonghui.platform.calendar.actions`` (audited). Business roles hold no
calendar permission: the pages answer 403 to them (roles.CALENDAR_ADMIN).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.platform.calendar import actions, deadlines
from gonghui.platform.calendar.models import CalendarYear, DayKind, DeadlineEvent, HolidayDate

WEEKDAYS = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


class CalendarYearForm(ActionForm, forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "notice", "complete"]

    def run_action(self):
        d = self.cleaned_data
        existing = self.instance if self.instance.pk else None
        return actions.save_calendar_year(
            actor=self.request.user,
            year=existing.year if existing else d["year"],
            notice=d.get("notice", ""),
            complete=d.get("complete", False),
            calendar_year=existing,
        )

    def validate_unique(self):
        return None


class HolidayDateForm(ActionForm, forms.ModelForm):
    class Meta:
        model = HolidayDate
        fields = ["calendar_year", "date", "kind", "festival", "note"]

    def run_action(self):
        d = self.cleaned_data
        return actions.save_holiday_date(
            actor=self.request.user,
            calendar_year=d["calendar_year"],
            day=d["date"],
            kind=d["kind"],
            festival=d["festival"],
            note=d.get("note", ""),
            holiday=self.instance if self.instance.pk else None,
        )

    def validate_unique(self):
        return None


@admin.register(CalendarYear, site=console_site)
class CalendarYearAdmin(ScopedModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "notice", "complete", "days_off", "working_weekends", "source"]
    list_display_links = ["year", "notice"]
    search_fields = ["=year", "notice"]
    readonly_fields = ["dates", "source", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("days")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["year", "notice", "complete"]
        return ["year", "notice", "complete", "source", "updated_at", "dates"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["year", *self.readonly_fields]

    @admin.display(description=_("days off on weekdays"))
    def days_off(self, obj):
        return sum(1 for d in obj.days.all() if d.kind == DayKind.DAY_OFF)

    @admin.display(description=_("make-up working days"))
    def working_weekends(self, obj):
        return sum(1 for d in obj.days.all() if d.kind == DayKind.WORKING_DAY)

    @admin.display(description=_("dates of the notice"))
    def dates(self, obj):
        add = (
            reverse("console:calendar_holidaydate_add") + "?" + urlencode({"calendar_year": obj.pk})
        )
        listing = (
            reverse("console:calendar_holidaydate_changelist")
            + "?"
            + urlencode({"calendar_year__id__exact": obj.pk})
        )
        rows = format_html_join(
            "",
            '<li><a class="text-primary-600" href="{}">{} {}</a> · {} · {}{}</li>',
            (
                (
                    reverse("console:calendar_holidaydate_change", args=[d.pk]),
                    d.date.isoformat(),
                    WEEKDAYS[d.date.weekday()],
                    d.get_kind_display(),
                    d.get_festival_display(),
                    f" ({d.note})" if d.note else "",
                )
                for d in obj.days.all()
            ),
        )
        return format_html(
            '<ul class="mb-2">{}</ul><a class="text-primary-600 mr-4" href="{}">{}</a>'
            '<a class="text-primary-600" href="{}">{}</a>',
            rows or _("No dates entered yet."),
            add,
            _("Add a date"),
            listing,
            _("All dates of this year"),
        )


@admin.register(HolidayDate, site=console_site)
class HolidayDateAdmin(ScopedModelAdmin):
    form = HolidayDateForm
    list_display = ["date", "weekday", "kind", "festival", "note", "calendar_year"]
    list_filter = ["calendar_year", "kind", "festival"]
    list_select_related = ["calendar_year"]
    ordering = ["-date"]
    fields = ["calendar_year", "date", "kind", "festival", "note"]
    date_hierarchy = "date"

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]

    def has_delete_permission(self, request, obj=None):
        # A date entered by mistake is removed (audited); other console records never are.
        return request.user.has_perm("calendar.delete_holidaydate")

    def delete_model(self, request, obj):
        actions.remove_holiday_date(actor=request.user, holiday=obj)

    def log_deletions(self, request, queryset):
        return None  # the action wrote an audit event

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.remove_holiday_date(actor=request.user, holiday=obj)


# --- deadlines: what the nightly run found (督办) -----------------------------------------------


def _rule_label(name: str) -> str:
    try:
        rule = deadlines.get(name)
    except KeyError:
        return name
    return f"{rule.label}（{rule.describe()}）"


@admin.register(DeadlineEvent, site=console_site)
class DeadlineEventAdmin(ScopedModelAdmin):
    """Records due soon, overdue, and escalated to the union above (督办), as the nightly
    deadline run wrote them: a union sees its own subtree's and what was escalated to it.
    Read-only; each row links to the record, where the work is done."""

    list_display = ["deadline", "record", "org", "started_on", "due_on", "kind", "escalated_to"]
    # The page of one event names the record and links to it, as the list does, instead of
    # a content type and an object id.
    fields = [*list_display, "at"]
    readonly_fields = fields
    list_filter = ["kind", "rule"]
    list_select_related = ["org", "escalated_to", "content_type"]
    ordering = ["-at", "-id"]
    date_hierarchy = "due_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("deadline"), ordering="rule")
    def deadline(self, obj):
        return _rule_label(obj.rule)

    @admin.display(description=_("record"))
    def record(self, obj):
        ct = obj.content_type
        try:
            url = reverse(f"console:{ct.app_label}_{ct.model}_change", args=[obj.object_id])
        except NoReverseMatch:
            return f"{ct.name} #{obj.object_id}"
        return format_html(
            '<a class="text-primary-600" href="{}">{} #{}</a>', url, ct.name, obj.object_id
        )
