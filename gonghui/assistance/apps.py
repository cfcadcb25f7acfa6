from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "gonghui.assistance"
    label = "assistance"
    verbose_name = _("Hardship assistance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gonghui.assistance import deadlines
        from gonghui.platform.calendar.deadlines import register

        register(deadlines.PUBLICITY)
