"""On PostgreSQL, several processors draining the outbox at the same moment (web threads,
Celery workers, the cron command) send each SMS exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections

from gonghui.platform.sms import outbox
from gonghui.platform.sms.backends import BaseBackend
from gonghui.platform.sms.models import OutboxSMS, OutboxState
from gonghui.platform.testing.factories import OutboxSMSFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks with SKIP LOCKED need PostgreSQL"
)


class SlowGateway(BaseBackend):
    """Takes a few milliseconds per SMS, so that the processors overlap."""

    sent: list[str] = []
    lock = threading.Lock()

    def send(self, phone, message):
        time.sleep(0.005)
        with type(self).lock:
            type(self).sent.append(phone)


@pytest.mark.django_db(transaction=True)
def test_four_processors_at_once_send_each_sms_once(settings):
    settings.SMS_BACKEND = f"{__name__}.SlowGateway"
    SlowGateway.sent = []
    rows = OutboxSMSFactory.create_batch(150)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def processor():
        try:
            start.wait()
            outbox.send_due()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=processor) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    counts = Counter(SlowGateway.sent)
    assert set(counts) == {r.phone for r in rows}
    assert max(counts.values()) == 1
    assert set(OutboxSMS.objects.values_list("state", flat=True)) == {OutboxState.SENT}
    assert set(OutboxSMS.objects.values_list("attempts", flat=True)) == {1}
