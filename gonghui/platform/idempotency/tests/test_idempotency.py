"""The idempotency-key service: one run per (user, key), replays of the stored response,
refusal of a reused key, rollback with the business write, and the purge command."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from gonghui.platform.idempotency.models import IdempotencyKey, KeyState
from gonghui.platform.idempotency.services import REPLAY_HEADER, idempotent, purge
from gonghui.platform.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


def _request(user, body=None, path="/api/v1/pay/1", key=None):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": str(key)}
    request = RequestFactory().post(
        path, json.dumps(body or {"ref": "A"}), content_type="application/json", **headers
    )
    request.user = user
    request.request_id = "test"
    return request


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return 201, {"n": self.calls, "amount": Decimal("12.50")}


def _code(response):
    return json.loads(response.content)["error"]["code"]


def test_first_call_runs_and_the_repeat_replays(user):
    key, produce = uuid.uuid4(), Counter()
    first = idempotent(_request(user, key=key), None, produce)
    assert first.status_code == 201
    assert json.loads(first.content) == {"n": 1, "amount": "12.50"}
    assert REPLAY_HEADER not in first
    second = idempotent(_request(user, key=key), None, produce)
    assert second.status_code == 201
    assert second.content == first.content
    assert second[REPLAY_HEADER] == "true"
    assert produce.calls == 1
    row = IdempotencyKey.objects.get()
    assert row.state == KeyState.DONE and row.response_status == 201 and row.user == user


def test_explicit_key_argument_wins_over_the_header(user):
    key = uuid.uuid4()
    response = idempotent(_request(user), str(key), Counter())
    assert response.status_code == 201
    assert IdempotencyKey.objects.get().key == key


@pytest.mark.parametrize(
    "change", [{"body": {"ref": "B"}}, {"path": "/api/v1/pay/2"}], ids=["body", "path"]
)
def test_same_key_for_another_request_is_422(user, change):
    key, produce = uuid.uuid4(), Counter()
    idempotent(_request(user, key=key), None, produce)
    response = idempotent(_request(user, key=key, **change), None, produce)
    assert response.status_code == 422
    assert _code(response) == "idempotency_key_reused"
    assert produce.calls == 1


def test_key_in_progress_is_409(user):
    key = uuid.uuid4()
    request = _request(user, key=key)
    from gonghui.platform.idempotency.services import fingerprint

    IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint(request))
    produce = Counter()
    response = idempotent(request, None, produce)
    assert response.status_code == 409
    assert _code(response) == "idempotency_in_progress"
    assert produce.calls == 0


@pytest.mark.parametrize("key", [None, "", "not-a-uuid", "12345"])
def test_missing_or_malformed_key_is_400(user, key):
    produce = Counter()
    response = idempotent(_request(user, key=key), None, produce)
    assert response.status_code == 400
    assert _code(response) == "idempotency_key_required"
    assert produce.calls == 0
    assert not IdempotencyKey.objects.exists()


def test_keys_belong_to_one_user(user):
    key, produce = uuid.uuid4(), Counter()
    idempotent(_request(user, key=key), None, produce)
    other = idempotent(_request(UserFactory(), key=key), None, produce)
    assert json.loads(other.content)["n"] == 2
    assert REPLAY_HEADER not in other


def test_a_failing_call_leaves_no_key_and_may_be_retried(user):
    key = uuid.uuid4()

    def boom():
        IdempotencyKey.objects.create(user=user, key=uuid.uuid4(), fingerprint="x")
        raise RuntimeError("business write failed")

    with pytest.raises(RuntimeError):
        idempotent(_request(user, key=key), None, boom)
    assert not IdempotencyKey.objects.exists()  # the key row and the write rolled back
    assert idempotent(_request(user, key=key), None, Counter()).status_code == 201


def test_purge_keeps_a_day(user):
    old = IdempotencyKey.objects.create(user=user, key=uuid.uuid4(), fingerprint="a")
    recent = IdempotencyKey.objects.create(user=user, key=uuid.uuid4(), fingerprint="b")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyKey.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - timedelta(hours=23)
    )
    with pytest.raises(ValueError):
        purge(timedelta(hours=1))
    with pytest.raises(CommandError):
        call_command("purge_idempotency_keys", "--hours", "2")
    call_command("purge_idempotency_keys")
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [recent.pk]
