"""The session engine (``SESSION_ENGINE``): Django's database sessions, with the read that
every signed-in request makes compiled once (:class:`~gonghui.platform.access.scoping.
PreparedRead`) instead of built and compiled by the ORM each time (~0.3 ms of CPU, bench B5).

Storage, expiry, key rotation, saving and deleting are Django's ``backends.db`` unchanged:
a deleted or expired session row is gone on the very next request, in every worker.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from gonghui.platform.security.prepared import PreparedRead


def _session_query(_number, at, session_key):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=session_key, expire_date__gt=at).values_list(
        "session_data"
    )


_SESSION = PreparedRead(_session_query, uses=("at", "text"))


# The keys Django generates (``get_random_string(32, VALID_KEY_CHARS)``): anything else in the
# cookie is no session, and is never sent to the database (PostgreSQL refuses a NUL in text).
_KEY_CHARS = frozenset(VALID_KEY_CHARS)


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(key) and 8 <= len(key) <= 40 and _KEY_CHARS.issuperset(key)

    def load(self):
        rows = _SESSION.rows(at=timezone.now(), text=self.session_key) if self.session_key else []
        if not rows:
            self._session_key = None
            return {}
        return self.decode(rows[0][0])
