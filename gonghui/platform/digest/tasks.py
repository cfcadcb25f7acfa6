"""Celery task for the daily digest (scheduled by CELERY_BEAT_SCHEDULE in config/settings.py
when REDIS_URL is set; without Redis, cron runs ``manage.py send_staff_digest``)."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="digest.send_staff_digest", ignore_result=True)
def send_staff_digest_task() -> None:
    call_command("send_staff_digest")
