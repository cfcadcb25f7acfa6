"""The join review clock, on the platform calendar (registered in ``MembersConfig.ready``).

A union answers a join application within ``GONGHUI_JOIN_REVIEW_WORKING_DAYS`` working days
(15: the 申工社 practice of "线上申请、线下受理" — the township or park union contacts the
applicant within 15 working days). Three working days before, the application is due soon;
after the due day it is overdue and the nightly run escalates it for supervision (督办) to
the union above the one it waits in.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.members.choices import JoinRequestState
from gonghui.members.models import JoinRequest
from gonghui.platform.calendar.deadlines import (
    DeadlineKind,
    DeadlineRule,
    OnOverdue,
    OpenItem,
    start_of_day,
)


def open_join_requests(started_before: date):
    """Pending applications submitted before ``started_before`` (the nightly run's input)."""
    pending = JoinRequest.objects.filter(
        state=JoinRequestState.PENDING, submitted_at__lt=start_of_day(started_before)
    ).select_related("org")
    for request in pending.iterator(chunk_size=500):
        yield OpenItem(request, timezone.localdate(request.submitted_at), request.org)


JOIN_REVIEW = DeadlineRule(
    name="members.join_review",
    label=_("Join application review"),
    length="GONGHUI_JOIN_REVIEW_WORKING_DAYS",
    kind=DeadlineKind.WORKING_DAYS,
    legal_basis=_(
        "Online application, offline handling: the responsible union contacts the applicant "
        "and decides within 15 working days (申工社 practice; the number of days is set by "
        "GONGHUI_JOIN_REVIEW_WORKING_DAYS)."
    ),
    warn_before=3,
    on_overdue=OnOverdue.ESCALATE,
    open_items=open_join_requests,
)


def submitted_on(request: JoinRequest) -> date:
    return timezone.localdate(request.submitted_at)
