"""factory_boy factories for the accounts app, and a console session that passed its second
factor (test set-up, not user actions)."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from gonghui.accounts.models import PasswordHistory
from gonghui.platform.testing.factories import MemberFactory, UserFactory
from gonghui.platform.testing.tokens import authenticator


class PasswordHistoryFactory(factory.django.DjangoModelFactory):
    """An earlier password of the user (``User.save`` records the current one itself)."""

    class Meta:
        model = PasswordHistory

    user = factory.SubFactory(UserFactory)
    password = factory.Sequence(lambda n: make_password(f"Earlier-pass-{n}!"))
    created_at = factory.LazyFunction(timezone.now)


def verified_client(user, client: Client | None = None) -> Client:
    """A console session of ``user`` that passed its second factor at login, as in production
    (an authenticator is enrolled for the user if they have none)."""
    device = authenticator(user)
    client = client or Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# Every accounts model and its factory (gonghui/platform/tests/test_factories.py). The user
# factories live in the platform, which reaches the user model through AUTH_USER_MODEL.
FACTORIES = (UserFactory, PasswordHistoryFactory)

__all__ = ["FACTORIES", "MemberFactory", "PasswordHistoryFactory", "UserFactory", "verified_client"]


# --- query counts of pages -------------------------------------------------------------------


def _get(client, url, accept):
    """GET ``url`` and read the whole body (a streamed export runs its queries while read)."""
    response = client.get(url)
    assert response.status_code in accept, f"{url}: {response.status_code}"
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    else:
        response.body = response.content
    return response


def assert_queries_flat(
    django_assert_max_num_queries,
    client,
    url,
    grow,
    *,
    n: int = 3,
    slack: int = 2,
    accept=(200,),
    grows: bool = True,
):
    """The page at ``url`` costs as many queries with 3n rows as with n (give or take
    ``slack``): an N+1 fails. ``grow(k)`` adds k rows the page shows; ``url`` may be a callable
    (for a page about an object ``grow`` made). With ``grows`` the larger page must also be
    longer, so that the rows were really on it (a page that shows nothing is flat too).
    Returns the two counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow(n)
    url = url() if callable(url) else url
    _get(client, url, accept)  # the first visit warms per-process caches (content types ...)
    with CaptureQueriesContext(connection) as small:
        small_body = _get(client, url, accept).body
    grow(2 * n)
    info = f"GET {url}: {len(small)} queries with {n} rows, allowed {slack} more with {3 * n}"
    with django_assert_max_num_queries(len(small) + slack, info=info) as large:
        large_body = _get(client, url, accept).body
    if grows:
        assert len(large_body) > len(small_body), f"{url}: the added rows are not on the page"
    return len(small), len(large)
