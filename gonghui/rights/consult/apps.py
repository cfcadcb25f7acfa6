from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    """Online legal consultation (法律咨询): a worker asks in writing, a union lawyer answers."""

    name = "gonghui.rights.consult"
    label = "consult"
    verbose_name = _("Online legal consultation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gonghui.rights.consult import deadlines, inbox, partner_scope, subject, todos
        from gonghui.rights.consult.workflows import register_workflows

        register_workflows()  # the declared transitions (workflows.py)
        deadlines.register_rules()  # the answer clock and the closing of quiet answers
        partner_scope.register()  # a law firm's lawyers see the consultations assigned to it
        todos.register()  # the start page's consultation lines
        inbox.register()  # the worker's messages on her consultation
        subject.register()  # her consultations on 我的数据
