"""Writing audit events. Every action of the write path calls :func:`record_event`."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from gonghui.platform.audit import context
from gonghui.platform.audit.chain import GENESIS, compute_hash
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.audit.scrub import scrub

# Arbitrary constant shared by all writers of the chain (pg_advisory_xact_lock key).
_CHAIN_LOCK_KEY = 0x6A0A_7E1D


def _lock_chain() -> None:
    # The chain needs a total order: one writer at a time appends. On PostgreSQL a
    # transaction-scoped advisory lock serialises appends until commit; SQLite already
    # serialises writers (transactions start IMMEDIATE, see settings).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def describe(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record_event(
    *,
    actor,
    action: str,
    obj=None,
    org=None,
    details: dict | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction if there is one.

    ``details`` must already be masked; anything resembling an ID number or phone number
    is masked again here. ``org`` (or ``obj.scope_org()``) sets the org path used to scope
    audit reads to a subtree.
    """
    ctx = context.current()
    auto_type, auto_id = describe(obj)
    if org is None and obj is not None and hasattr(obj, "scope_org"):
        org = obj.scope_org()
    actor_obj = actor if getattr(actor, "pk", None) else None
    if ctx.token_id is not None:
        # Made with an API token: the auditor tells it from the user's own session.
        details = {**(details or {}), "token": ctx.token_id}
        if actor_label is None and actor_obj is not None:
            actor_label = f"{actor_obj.get_username()[:120]} [API #{ctx.token_id}]"
    # No savepoint inside the caller's transaction (every action runs in one): a failure here
    # propagates and rolls the whole action back anyway, so the savepoint only cost two
    # statements per event. Outside a transaction this still opens one.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor=actor_obj,
            actor_label=actor_label
            if actor_label is not None
            else (actor_obj.get_username() if actor_obj else ""),
            action=action,
            object_type=object_type if object_type is not None else auto_type,
            object_id=object_id if object_id is not None else auto_id,
            org_path=getattr(org, "path", "") or "",
            ip=ctx.ip,
            request_id=ctx.request_id,
            details=scrub(details or {}),
            prev_hash=last or GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event
