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
