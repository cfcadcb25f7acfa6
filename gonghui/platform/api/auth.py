"""API authentication: the console session, or a scoped bearer token.

A request that carries ``Authorization: Bearer …`` is decided by the token alone:

* :class:`BearerTokenMiddleware` (after the session and second-factor middleware) checks the
  token once, before the API routes the request: a bad, unknown, expired or revoked token
  answers ``401 {"error": {"code": "unauthenticated"}}`` whatever the method (also for a
  method the route lacks, and never ``403 CSRF check Failed``); a good one makes the token's
  user the request's user, limited to the token's permissions;
* :class:`TokenAuth` hands that user to django-ninja;
* :class:`SessionAuth` never looks at such a request, so a bad token never falls back to a
  browser session riding along.

Every request made with a token writes one audit event ``auth.token_request`` (method and
path, never the query string), and every audit event of that request names the token
(``details.token`` and the actor name ``user [API #id]``, gonghui/platform/audit/services.py).
A known token that can no longer be used is audited as ``auth.token_refused`` with the reason.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from gonghui.platform.access.models import APIToken, hash_token
from gonghui.platform.access.scoping import clear_cache
from gonghui.platform.api.errors import error_response
from gonghui.platform.audit import context
from gonghui.platform.audit.services import record_event

API_PREFIX = "/api/"
_RESOLVED = "_gonghui_bearer"
MAX_TOKEN_LENGTH = 200


def sends_bearer(request) -> bool:
    """The request names a bearer token (``Authorization: Bearer …``, any case, even empty)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header.split(" ", 1)[0].strip().lower() == "bearer"


def _raw_token(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header.split(" ", 1)[1].strip() if " " in header else ""


def _refusal(row: APIToken) -> str | None:
    from gonghui.platform.access.actions import token_refusal

    reason = row.refusal()
    if reason:
        return reason
    user = row.user
    if not user.is_active:
        return "user_inactive"
    if token_refusal(user):
        return "user_not_eligible"  # a member, a partner, or now one of the 三员
    return None


def bearer_user(request):
    """The user the request's bearer token acts as (limited to the token's permissions), or
    None for a missing, unknown or unusable token. Resolved once per request."""
    if hasattr(request, _RESOLVED):
        return getattr(request, _RESOLVED)
    user = None
    raw = _raw_token(request)
    row = None
    if raw and len(raw) <= MAX_TOKEN_LENGTH:
        row = APIToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if row is not None:
        reason = _refusal(row)
        if reason:
            record_event(
                actor=row.user,
                action="auth.token_refused",
                obj=row,
                details={"token": row.pk, "reason": reason, **_request_details(request)},
            )
        else:
            user = _act_as(request, row)
    setattr(request, _RESOLVED, user)
    return user


def _request_details(request) -> dict:
    return {"method": request.method, "path": request.path[:200]}


def _act_as(request, row: APIToken):
    user = row.user
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        APIToken.objects.filter(pk=row.pk).update(last_used_at=now)
    user.token_permissions = frozenset(row.permissions)
    clear_cache(user)
    request.user = user
    request.api_token = row
    # Every audit event of this request names the token. RequestContextMiddleware resets the
    # context at the end of the request (contextvars restore the value before its own bind).
    context.bind(dataclasses.replace(context.current(), token_id=row.pk))
    # No object: the token's own history (console) stays its creation, limits and revocation;
    # its uses are found by the actor name "user [API #id]" or details.token.
    record_event(actor=user, action="auth.token_request", details=_request_details(request))
    return user


def unauthenticated_response(request) -> JsonResponse:
    return error_response(
        request,
        401,
        "unauthenticated",
        _("Log in or send a valid API token."),
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


class BearerTokenMiddleware:
    """Decides every bearer request to the protected API before routing (see module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX) and sends_bearer(request):
            from gonghui.platform.access.url_policy import policy_for

            if policy_for(request.path_info) == "api" and bearer_user(request) is None:
                return unauthenticated_response(request)
        return self.get_response(request)


class SessionAuth(APIKeyCookie):
    """The browser session (CSRF is checked on unsafe methods). Never used for a request that
    carries a bearer token: the token alone decides it (401 when it is bad); a request with no
    logged-in session is 401 too, whatever its method, not a CSRF 403."""

    def __init__(self):
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request):
        if sends_bearer(request):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session to protect: 401 (unauthenticated), not a CSRF 403
        return super().__call__(request)

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer gh_…``: acts as the token's user, limited to its permissions."""

    def authenticate(self, request, token):
        return bearer_user(request)


AUTH = [TokenAuth(), SessionAuth()]
