from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PiiConfig(AppConfig):
    name = "gonghui.platform.pii"
    label = "pii"
    verbose_name = _("Personal information")

    def ready(self):
        from gonghui.platform.pii import checks  # noqa: F401  (registration)
