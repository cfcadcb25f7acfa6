"""The publicity clock (公示期) of an aid application, on the platform calendar (registered in
``AssistanceConfig.ready``).

After verification the case is published for ``GONGHUI_ASSISTANCE_PUBLICITY_WORKING_DAYS``
working days (5 by default): the day of verification is not counted and the publicity runs
until the end of its last working day (``Application.publicity_end``). From the next day the
case may go to approval; one still in publicity is flagged by the nightly run.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from gonghui.assistance.choices import ApplicationState
from gonghui.assistance.models import Application
from gonghui.platform.calendar.deadlines import DeadlineKind, DeadlineRule, OnOverdue, OpenItem


def open_publicities(started_before: date):
    """Cases in publicity whose publicity started before ``started_before``."""
    running = Application.objects.filter(
        state=ApplicationState.PUBLICITY,
        publicity_start__isnull=False,
        publicity_start__lt=started_before,
    ).select_related("org")
    for application in running.iterator(chunk_size=500):
        yield OpenItem(application, application.publicity_start, application.org)


PUBLICITY = DeadlineRule(
    name="assistance.publicity",
    label=_("Publicity of an aid application"),
    length="GONGHUI_ASSISTANCE_PUBLICITY_WORKING_DAYS",
    kind=DeadlineKind.WORKING_DAYS,
    legal_basis=_(
        "Hardship assistance online platform, step 5: the assistance centre publishes an "
        "eligible case online before approval (网上公示); no source fixes the length, so it is "
        "set by GONGHUI_ASSISTANCE_PUBLICITY_WORKING_DAYS (5 working days by default)."
    ),
    warn_before=0,
    on_overdue=OnOverdue.FLAG,
    open_items=open_publicities,
)
