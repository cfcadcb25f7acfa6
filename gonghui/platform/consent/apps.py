from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "gonghui.platform.consent"
    label = "consent"
    verbose_name = _("Privacy notices and consent")

    def ready(self):
        # Correction requests: their workflow, deadline, start-page to-dos and messages.
        from gonghui.platform.consent import corrections

        corrections.register()
