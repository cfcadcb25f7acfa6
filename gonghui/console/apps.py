from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "gonghui.console"
    label = "console"
    verbose_name = _("Staff console")

    def ready(self):
        from gonghui.console.base import tune_unfold_lists

        tune_unfold_lists()
