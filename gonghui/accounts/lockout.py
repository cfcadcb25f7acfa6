"""Login lockout (AUTH-3) with django-axes, plus a per-IP throttle.

* Per username: ``AXES_FAILURE_LIMIT`` (5) failures within ``AXES_COOLOFF_TIME`` (30 minutes)
  lock that username for 30 minutes after the last counted failure. Attempts made while
  locked are refused without being counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
  = False``), so the lock really ends 30 minutes after it started; a successful login resets
  the count (``AXES_RESET_ON_SUCCESS``).
* Per client IP: ``GONGHUI_LOGIN_IP_FAILURE_LIMIT`` (30) failures over all usernames within the
  same window refuse every password login from that address (password spraying). Counted from
  axes' own ``AccessAttempt`` rows, so it holds across worker processes without Redis.
* The client IP is the project's trusted-proxy address (X-Real-IP only from
  ``GONGHUI_TRUSTED_PROXIES``), see :func:`gonghui.platform.audit.middleware.client_ip`.
* A lockout writes ``auth.locked_out`` to the audit log; every failure already writes
  ``auth.login_failed`` (gonghui/platform/audit/signals.py, never the password).
* The security administrator sees current lockouts at ``/console/axes/accessattempt/`` and
  unlocks with :func:`gonghui.accounts.actions.unlock_user` (audited).

``authenticate()`` without a request (Django's test client ``login()``, a shell) cannot be
attributed to a client, so axes would refuse it outright; :class:`LoginBackend` instead
still refuses a locked username but does not count the failure. Every web login path passes
the request (the console login form does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off, get_failure_limit
from axes.middleware import AxesMiddleware
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Max, Sum
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from gonghui.platform.audit.middleware import client_ip as _client_ip
from gonghui.platform.audit.services import record_event


def client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the same address the audit log records."""
    return _client_ip(request)


def cool_off() -> timedelta:
    return get_cool_off() or timedelta(minutes=30)


def _window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - cool_off()


def _failures(**filters) -> int:
    from axes.models import AccessAttempt

    total = (
        AccessAttempt.objects.filter(attempt_time__gte=_window_start(), **filters)
        .aggregate(n=Sum("failures_since_start"))
        .get("n")
    )
    return total or 0


def username_locked(username: str | None) -> bool:
    if not username:
        return False
    return _failures(username=username) >= get_failure_limit(None, {"username": username})


def ip_throttled(ip: str | None) -> bool:
    if not ip:
        return False
    return _failures(ip_address=ip) >= settings.GONGHUI_LOGIN_IP_FAILURE_LIMIT


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    last_attempt: datetime
    locked_until: datetime


def current_lockouts() -> list[Lockout]:
    """Usernames locked now, most recent first (for the security administrator's page)."""
    from axes.models import AccessAttempt

    limit = settings.AXES_FAILURE_LIMIT if isinstance(settings.AXES_FAILURE_LIMIT, int) else 5
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=_window_start())
        .exclude(username__isnull=True)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last")
    )
    return [Lockout(r["username"], r["failures"], r["last"], r["last"] + cool_off()) for r in rows]


class LoginBackend(AxesStandaloneBackend):
    """First entry of ``AUTHENTICATION_BACKENDS``: refuses locked usernames and throttled
    addresses before the password is checked. It authenticates nobody itself."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.AXES_ENABLED:
            return None
        if request is None:
            if username_locked(username):
                raise AxesBackendPermissionDenied("locked out (no request)")
            return None
        if ip_throttled(client_ip(request)):
            # Flagged as locked so that axes does not count this attempt against the username
            # (the address is the problem, not the account).
            request.gonghui_ip_throttled = True
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("too many failures from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the 429 page saying the account is locked for 30 minutes."""
    minutes = int(cool_off().total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "reason": "account"},
        status=429,
    )


def ip_throttled_response(request):
    minutes = int(cool_off().total_seconds() // 60)
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "reason": "address"},
        status=429,
    )


class LoginLockoutMiddleware(AxesMiddleware):
    """axes' middleware (turns a lockout flagged during authentication into the lockout page),
    plus the same for the per-IP throttle."""

    async_capable = False

    def __call__(self, request):
        response = super().__call__(request)
        if getattr(request, "gonghui_ip_throttled", False):
            response = ip_throttled_response(request)
        return response


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    # axes also sends this for an attempt refused during an existing lockout (then the
    # failure count on the request is None): only the start of a lockout is an event.
    if request is not None and getattr(request, "axes_failures_since_start", None) is None:
        return
    record_event(
        actor=None,
        action="auth.locked_out",
        actor_label=(username or "")[:150],
        details={
            "username": (username or "")[:150],
            "minutes": int(cool_off().total_seconds() // 60),
        },
    )
