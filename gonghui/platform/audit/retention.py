"""Audit retention (AUD-4): how long each kind of audit event is kept, and the purge procedure.

Minimum retention by action prefix (the longest matching prefix wins; an action that matches
nothing is kept as long as personal-information processing, the longest class):

=============================  ===========================  ==============================
prefix                         class                        kept at least
=============================  ===========================  ==============================
``pii.``                       PI processing (reveal, keys)  3 years (PIPL, 个人信息处理记录)
``members.``                   PI processing (members,       3 years
                               exports, transfers, cards)
``assistance.``                PI processing (hardship       3 years
                               files, payments, downloads)
``orgs.export``                PI processing (exports)       3 years
``auth.``                      security (logins, OTP,        180 days (等保 2.0: ≥ 6 months)
                               lockouts, session expiry)
``accounts.``                  security (users, passwords)   180 days
``access.``                    security (grants, tokens)     180 days
``setup.``                     security (officer set-up)     180 days
``audit.``                     security (purges)             180 days
``orgs.``                      organisation records          180 days
(anything else)                PI processing (unknown)       3 years
=============================  ===========================  ==============================

The chain (``chain.py``) links every row to its predecessor, so only a *prefix* of the chain
(the oldest rows, in id order) can be removed without leaving a gap: the purge deletes the
longest prefix whose rows are all older than the requested cut-off *and* past their minimum
retention; it stops at the first row that must be kept, whatever is behind it, and never
removes the newest row (the head the next event links to). A cut-off
younger than the shortest minimum (180 days) is refused outright.

The purge is an operator procedure (``manage.py purge_audit``, see docs/operations.md): in one
transaction it writes the rows to a JSON-lines archive, disables the append-only trigger on
PostgreSQL, deletes the prefix, re-enables the trigger and appends an ``audit.purge`` event
whose ``object_id`` is the new *anchor*: the hash of the last deleted row, which is the
``prev_hash`` of the first remaining row. ``audit_verify`` starts from that anchor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from gonghui.platform.audit.chain import GENESIS
from gonghui.platform.audit.models import AuditEvent

SECURITY = "security"
PI_PROCESSING = "pi_processing"
RECORDS = "records"

SECURITY_DAYS = 180
PI_YEARS = 3

RETENTION_TABLE: list[tuple[str, str]] = [
    ("pii.", PI_PROCESSING),
    ("members.", PI_PROCESSING),
    ("assistance.", PI_PROCESSING),
    ("orgs.export", PI_PROCESSING),
    ("auth.", SECURITY),
    ("accounts.", SECURITY),
    ("access.", SECURITY),
    ("setup.", SECURITY),
    ("audit.", SECURITY),
    ("orgs.", RECORDS),
]
DEFAULT_CLASS = PI_PROCESSING
PURGE_ACTION = "audit.purge"
ANCHOR_TYPE = "audit.chain_anchor"


def classify(action: str) -> str:
    best = ""
    found = DEFAULT_CLASS
    for prefix, cls in RETENTION_TABLE:
        if action.startswith(prefix) and len(prefix) > len(best):
            best, found = prefix, cls
    return found


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def keep_after(cls: str, now: datetime) -> datetime:
    """Rows of class ``cls`` that occurred at or after this moment must be kept."""
    if cls == PI_PROCESSING:
        return _years_before(now, PI_YEARS)
    return now - timedelta(days=SECURITY_DAYS)


def may_delete(event, now: datetime) -> bool:
    return event.occurred_at < keep_after(classify(event.action), now)


class RetentionRefused(Exception):
    pass


@dataclass
class PurgePlan:
    cutoff: datetime
    ids: list[int]
    kept_before_cutoff: int  # rows older than the cut-off kept for retention (or behind one)
    blocker: AuditEvent | None  # the first row older than the cut-off that must be kept


def plan(cutoff: datetime, now: datetime | None = None) -> PurgePlan:
    now = now or timezone.now()
    if cutoff > now - timedelta(days=SECURITY_DAYS):
        raise RetentionRefused(
            f"refused: the cut-off {cutoff:%Y-%m-%d} is younger than the minimum retention of "
            f"{SECURITY_DAYS} days (audit events are kept at least {SECURITY_DAYS} days, "
            f"personal-information processing records {PI_YEARS} years)"
        )
    ids: list[int] = []
    blocker = None
    # The newest event is never deleted: the next event appended must link to a row that exists.
    head = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.occurred_at >= cutoff or event.id == head:
            break
        if not may_delete(event, now):
            blocker = event
            break
        ids.append(event.id)
    older = AuditEvent.objects.filter(occurred_at__lt=cutoff).count()
    return PurgePlan(cutoff=cutoff, ids=ids, kept_before_cutoff=older - len(ids), blocker=blocker)


def current_anchor() -> str:
    """The ``prev_hash`` the first remaining event must carry: GENESIS unless purged."""
    last = (
        AuditEvent.objects.filter(action=PURGE_ACTION, object_type=ANCHOR_TYPE)
        .order_by("-id")
        .values_list("object_id", flat=True)
        .first()
    )
    return last or GENESIS


def _row(event) -> dict:
    return {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "org_path": event.org_path,
        "ip": event.ip,
        "request_id": event.request_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def purge(cutoff: datetime, archive_dir: Path, *, actor=None, now: datetime | None = None):
    """Archive and delete the purgeable prefix; returns ``(plan, archive_path_or_None, event)``."""
    from gonghui.platform.audit.services import record_event

    now = now or timezone.now()
    with transaction.atomic():
        result = plan(cutoff, now)
        if not result.ids:
            return result, None, None
        events = list(AuditEvent.objects.filter(id__in=result.ids).order_by("id"))
        anchor = events[-1].hash
        archive_dir.mkdir(parents=True, exist_ok=True)
        path = archive_dir / f"audit-{events[0].id}-{events[-1].id}-{now:%Y%m%dT%H%M%S}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for event in events:
                out.write(json.dumps(_row(event), ensure_ascii=False, sort_keys=True) + "\n")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        pg = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            if pg:
                # ALTER TABLE refuses while deferred constraint checks are pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_change"
                )
            AuditEvent.objects.filter(id__in=result.ids).delete()
            if pg:
                cursor.execute(
                    "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_change"
                )
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's default again
        event = record_event(
            actor=actor,
            action=PURGE_ACTION,
            object_type=ANCHOR_TYPE,
            object_id=anchor,
            details={
                "cutoff": result.cutoff.date().isoformat(),
                "deleted": len(events),
                "first_deleted_id": events[0].id,
                "last_deleted_id": events[-1].id,
                "kept_before_cutoff": result.kept_before_cutoff,
                "archive": path.name,
                "archive_sha256": digest,
            },
        )
    return result, path, event


def parse_cutoff(before: str | None, older_than_days: int | None, now: datetime) -> datetime:
    if before:
        day = date.fromisoformat(before)
        tz = timezone.get_current_timezone()
        return datetime(day.year, day.month, day.day, tzinfo=tz)
    return now - timedelta(days=int(older_than_days))
