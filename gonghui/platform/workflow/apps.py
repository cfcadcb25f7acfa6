from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    """Actions and declared transitions; an app so its templates and the ``workflow`` template
    tags are found. It has no models: each app registers its machines from ``ready()``."""

    name = "gonghui.platform.workflow"
    label = "workflow"
    verbose_name = _("Workflows")
