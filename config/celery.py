"""Celery for production background jobs (Redis broker). Start a worker with::

    celery -A config worker -l info

Without REDIS_URL (demo, tests) tasks run eagerly in-process (CELERY_TASK_ALWAYS_EAGER).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
app = Celery("gonghui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
