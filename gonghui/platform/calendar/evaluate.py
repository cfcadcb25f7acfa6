"""The nightly deadline run: for every registered rule, its open records that are due soon
or overdue are recorded as ``DeadlineEvent`` rows, each at most once (rule, record, start
date, kind), so running the night twice writes nothing new.

Overdue records of an ``escalate`` rule also get an ``escalated`` event naming the parent
union (督办); those of a ``remind`` rule have the rule's reminder called once, after commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from gonghui.platform.audit.services import record_event
from gonghui.platform.calendar import deadlines, workdays
from gonghui.platform.calendar.deadlines import DeadlineRule, DeadlineStatus, OnOverdue
from gonghui.platform.calendar.models import DeadlineEvent
from gonghui.platform.calendar.models import DeadlineEventKind as K


@dataclass
class RuleResult:
    rule: str
    open: int = 0
    found: Counter = field(default_factory=Counter)  # kind -> records in that state now
    new: Counter = field(default_factory=Counter)  # kind -> events written by this run


def _parent(org, cache: dict):
    """The union above ``org`` (``None`` at the root), one query per union per run."""
    if org.pk not in cache:
        # The tree's own manager (django-treebeard), found on the org's class: the platform
        # names no domain model.
        cache[org.pk] = type(org).objects.get_parent(org)
    return cache[org.pk]


def _due_or_none(rule: DeadlineRule, start: date) -> date | None:
    # An overdue clock's due date is in the past, so its year is known; a clock due soon may
    # end in a year whose notice is not entered yet: the event then says "due date unknown".
    try:
        return rule.due(start)
    except workdays.CalendarYearMissing:
        return None


def evaluate_rule(rule: DeadlineRule, today: date) -> RuleResult:
    result = RuleResult(rule.name)
    if rule.open_items is None:
        return result
    wanted: list[tuple[object, DeadlineEvent]] = []
    parents: dict = {}
    for item in rule.open_items(rule.warning_if_started_before(today)):
        result.open += 1
        status = rule.status(item.start, today)
        if status == DeadlineStatus.ON_TIME:
            continue
        content_type = ContentType.objects.get_for_model(type(item.obj))
        common = {
            "rule": rule.name,
            "content_type": content_type,
            "object_id": item.obj.pk,
            "started_on": item.start,
            "due_on": _due_or_none(rule, item.start),
            "org": item.org,
        }
        if status == DeadlineStatus.WARNING:
            wanted.append((item, DeadlineEvent(kind=K.WARNED, **common)))
            continue
        wanted.append((item, DeadlineEvent(kind=K.OVERDUE, **common)))
        if rule.on_overdue == OnOverdue.ESCALATE:
            parent = _parent(item.org, parents)
            if parent is not None:
                wanted.append(
                    (item, DeadlineEvent(kind=K.ESCALATED, escalated_to=parent, **common))
                )
    for _item, event in wanted:
        result.found[event.kind] += 1
    if not wanted:
        return result

    def key(event):
        return (event.content_type_id, event.object_id, event.started_on, event.kind)

    existing = set(
        DeadlineEvent.objects.filter(
            rule=rule.name,
            object_id__in={event.object_id for _i, event in wanted},
        ).values_list("content_type_id", "object_id", "started_on", "kind")
    )
    fresh = [(item, event) for item, event in wanted if key(event) not in existing]
    now = timezone.now()
    with transaction.atomic():
        for _item, event in fresh:
            event.at = now
        # The unique constraint settles a race with a second run started at the same time.
        DeadlineEvent.objects.bulk_create([e for _i, e in fresh], ignore_conflicts=True)
        for item, event in fresh:
            result.new[event.kind] += 1
            if event.kind == K.OVERDUE and rule.on_overdue == OnOverdue.REMIND:
                transaction.on_commit(lambda i=item, e=event: rule.remind(i, e))
        if fresh:
            record_event(
                actor=None,
                action="calendar.evaluate_deadlines",
                object_type="calendar.deadlineevent",
                object_id=rule.name,
                actor_label="evaluate_deadlines",
                details={"rule": rule.name, "today": today.isoformat(), **dict(result.new)},
            )
    return result


def evaluate_deadlines(today: date | None = None, only: list[str] | None = None):
    """Evaluate every registered rule (or those named in ``only``) as of ``today``."""
    today = today or timezone.localdate()
    with workdays.pinned():
        return [
            evaluate_rule(rule, today)
            for rule in deadlines.rules()
            if only is None or rule.name in only
        ]
