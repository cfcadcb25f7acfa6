from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gonghui.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # twofactor registers the 2FA system check; lockout and middleware connect signal
        # receivers (lockout audit events, the login time in the session).
        from gonghui.accounts import lockout, middleware, twofactor  # noqa: F401
        from gonghui.platform.access.actions import register_second_factor

        # API tokens are issued after a fresh second factor: the platform asks, accounts answer.
        register_second_factor(twofactor)
        # The start page links to one's own messages (the daily digest) with the unread count.
        from gonghui.accounts.messages import start_page_section
        from gonghui.console.dashboard import register_start_page_section

        register_start_page_section(start_page_section)
