"""``{% calendar_banner %}``: on every console page, tells the system administrator when the
holiday calendar lacks this year (deadlines fail) or, from 1 December, next year."""

from django import template
from django.db import DatabaseError
from django.urls import NoReverseMatch, reverse

from gonghui.platform.calendar import deadlines
from gonghui.platform.calendar.checks import calendar_problems

register = template.Library()

MANAGE_PERMISSION = "calendar.change_calendaryear"


@register.inclusion_tag("calendar/console_banner.html", takes_context=True)
def calendar_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(MANAGE_PERMISSION):
        return {"problems": []}
    try:
        problems = calendar_problems()
    except DatabaseError:  # pragma: no cover - not migrated
        return {"problems": []}
    try:
        link = reverse("console:calendar_calendaryear_changelist")
    except NoReverseMatch:  # pragma: no cover - the console registers the page
        link = ""
    return {"problems": problems, "link": link}


@register.simple_tag
def deadline_days(rule_name: str) -> int | str:
    """The length of a registered deadline as configured now (``{% deadline_days
    "members.join_review" as days %}``), so a page never prints a number the settings changed."""
    try:
        return deadlines.get(rule_name).days
    except KeyError:
        return ""
