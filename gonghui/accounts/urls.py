"""Console pages about one's own account, under /console/account/ (config/urls.py)."""

from django.urls import path

from gonghui.accounts import messages, tokens
from gonghui.console.sites import console_site

urlpatterns = [
    path("tokens/", console_site.admin_view(tokens.my_tokens_view), name="console-my-tokens"),
    path(
        "tokens/new/",
        console_site.admin_view(tokens.new_token_view),
        name="console-my-tokens-new",
    ),
    path(
        "tokens/<int:pk>/revoke/",
        console_site.admin_view(tokens.revoke_token_view),
        name="console-my-tokens-revoke",
    ),
    path("messages/", console_site.admin_view(messages.my_messages_view), name="console-messages"),
    path(
        "messages/read/",
        console_site.admin_view(messages.mark_messages_read_view),
        name="console-messages-read",
    ),
    path(
        "messages/sms/",
        console_site.admin_view(messages.digest_sms_view),
        name="console-messages-sms",
    ),
]
