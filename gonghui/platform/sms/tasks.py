"""Celery tasks of the SMS outbox (found by ``app.autodiscover_tasks()``; defined in
outbox.py next to the code they run)."""

from gonghui.platform.sms.outbox import send_queued_task, send_sms_outbox_task

__all__ = ["send_queued_task", "send_sms_outbox_task"]
