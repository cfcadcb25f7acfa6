"""Mark logout responses so that the middleware adds ``Clear-Site-Data`` (DATA-5)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out, dispatch_uid="gonghui.security.clear_site_data")
def _mark_logout(sender, request, user, **kwargs):
    if request is not None:
        request._gonghui_clear_site_data = True
