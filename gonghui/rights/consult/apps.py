from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    """Online legal consultation (法律咨询): a worker asks in writing, a union lawyer answers."""

    name = "gonghui.rights.consult"
    label = "consult"
    verbose_name = _("Legal consultation")
    default_auto_field = "django.db.models.BigAutoField"
