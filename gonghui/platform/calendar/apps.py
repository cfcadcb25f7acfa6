from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    name = "gonghui.platform.calendar"
    label = "calendar"
    verbose_name = _("Working days and deadlines")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gonghui.platform.calendar import checks, seed, tasks, workdays  # noqa: F401

        workdays.connect_signals()
        # A flushed database (TransactionTestCase, ``manage.py flush``) has lost the rows the
        # data migration wrote; like contenttypes, refill an empty calendar after migrate.
        post_migrate.connect(seed.seed_empty_calendar, sender=self)
