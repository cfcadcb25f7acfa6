"""The SMS outbox: every SMS the platform sends is a row first, sent after the transaction
that wrote it commits, never inside the request, and retried when the gateway fails.

* :func:`enqueue_sms` writes the row in the caller's transaction and, on commit, hands it to
  the processor (:func:`queue_sms` does the same for callers that pass their own on-commit
  callback, ``ctx.on_commit(queue_sms(...))``). A rolled-back action sends nothing.
* The processor is chosen like the import runner's (``gonghui/platform/imports/jobs.py``):
  a Celery task when ``REDIS_URL`` is set; otherwise one daemon thread in the web process
  that drains what is due and sleeps until the next retry; ``inline`` in tests
  (``GONGHUI_SMS_RUNNER``).
* Sending a row first claims it (:func:`_claim`): in a short transaction the due row is
  locked (``select_for_update(skip_locked=True)`` on PostgreSQL; SQLite runs one write
  transaction at a time) and its ``next_attempt_at`` moved a lease ahead. Two processors
  therefore never send the same row; a row whose processor died becomes due again when the
  lease ends and ``manage.py send_sms_outbox`` (cron, or the Celery beat entry) sends it.
* A failure (the backend raises) is retried after 30 s, 2, 8, 32 minutes ... up to
  ``SMS_OUTBOX_MAX_ATTEMPTS`` attempts; then the row is ``failed``. The error is kept without
  digits, so no phone number or code reaches ``last_error``. A row past ``expires_at`` (a
  login code nobody can use any more) is failed without sending.
* Sent and failed rows are deleted after ``SMS_OUTBOX_RETENTION_DAYS`` (the command does it).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import F
from django.utils import timezone

from gonghui.platform.sms.backends import get_backend
from gonghui.platform.sms.models import OutboxSMS, OutboxState

logger = logging.getLogger("gonghui.sms")

# How long a claimed row is reserved for the processor sending it (longer than any gateway
# call takes); after that another processor may send it again.
LEASE = timedelta(minutes=5)
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
BATCH = 100


def max_attempts() -> int:
    return max(1, getattr(settings, "SMS_OUTBOX_MAX_ATTEMPTS", 5))


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 2 min, 8 min, 32 min, 1 h."""
    return timedelta(seconds=min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 4 ** (attempts - 1)))


def runner() -> str:
    configured = getattr(settings, "GONGHUI_SMS_RUNNER", None)
    if configured:
        return configured
    return "celery" if getattr(settings, "REDIS_URL", None) else "thread"


# --- queueing ---------------------------------------------------------------------------------


def queue_sms(phone: str, message: str, *, expires_at: datetime | None = None) -> Callable:
    """Write the row now (in the caller's transaction) and return the callback that hands it
    to the processor: pass it to ``on_commit``."""
    now = timezone.now()
    row = OutboxSMS.objects.create(
        phone=phone, message=message, next_attempt_at=now, expires_at=expires_at, created_at=now
    )
    pk = row.pk
    return lambda: hand_over(pk)


def enqueue_sms(phone: str, message: str, *, expires_at: datetime | None = None) -> None:
    """Queue ``message`` to ``phone``; it is sent once the current transaction commits."""
    transaction.on_commit(queue_sms(phone, message, expires_at=expires_at))


def hand_over(pk: int) -> None:
    """Start sending the row ``pk`` in the configured processor."""
    mode = runner()
    if mode == "inline":
        send_queued(pk)
    elif mode == "celery":
        send_queued_task.delay(pk)
    else:
        wake_thread()


# --- sending ----------------------------------------------------------------------------------


