"""API authentication: the portal/console session, or a scoped bearer token."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from gonghui.platform.access.models import APIToken, hash_token
from gonghui.platform.access.scoping import clear_cache


class SessionAuth(APIKeyCookie):
    """The browser session (CSRF is checked on unsafe methods)."""

    def __init__(self):
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer gh_…``: acts as the token's user, limited to its permissions."""

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        try:
            row = APIToken.objects.select_related("user").get(key_hash=hash_token(token))
        except APIToken.DoesNotExist:
            return None
        user = row.user
        if not row.usable or not user.is_active or user.kind == "member":
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
            APIToken.objects.filter(pk=row.pk).update(last_used_at=now)
        user.token_permissions = frozenset(row.permissions)
        clear_cache(user)
        request.user = user
        return user


AUTH = [TokenAuth(), SessionAuth()]
