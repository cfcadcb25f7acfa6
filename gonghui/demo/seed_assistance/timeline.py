"""When each demo case's steps happened, so the screens do not contradict themselves.

The seeder runs every case through the real actions in one go, which stamps every step with
the same minute and starts every publicity on the day of seeding. Here each case gets dates
that agree with its state, on the holiday calendar:

* a case that went on past publicity (to approval, payment, closing) was verified long enough
  ago that its publicity (PUBLICITY's working days) ended before today, and its home visit
  came a few working days before that; a case still in publicity was verified today;
* after the actions ran, :func:`spread_timeline` gives its steps distinct times in their
  order (the home visit on its visit date, verification on the first publicity day, an
  objection on the day it was received, the end of publicity the working day after its last
  day), none later than now, and copies them to the application's own timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.deadlines import PUBLICITY
from gonghui.assistance.models import Application
from gonghui.platform.calendar import workdays

# States in the order a case reaches them (the target of a returned or rejected case is the
# step it was at, ``case["at"]``; a closed case went through approval).
_REACHED = [S.DRAFT, S.SUBMITTED, S.HOME_VISIT, S.VERIFICATION, S.PUBLICITY, S.APPROVAL]


@dataclass(frozen=True)
class CaseDates:
    visit_date: date
    verified_on: date


def _furthest(case: dict) -> str:
    target = case.get("at", case["target"])
    if target in (S.APPROVED, S.CLOSED):
        return S.APPROVAL
    if target == S.WITHDRAWN:
        return S.SUBMITTED
    return target


def case_dates(case: dict, n: int, today: date) -> CaseDates:
    """The home-visit and verification days of a case, agreeing with the state it ends in."""
    furthest = _REACHED.index(_furthest(case))
    past_publicity = furthest > _REACHED.index(S.PUBLICITY) or case.get("publicity_over")
    # Publicity of PUBLICITY.days working days from verification has ended 2-4 working days
    # ago for a case past it; one still in publicity started today.
    back = PUBLICITY.days + 2 + n % 3 if past_publicity else 0
    verified_on = workdays.add_working_days(today, -back)
    if furthest > _REACHED.index(S.VERIFICATION):
        visit_date = workdays.add_working_days(verified_on, -(2 + n % 3))
    else:
        visit_date = workdays.add_working_days(today, -(1 + n % 3))
    return CaseDates(visit_date=visit_date, verified_on=verified_on)


def objection_day(application: Application, today: date) -> date:
    """A day within the case's publicity, not after today: when its objection came in."""
    return min(workdays.add_working_days(application.publicity_start, 1), today)


def _anchors(application: Application, steps: list) -> dict[int, date]:
    """The day some steps must have happened on, from the case's own dates."""
    received = list(application.objections.order_by("pk").values_list("received_on", flat=True))
    anchors = {}
    for i, step in enumerate(steps):
        if step.name == "home_visit" and application.visit_date:
            anchors[i] = application.visit_date
        elif step.name == "verify" and application.publicity_start:
            anchors[i] = application.publicity_start
        elif step.name == "objection" and received:
            anchors[i] = received.pop(0)
        elif step.name == "end_publicity" and application.publicity_end:
            anchors[i] = workdays.add_working_days(application.publicity_end, 1)
    return anchors


def _days(steps: list, anchors: dict[int, date], today: date) -> list[date]:
    """A day for each step: anchored ones on theirs, the steps before the first anchor on the
    working days leading up to it, the others on their predecessor's day (the last ones up
    to today)."""
    first = min(anchors) if anchors else len(steps)
    start = anchors[first] if anchors else today
    days: list[date] = []
    for i in range(len(steps)):
        if i in anchors:
            days.append(anchors[i])
        elif i < first:
            back = first - i if anchors else len(steps) - 1 - i
            days.append(workdays.add_working_days(start, -back))
        else:
            days.append(days[-1])
    if anchors and len(steps) - 1 > max(anchors):
        # Steps after the last anchor (approval, payment...): the next working days.
        last = max(anchors)
        for k, i in enumerate(range(last + 1, len(steps)), start=1):
            days[i] = min(workdays.add_working_days(days[last], k), today)
    return days


def spread_timeline(application: Application, n: int, today: date | None = None) -> None:
    """Give the steps of ``application`` distinct, ordered times that agree with its dates,
    none later than now, and the application's timestamps the times of their steps."""
    now = timezone.now()
    today = today or timezone.localdate()
    steps = list(application.steps.order_by("at", "pk"))
    if not steps:
        return
    days = _days(steps, _anchors(application, steps), today)
    tz = timezone.get_current_timezone()
    times: list[datetime] = []
    for i, day in enumerate(days):
        # Office hours, 09:00 onwards, a different minute for each case and step.
        minutes = (n * 17 + i * 41) % 360
        at = datetime.combine(day, time(9, 0), tzinfo=tz) + timedelta(minutes=minutes)
        if times and at <= times[-1]:
            at = times[-1] + timedelta(minutes=11 + (n + i) % 37)
        times.append(at)
    # Nothing in the future: the last steps move back before now, keeping their order.
    latest = now - timedelta(minutes=1)
    for i in range(len(times) - 1, -1, -1):
        if times[i] > latest:
            times[i] = latest
        latest = times[i] - timedelta(minutes=1 + (n + i) % 5)
    for step, at in zip(steps, times, strict=True):
        step.at = at
    type(steps[0]).objects.bulk_update(steps, ["at"])

    stamp = {}
    for step, at in zip(steps, times, strict=True):
        field = {
            "create": "created_at",
            "submit": "submitted_at",
            "first_review": "first_reviewed_at",
            "verify": "verified_at",
            "approve": "approved_at",
            "reject": "approved_at",
        }.get(step.name)
        if field and (field != "created_at" or field not in stamp):
            stamp[field] = at  # the last submission and decision, the first creation
    stamp = {f: at for f, at in stamp.items() if getattr(application, f) is not None}
    if stamp:
        Application.objects.filter(pk=application.pk).update(**stamp)
        for field, at in stamp.items():
            setattr(application, field, at)
