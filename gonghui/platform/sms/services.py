"""One-time SMS codes: 6 digits, short life, single use, rate-limited per phone and per IP."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.platform.pii.fields import index_for
from gonghui.platform.sms.models import SMSCode
from gonghui.platform.sms.outbox import enqueue_sms


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class CodeInvalid(Exception):
    pass


@dataclass(frozen=True)
class SentCode:
    code: str  # returned so that demo mode can show it; never logged in production
    expires_at: object


def _hash(code: str, phone_index: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{phone_index}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def send_login_code(*, phone: str, ip: str | None, purpose: str = "login") -> SentCode:
    """Create and send a code. ``phone`` must already be a validated mobile number."""
    now = timezone.now()
    phone_index = index_for("phone", phone)
    with transaction.atomic():
        recent = SMSCode.objects.filter(phone_index=phone_index)
        # SMS_RATE_PER_PHONE_MINUTE codes a minute per purpose (a worker may apply to join,
        # then log in); the hourly cap below counts every purpose.
        in_last_minute = list(
            recent.filter(purpose=purpose, created_at__gt=now - timedelta(seconds=60))
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(in_last_minute) >= max(1, settings.SMS_RATE_PER_PHONE_MINUTE):
            wait = max(1, 60 - int((now - in_last_minute[0]).total_seconds()))
            raise RateLimited(
                _("Please wait %(s)s seconds before asking for a new code.") % {"s": wait}, wait
            )
        hour_ago = now - timedelta(hours=1)
        if recent.filter(created_at__gte=hour_ago).count() >= settings.SMS_RATE_PER_PHONE_HOUR:
            raise RateLimited(_("Too many codes for this number. Try again in an hour."), 3600)
        if ip and SMSCode.objects.filter(ip=ip, created_at__gte=hour_ago).count() >= (
            settings.SMS_RATE_PER_IP_HOUR
        ):
            raise RateLimited(_("Too many codes from this network. Try again later."), 3600)
        code = f"{secrets.randbelow(10**6):06d}"
        # A new code supersedes the older unused ones.
        recent.filter(used_at__isnull=True, purpose=purpose).update(used_at=now)
        row = SMSCode.objects.create(
            phone_index=phone_index,
            purpose=purpose,
            code_hash=_hash(code, phone_index),
            ip=ip or "",
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        params = {"code": code, "m": settings.SMS_CODE_TTL_SECONDS // 60}
        if purpose == "join":
            message = (
                _(
                    "[gonghui] Your code for the union membership application is %(code)s, valid "
                    "for %(m)s minutes. Do not share it."
                )
                % params
            )
        else:
            message = (
                _(
                    "[gonghui] Your login code is %(code)s, valid for %(m)s minutes. "
                    "Do not share it."
                )
                % params
            )
        # Through the outbox, sent the moment this commits; not after the code has expired.
        enqueue_sms(phone, message, expires_at=row.expires_at)
    return SentCode(code=code, expires_at=row.expires_at)


def verify_login_code(*, phone: str, code: str, purpose: str = "login") -> None:
    """Consume the code or raise :class:`CodeInvalid`. Wrong guesses count; after
    ``SMS_CODE_MAX_ATTEMPTS`` the code is dead."""
    now = timezone.now()
    phone_index = index_for("phone", phone)
    code = (code or "").strip()
    error = None
    # No savepoint: nothing inside raises on purpose, and a caller may run this inside its own
    # transaction (the public join form consumes the code with the application it creates).
    with transaction.atomic(savepoint=False):
        row = (
            SMSCode.objects.select_for_update()
            .filter(
                phone_index=phone_index, purpose=purpose, used_at__isnull=True, expires_at__gt=now
            )
            .order_by("-created_at")
            .first()
        )
        if row is None:
            error = _("The code has expired or was already used. Ask for a new one.")
        elif row.attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
            error = _("Too many wrong codes. Ask for a new one.")
        elif not (
            len(code) == 6
            and code.isdigit()
            and hmac.compare_digest(row.code_hash, _hash(code, phone_index))
        ):
            # Counted and committed before we raise, so guesses cannot be replayed.
            row.attempts += 1
            row.save(update_fields=["attempts"])
            error = _("The code is not correct.")
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
    if error:
        raise CodeInvalid(error)
