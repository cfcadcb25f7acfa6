"""Run an API write at most once per ``Idempotency-Key``.

::

    return idempotent(request, idempotency_key, lambda: (200, payment_body(...)))

* the header is required and must be a UUID, else 400 ``idempotency_key_required``;
* the key row is inserted in the same transaction as the business write: the first call
  runs ``produce`` and stores its (status, body); a repeat with the same method, path and
  body answers the stored response with ``Idempotent-Replayed: true``; the same key with
  another request answers 422 ``idempotency_key_reused``; a key whose call has not finished
  answers 409 ``idempotency_in_progress``;
* if ``produce`` raises, the transaction (key row included) rolls back and the error is
  answered as usual: the client may retry with the same key.

On PostgreSQL two concurrent calls with one key serialise on the unique index: the second
insert waits for the first transaction and then sees its committed row.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.platform.api.errors import error_response
from gonghui.platform.idempotency.models import IdempotencyKey, KeyState

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
# Keys are kept at least this long; purge_idempotency_keys refuses anything shorter.
MIN_RETENTION = timedelta(hours=24)


class IdempotencyError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def parse_key(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        raise IdempotencyError(
            400,
            "idempotency_key_required",
            _("Send an Idempotency-Key header with a UUID for this request."),
        ) from None


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\n")
    digest.update(request.get_full_path().encode())
    digest.update(b"\n")
    digest.update(request.body or b"")
    return digest.hexdigest()


def _error(request, exc: IdempotencyError) -> JsonResponse:
    return error_response(request, exc.status, exc.code, exc.message)


def _normalise(body):
    """The body as it will be stored and replayed (Decimal → str, dates → ISO)."""
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _replay(request, row: IdempotencyKey, fp: str) -> JsonResponse:
    if row.fingerprint != fp:
        raise IdempotencyError(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request."),
        )
    if row.state != KeyState.DONE:
        raise IdempotencyError(
            409,
            "idempotency_in_progress",
            _("A request with this Idempotency-Key is still being processed. Try again."),
        )
    response = _respond(row.response_body, row.response_status)
    response[REPLAY_HEADER] = "true"
    return response


def idempotent(request, key: str | None, produce: Callable[[], tuple[int, object]]) -> JsonResponse:
    """Answer ``produce()`` once per (user, key); see the module docstring."""
    try:
        parsed = parse_key(key if key is not None else request.headers.get(HEADER))
        fp = fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        user_id=request.user.pk, key=parsed, fingerprint=fp
                    )
            except IntegrityError:
                existing = IdempotencyKey.objects.get(user_id=request.user.pk, key=parsed)
                return _replay(request, existing, fp)
            status, body = produce()
            body = _normalise(body)
            row.state = KeyState.DONE
            row.response_status = status
            row.response_body = body
            row.save(update_fields=["state", "response_status", "response_body"])
    except IdempotencyError as exc:
        return _error(request, exc)
    return _respond(body, status)


def _respond(body, status: int) -> JsonResponse:
    # Keys sorted: PostgreSQL's jsonb does not keep their order, and a replay must answer
    # byte for byte what the first call answered.
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"sort_keys": True})


def purge(older_than: timedelta = MIN_RETENTION) -> int:
    """Delete keys older than ``older_than`` (never less than 24 hours)."""
    if older_than < MIN_RETENTION:
        raise ValueError("idempotency keys are kept for at least 24 hours")
    deleted, _rows = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
