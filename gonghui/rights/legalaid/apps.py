from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalAidConfig(AppConfig):
    """The union's legal aid (工会法律援助): application, decision, lawyer, outcome."""

    name = "gonghui.rights.legalaid"
    label = "legalaid"
    verbose_name = _("Legal aid")
    default_auto_field = "django.db.models.BigAutoField"
