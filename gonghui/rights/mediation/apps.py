from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    """Labour-dispute mediation (劳动争议调解) and referrals with courts and agencies (诉调对接)."""

    name = "gonghui.rights.mediation"
    label = "mediation"
    verbose_name = _("Labour dispute mediation")
    default_auto_field = "django.db.models.BigAutoField"
