from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalAidConfig(AppConfig):
    """The union's legal aid (工会法律援助): application, decision, lawyer, outcome."""

    name = "gonghui.rights.legalaid"
    label = "legalaid"
    verbose_name = _("Legal aid")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gonghui.rights.legalaid import deadlines, inbox, partner_scope, subject, todos
        from gonghui.rights.legalaid.workflows import register_workflows

        register_workflows()  # the application's declared transitions (workflows.py)
        deadlines.register_rules()  # decision in 7 days, lawyer in 3, on the nightly run
        partner_scope.register()  # a law firm sees the applications assigned to it
        todos.register()  # the start page's legal-aid lines
        inbox.register()  # the worker's messages on her application
        subject.register()  # her applications on 我的数据
