"""Last line of defence: mask anything that looks like an ID or a phone, in audit details
(:func:`scrub`) and in every log line the project writes (:class:`RedactPIFilter`)."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

from gonghui.platform.pii.masking import mask_generic, mask_id_list, mask_phone

_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub_text(value: str) -> str:
    value = _ID.sub(lambda m: mask_id_list(m.group(0)), value)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), value)


def scrub(value):
    """Return a JSON-safe copy of ``value`` with ID numbers and phones masked."""
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bool | int | None):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    return scrub_text(str(value))


# --- logs ----------------------------------------------------------------------------------
# Log lines carry what people typed into URLs (``?q=<ID or mobile>``, in request lines and
# referers), so they are redacted more broadly than audit details: legacy 15-digit numbers,
# mobiles written with +86 or separators (URL-encoded too), and any other run of 11 or more
# digits (bank cards, numbers typed without their X).
_SEP = r"(?:[\s\-+]|%20|%2[Dd])?"
_LOG_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_LOG_MOBILE = re.compile(
    rf"(?<!\d)(?:(?:\+|%2[Bb]|00)?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)"
)
_LOG_DIGITS = re.compile(r"(?<!\d)\d{11,}[Xx]?(?![0-9A-Za-z])")


def _mask_mobile(match: re.Match) -> str:
    digits = re.sub(r"%2[BbDd]|%20|\D", "", match.group(0))
    return mask_phone(digits[-11:])


def redact_log_text(text: str) -> str:
    """``text`` with ID numbers, mobiles and long digit runs masked (lists' mask)."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _LOG_ID.sub(lambda m: mask_id_list(m.group(0)), text)
    text = _LOG_MOBILE.sub(_mask_mobile, text)
    return _LOG_DIGITS.sub(lambda m: mask_generic(m.group(0), 1, 1), text)


class RedactedRequest:
    """A request as log records carry it (``record.request``), with a redacted ``str``/``repr``
    (Django's is ``<WSGIRequest: GET '/path?q=…'>``); everything else is the request's."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        return getattr(self._request, name)

    def __str__(self) -> str:
        return redact_log_text(str(self._request))

    def __repr__(self) -> str:
        return redact_log_text(repr(self._request))


class RedactPIFilter(logging.Filter):
    """Masks ID numbers, mobiles and long digit runs in a log record: its message with the
    arguments rendered, its traceback and stack, and the request it carries.

    Installed in ``settings.LOGGING`` on the project's handlers and on the loggers whose records
    carry request lines (``django.request``, ``django.server``) so that no handler sees them
    unmasked, and on gunicorn's loggers (:mod:`gonghui.platform.audit.gunicorn_logging`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: logging reports it itself
            return True
        clean = redact_log_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log_text(record.stack_info)
        request = record.__dict__.get("request")
        if request is not None and not isinstance(request, RedactedRequest):
            if redact_log_text(str(request)) != str(request):
                record.request = RedactedRequest(request)
        return True
