from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "gonghui.rights"
    label = "rights"
    verbose_name = _("Rights protection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from gonghui.rights import deadlines, inbox, notify, subject, todos
        from gonghui.rights.workflows import register_workflows

        register_workflows()  # the ticket's declared transitions (workflows.py)
        deadlines.register_rules()  # 签收, 办结, 回访 and the 信访 timers, on the nightly run
        todos.register()  # the start page's ticket lines
        inbox.register()  # the worker's messages on her ticket
        notify.register()  # the caller's SMS on the steps she should know about
        subject.register()  # her tickets on 我的数据
        from gonghui.rights import partner_admin  # noqa: F401  合作机构 console pages
