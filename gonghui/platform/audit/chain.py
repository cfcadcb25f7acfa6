"""Hash chain over audit events."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

GENESIS = "0" * 64


def canonical(event) -> str:
    occurred = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = [
        event.prev_hash,
        occurred,
        event.actor_id,
        event.actor_label,
        event.action,
        event.object_type,
        event.object_id,
        event.org_path,
        event.ip,
        event.request_id,
        event.details,
    ]
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(event) -> str:
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()


def verify_chain(queryset, chunk_size: int = 2000, start: str = GENESIS):
    """Return ``(checked, first_broken_event_or_None, reason)`` walking in id order.

    ``start`` is the ``prev_hash`` of the first event: GENESIS, or after a purge the anchor
    recorded by its ``audit.purge`` event (see retention.py)."""
    previous = start
    checked = 0
    for event in queryset.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != previous:
            return checked, event, "prev_hash does not match the previous event"
        if compute_hash(event) != event.hash:
            return checked, event, "content does not match its hash"
        previous = event.hash
        checked += 1
    return checked, None, ""
