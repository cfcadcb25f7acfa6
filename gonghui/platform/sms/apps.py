from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "gonghui.platform.sms"
    label = "sms"
    verbose_name = _("SMS")

    def ready(self):
        from gonghui.platform.sms.workflows import register_workflows

        register_workflows()
