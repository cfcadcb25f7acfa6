from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "gonghui.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self):
        from gonghui.members import deadlines, queries
        from gonghui.platform.calendar.deadlines import register

        queries.register()
        register(deadlines.JOIN_REVIEW)
