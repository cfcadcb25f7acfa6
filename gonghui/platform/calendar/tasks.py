"""Celery task for the nightly deadline run (scheduled by CELERY_BEAT_SCHEDULE in
config/settings.py when REDIS_URL is set; without Redis, cron runs
``manage.py evaluate_deadlines``, docs/operations.md)."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="calendar.evaluate_deadlines", ignore_result=True)
def evaluate_deadlines_task() -> None:
    call_command("evaluate_deadlines")
