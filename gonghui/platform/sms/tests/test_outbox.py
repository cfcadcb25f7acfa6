"""Every SMS goes through the outbox: written with what it is about, sent only after that
commits (never inside the request), retried when the gateway fails, given up after the last
attempt, and sent once even when two processors look at the outbox together."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from gonghui.platform.sms import outbox
from gonghui.platform.sms.backends import BaseBackend, LocmemBackend
from gonghui.platform.sms.models import OutboxSMS, OutboxState
from gonghui.platform.testing.factories import OutboxSMSFactory

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


class FlakyBackend(BaseBackend):
    """Fails while ``failures`` is above zero, like a gateway that times out; then delivers."""

    failures = 0
    calls: list[str] = []
    delivered: list[tuple[str, str]] = []

    def send(self, phone, message):
        type(self).calls.append(phone)
        if type(self).failures > 0:
            type(self).failures -= 1
            raise TimeoutError(f"gateway timed out sending to {phone}")
        type(self).delivered.append((phone, message))


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakyBackend"
    settings.SMS_OUTBOX_MAX_ATTEMPTS = 3
    FlakyBackend.failures = 0
    FlakyBackend.calls = []
    FlakyBackend.delivered = []
    return FlakyBackend


def test_the_login_request_only_queues_the_code_and_commit_sends_it(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/m/login/", {"phone": PHONE})
    assert response.status_code == 302
    # The request has answered: the code is queued, nothing went to the gateway yet.
    row = OutboxSMS.objects.get()
    assert row.state == OutboxState.QUEUED and row.phone == PHONE
    assert LocmemBackend.outbox == []
    for callback in callbacks:
        callback()
    row.refresh_from_db()
    assert row.state == OutboxState.SENT and row.sent_at is not None and row.attempts == 1
    assert LocmemBackend.outbox == [(PHONE, row.message)]


def test_the_phone_and_the_code_are_not_readable_in_the_table(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/m/login/", {"phone": PHONE})
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, message FROM sms_outboxsms")
        stored_phone, stored_message = cursor.fetchone()
    sent_message = LocmemBackend.outbox[0][1]
    assert PHONE not in stored_phone and PHONE not in stored_message
    assert stored_message != sent_message and "gonghui" not in stored_message


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.enqueue_sms(PHONE, "[gonghui] never")
            raise RuntimeError("the action failed")
    assert not OutboxSMS.objects.exists()
    assert LocmemBackend.outbox == []


def test_a_failed_send_is_retried_later_and_then_delivered(
    flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_sms(PHONE, "[gonghui] Your application was received.")
    row = OutboxSMS.objects.get()
    assert row.state == OutboxState.QUEUED and row.attempts == 1
    # The error is kept without the number the gateway quoted.
    assert row.last_error.startswith("TimeoutError") and "138" not in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=20)

    assert outbox.send_due() == {"sent": 0, "not_sent": 0}  # not yet due
    assert outbox.send_due(now=row.next_attempt_at) == {"sent": 1, "not_sent": 0}
    row.refresh_from_db()
    assert row.state == OutboxState.SENT and row.attempts == 2
    assert flaky.delivered == [(PHONE, "[gonghui] Your application was received.")]


def test_the_wait_grows_between_attempts():
    waits = [outbox.retry_delay(n).total_seconds() for n in range(1, 7)]
    assert waits == [30, 120, 480, 1920, 3600, 3600]


def test_after_the_last_attempt_the_sms_is_given_up(flaky, django_capture_on_commit_callbacks):
    flaky.failures = 99
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_sms(PHONE, "[gonghui] notice")
    later = timezone.now()
    for _ in range(5):
        later += timedelta(hours=2)
        outbox.send_due(now=later)
    row = OutboxSMS.objects.get()
    assert row.state == OutboxState.FAILED and row.attempts == 3
    assert len(flaky.calls) == 3  # three attempts, then no more
    assert flaky.delivered == []


def test_a_login_code_is_not_sent_after_it_expired(flaky, django_capture_on_commit_callbacks):
    flaky.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_sms(
            PHONE, "[gonghui] code 123456", expires_at=timezone.now() + timedelta(seconds=20)
        )
    outbox.send_due(now=timezone.now() + timedelta(minutes=1))
    row = OutboxSMS.objects.get()
    assert row.state == OutboxState.FAILED and "expired" in row.last_error
    assert flaky.delivered == []


class SecondProcessorMeanwhile(BaseBackend):
    """While this processor is inside the gateway call, another one sends what is due."""

    sent: list[str] = []
    seen_by_second: list[dict] = []

    def send(self, phone, message):
        type(self).sent.append(phone)
        type(self).seen_by_second.append(outbox.send_due())


def test_a_row_being_sent_is_not_sent_again_by_another_processor(settings):
    settings.SMS_BACKEND = f"{__name__}.SecondProcessorMeanwhile"
    SecondProcessorMeanwhile.sent = []
    SecondProcessorMeanwhile.seen_by_second = []
    row = OutboxSMSFactory()
    assert outbox.send_queued(row.pk) is True
    # The second processor found the row claimed, not due: it sent nothing.
    assert SecondProcessorMeanwhile.seen_by_second == [{"sent": 0, "not_sent": 0}]
    assert SecondProcessorMeanwhile.sent == [row.phone]
    assert outbox.send_queued(row.pk) is False  # already sent
    assert OutboxSMS.objects.get().attempts == 1


def test_the_command_sends_what_a_stopped_process_left_behind(capsys):
    # One row never handed over (the process died after commit), one claimed by a processor
    # that died mid-send: its lease has run out.
    left = OutboxSMSFactory()
    stalled = OutboxSMSFactory(attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1))
    later = OutboxSMSFactory(next_attempt_at=timezone.now() + timedelta(minutes=10))
    call_command("send_sms_outbox")
    assert "sent 2" in capsys.readouterr().out
    assert {p for p, _m in LocmemBackend.outbox} == {left.phone, stalled.phone}
    later.refresh_from_db()
    assert later.state == OutboxState.QUEUED


def test_the_command_deletes_finished_rows_after_the_retention_period(settings):
    settings.SMS_OUTBOX_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    OutboxSMSFactory(state=OutboxState.SENT, created_at=old, next_attempt_at=None)
    OutboxSMSFactory(state=OutboxState.FAILED, created_at=old, next_attempt_at=None)
    recent = OutboxSMSFactory(
        state=OutboxState.SENT, created_at=timezone.now() - timedelta(days=29)
    )
    stuck = OutboxSMSFactory(created_at=old, next_attempt_at=timezone.now() + timedelta(hours=1))
    call_command("send_sms_outbox")
    assert set(OutboxSMS.objects.values_list("pk", flat=True)) == {recent.pk, stuck.pk}


def test_the_thread_runner_sends_after_commit_without_the_request_waiting(
    settings, transactional_db
):
    """Without Redis the web process's outbox thread sends the SMS once the data commits."""
    settings.GONGHUI_SMS_RUNNER = "thread"
    with transaction.atomic():
        outbox.enqueue_sms(PHONE, "[gonghui] threaded")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not LocmemBackend.outbox:
        time.sleep(0.05)
    assert LocmemBackend.outbox == [(PHONE, "[gonghui] threaded")]
    thread = outbox._state["thread"]
    if thread is not None:
        thread.join(timeout=10)
    assert OutboxSMS.objects.get().state == OutboxState.SENT
