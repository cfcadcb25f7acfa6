"""Login, logout and failed-login events."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from gonghui.platform.audit.scrub import scrub_text
from gonghui.platform.audit.services import record_event


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    method = getattr(request, "login_method", "password") if request is not None else "unknown"
    record_event(actor=user, action="auth.login", obj=user, details={"method": method})


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record_event(
        actor=None,
        action="auth.login_failed",
        actor_label=scrub_text(username),
        details={"username": scrub_text(username)},
    )
