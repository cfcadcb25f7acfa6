from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "gonghui.cockpit"
    label = "cockpit"
    verbose_name = _("Cockpit")

    def ready(self):
        # The org tree and the members app feed the running totals without importing the
        # cockpit, which stands above them (gonghui/platform/feeds.py).
        from gonghui.cockpit import summaries, tickets
        from gonghui.platform.feeds import summaries as feed
        from gonghui.platform.feeds import ticket_figures

        feed.plug(summaries)
        ticket_figures.plug(tickets)
