"""Session controls (AUTH-4, AUTH-8, AC-8) and the forced password change (AUTH-2).

* Idle timeout for staff and partner sessions (等保: sessions end after inactivity):
  ``GONGHUI_STAFF_IDLE_SECONDS`` (30 min), ``GONGHUI_OFFICER_IDLE_SECONDS`` (15 min) for
  holders of a 三员 role. The last activity is refreshed at most every 30 s.
* Absolute lifetime for every session, members included: ``GONGHUI_SESSION_MAX_SECONDS``
  (12 h) after the login, whatever the activity. The login time is stored in the session by
  :func:`stamp_login_time` (``user_logged_in``).
* A deactivated account is anonymous on its next request (Django's backend refuses inactive
  users when it reloads the session user); a staff account without an active grant is sent
  to the login page by the console (``ConsoleSite.has_permission``), and its permissions are
  re-read from the grants on every request.
* An expired admin/三员 password (gonghui/accounts/passwords.py), or one that no longer meets
  the policy, sends every console page to ``/console/password_change/`` until it is changed.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect

from gonghui.platform.access.actions import is_officer
from gonghui.platform.audit.services import record_event

_KEY = "_gonghui_last_seen"
LOGIN_AT_KEY = "_gonghui_login_at"
# Set at login when the (correct) password no longer meets the policy.
PASSWORD_CHANGE_KEY = "_gonghui_password_change_required"  # noqa: S105

PASSWORD_CHANGE_URL = "/console/password_change/"  # noqa: S105
# Console pages reachable while a password change is due.
_CHANGE_EXEMPT = (
    "/console/password_change/",
    "/console/login/",
    "/console/logout/",
    "/console/jsi18n/",
    "/console/2fa/",
)


def idle_limit(user, idle_for: int) -> int:
    """The idle limit that applies to ``user``; the role query runs only when the session
    has been idle longer than the shorter (三员) limit, i.e. almost never."""
    staff = settings.GONGHUI_STAFF_IDLE_SECONDS
    officer = min(settings.GONGHUI_OFFICER_IDLE_SECONDS, staff)
    if idle_for <= officer:
        return staff
    return officer if is_officer(user) else staff


@receiver(user_logged_in)
def stamp_login_time(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT_KEY] = now
    request.session[_KEY] = now
    request.session.pop(PASSWORD_CHANGE_KEY, None)
    password = request.POST.get("password") if request.method == "POST" else None
    if password and user.kind != "member":
        from gonghui.accounts.passwords import policy_violations

        if policy_violations(password, user):
            request.session[PASSWORD_CHANGE_KEY] = True


class ActiveAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, user):
        now = int(time.time())
        session = request.session
        login_at = session.get(LOGIN_AT_KEY)
        if login_at is None:
            session[LOGIN_AT_KEY] = now  # a session from before this control existed
        elif now - login_at > settings.GONGHUI_SESSION_MAX_SECONDS:
            record_event(
                actor=user, action="auth.session_expired", obj=user, details={"reason": "absolute"}
            )
            logout(request)
            return None
        if user.kind == "member":
            return None
        last = session.get(_KEY)
        if last is not None and now - last > idle_limit(user, now - last):
            record_event(
                actor=user, action="auth.session_expired", obj=user, details={"reason": "idle"}
            )
            logout(request)
            return None
        if last is None or now - last >= 30:
            # Refreshing at most every 30 s spares a session write on every request.
            session[_KEY] = now
        return self._password_gate(request, user)

    def _password_gate(self, request, user):
        path = request.path
        if not path.startswith("/console/") or path.startswith(_CHANGE_EXEMPT):
            return None
        from gonghui.accounts.passwords import password_expired

        if request.session.get(PASSWORD_CHANGE_KEY) or password_expired(user):
            return redirect(PASSWORD_CHANGE_URL)
        return None
