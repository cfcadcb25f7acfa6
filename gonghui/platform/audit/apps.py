from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gonghui.platform.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from gonghui.platform.audit import signals  # noqa: F401
