"""Idle timeout for staff sessions (等保: sessions end after inactivity)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

from gonghui.platform.audit.services import record_event

_KEY = "_gonghui_last_seen"


class ActiveAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.kind != "member":
            now = int(time.time())
            last = request.session.get(_KEY)
            if last is not None and now - last > settings.GONGHUI_STAFF_IDLE_SECONDS:
                record_event(actor=user, action="auth.session_expired", obj=user)
                logout(request)
            elif last is None or now - last >= 30:
                # Refreshing at most every 30 s spares a session write on every request.
                request.session[_KEY] = now
        return self.get_response(request)
