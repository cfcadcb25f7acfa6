from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "gonghui.platform.imports"
    label = "imports"
    verbose_name = _("Roster imports and exports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the Celery task under its name for workers started with `-A config`.
        from gonghui.platform.imports import jobs  # noqa: F401
        from gonghui.platform.imports.workflows import register_workflows

        register_workflows()
        from gonghui.platform.imports import todos

        todos.register()  # failed imports and refused rows on the start page
