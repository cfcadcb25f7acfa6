from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gonghui.orgs"
    label = "orgs"
    verbose_name = _("Organisations")

    def ready(self):
        from gonghui.console.dashboard import register_start_page_section
        from gonghui.orgs import queries

        register_start_page_section(queries.start_page_figures)
