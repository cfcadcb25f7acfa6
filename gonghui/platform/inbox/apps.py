from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "gonghui.platform.inbox"
    label = "inbox"
    verbose_name = _("Messages")

    def ready(self):
        from gonghui.platform.inbox.registry import on_transition
        from gonghui.platform.workflow.transitions import listen

        listen(on_transition)  # every applied transition of a registered model
