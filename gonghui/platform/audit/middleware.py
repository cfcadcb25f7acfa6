"""Binds a request id and the client address to the request for audit and logging."""

from __future__ import annotations

import re
import uuid

from django.conf import settings

from gonghui.platform.audit import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def client_ip(request) -> str | None:
    """The client's address. Behind nginx, REMOTE_ADDR is the proxy, which passes the client
    in X-Real-IP; that header is believed only when the request came from a configured
    proxy (``GONGHUI_TRUSTED_PROXIES``), otherwise anyone could write any IP into the audit
    log. X-Forwarded-For chains are never read."""
    remote = request.META.get("REMOTE_ADDR") or None
    real = request.META.get("HTTP_X_REAL_IP", "").strip()
    if (
        real
        and remote in settings.GONGHUI_TRUSTED_PROXIES
        and re.fullmatch(r"[0-9a-fA-F:.]{3,45}", real)
    ):
        return real
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
