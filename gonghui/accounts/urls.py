"""Console pages about one's own account, under /console/account/ (config/urls.py)."""

from django.urls import path

from gonghui.accounts import tokens
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
]
