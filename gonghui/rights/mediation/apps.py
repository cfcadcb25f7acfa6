from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    """Labour-dispute mediation (劳动争议调解) and referrals with courts and agencies (诉调对接)."""

    name = "gonghui.rights.mediation"
    label = "mediation"
    verbose_name = _("Labour dispute mediation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gonghui.rights.mediation import deadlines, inbox, partner_scope, subject, todos
        from gonghui.rights.mediation.workflows import register_workflows

        register_workflows()  # the case's declared transitions (workflows.py)
        deadlines.register_rules()  # the 15 / 30 / 15 / 7 day clocks, on the nightly run
        todos.register()  # the start page's mediation lines
        inbox.register()  # the worker's messages on her case
        subject.register()  # her cases on 我的数据
        partner_scope.register()  # partners read the cases referred to or from their agency