def _claim(qs, now: datetime) -> list[int]:
    """Reserve the due rows of ``qs`` for this processor (see the module docstring)."""
    with transaction.atomic():
        due = (
            qs.select_for_update(skip_locked=True)
            .filter(state=OutboxState.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        claimed = []
        for pk in list(due):
            # Conditional: a row another processor claimed meanwhile is no longer due.
            if OutboxSMS.objects.filter(
                pk=pk, state=OutboxState.QUEUED, next_attempt_at__lte=now
            ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1):
                claimed.append(pk)
        return claimed


def _clean_error(exc: Exception) -> str:
    """The error for ``last_error``: its type and text with every run of digits removed."""
    text = re.sub(r"\+?\d[\d\s-]{2,}\d|\d+", "#", str(exc))
    return f"{type(exc).__name__}: {text}"[:200]


def _send_claimed(pk: int, now: datetime) -> bool:
    row = OutboxSMS.objects.get(pk=pk)
    if row.expires_at is not None and row.expires_at <= now:
        OutboxSMS.objects.filter(pk=pk).update(
            state=OutboxState.FAILED, next_attempt_at=None, last_error="expired before sending"
        )
        return False
    try:
        get_backend().send(row.phone, row.message)
    except Exception as exc:  # any gateway failure is retried; the row keeps the reason
        error = _clean_error(exc)
        if row.attempts >= max_attempts():
            OutboxSMS.objects.filter(pk=pk).update(
                state=OutboxState.FAILED, next_attempt_at=None, last_error=error
            )
            logger.error("SMS %s failed after %s attempts: %s", pk, row.attempts, error)
        else:
            OutboxSMS.objects.filter(pk=pk).update(
                next_attempt_at=now + retry_delay(row.attempts), last_error=error
            )
            logger.warning("SMS %s attempt %s failed: %s", pk, row.attempts, error)
        return False
    OutboxSMS.objects.filter(pk=pk).update(
        state=OutboxState.SENT, sent_at=timezone.now(), next_attempt_at=None
    )
    return True


def send_queued(pk: int, *, now: datetime | None = None) -> bool:
    """Send the row ``pk`` if it is due and no other processor has it; True when sent."""
    now = now or timezone.now()
    claimed = _claim(OutboxSMS.objects.filter(pk=pk), now)
    return bool(claimed) and _send_claimed(claimed[0], now)


def send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send every due row, a batch at a time; returns the counts sent and not sent."""
    counts = {"sent": 0, "not_sent": 0}
    while True:
        moment = now or timezone.now()
        claimed = _claim(OutboxSMS.objects.all(), moment)
        for pk in claimed:
            counts["sent" if _send_claimed(pk, moment) else "not_sent"] += 1
        if len(claimed) < BATCH:
            return counts


def purge_finished(*, now: datetime | None = None) -> int:
    """Delete sent and failed rows older than ``SMS_OUTBOX_RETENTION_DAYS`` (default 30):
    the phone and the text are personal information kept only as long as an enquiry about
    a message ("I never got the code") needs them."""
    days = getattr(settings, "SMS_OUTBOX_RETENTION_DAYS", 30)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = OutboxSMS.objects.filter(
        state__in=[OutboxState.SENT, OutboxState.FAILED], created_at__lt=cutoff
    ).delete()
    return deleted


def next_due_at() -> datetime | None:
    row = (
        OutboxSMS.objects.filter(state=OutboxState.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return row


# --- Celery -----------------------------------------------------------------------------------


@shared_task(name="sms.send_queued", ignore_result=True)
def send_queued_task(pk: int) -> None:
    send_queued(pk)
    row = OutboxSMS.objects.filter(pk=pk, state=OutboxState.QUEUED).first()
    if row is not None and row.next_attempt_at is not None:
        # Failed, to be retried: at its time (the beat entry catches it if this is lost).
        delay = max(0, (row.next_attempt_at - timezone.now()).total_seconds())
        send_queued_task.apply_async((pk,), countdown=delay)


@shared_task(name="sms.send_sms_outbox", ignore_result=True)
def send_sms_outbox_task() -> None:
    send_due()


# --- the embedded thread ----------------------------------------------------------------------

_wake = threading.Condition()
_state = {"thread": None, "wanted": False}
# The thread sleeps at most this long between looks at the outbox while retries wait.
IDLE_POLL_SECONDS = 60


def wake_thread() -> None:
    """Make the web process's outbox thread send what is due, starting it if need be."""
    with _wake:
        _state["wanted"] = True
        thread = _state["thread"]
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_thread_main, name="sms-outbox", daemon=True)
            _state["thread"] = thread
            thread.start()
        _wake.notify()


def _thread_main() -> None:
    close_old_connections()
    try:
        while True:
            with _wake:
                _state["wanted"] = False
            send_due()
            upcoming = next_due_at()
            with _wake:
                if _state["wanted"]:
                    continue  # more was queued while sending
                if upcoming is None:
                    _state["thread"] = None
                    return  # nothing left; the next enqueue starts a thread again
                wait = (upcoming - timezone.now()).total_seconds()
                if wait > 0:
                    _wake.wait(timeout=min(wait, IDLE_POLL_SECONDS))
    except Exception:
        logger.exception("the SMS outbox thread stopped; manage.py send_sms_outbox sends the rest")
        with _wake:
            _state["thread"] = None
    finally:
        connections.close_all()
