from django.urls import include, path
from django.views.generic import RedirectView

from config.api import api
from gonghui.accounts import twofactor
from gonghui.accounts.admin import own_password_change
from gonghui.assistance.console_views import attachment_download, queues_view
from gonghui.console.sites import console_site
from gonghui.console.views import reveal_view
from gonghui.members.console_views import (
    card_link,
    join_link,
    join_poster,
    join_qr,
    verify_card_link,
    verify_card_view,
)
from gonghui.portal.public import healthz, landing
from gonghui.portal.publicity_views import objection as publicity_objection
from gonghui.portal.publicity_views import publicity

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/pii/reveal/", reveal_view, name="console-reveal"),
    # Logging out must work for anyone logged in, also for a staff account whose last grant
    # was just revoked (the admin would first demand a permission it no longer has).
    path("console/logout/", console_site.logout, name="console-logout"),
    path("console/verify/", console_site.admin_view(verify_card_view), name="console-verify"),
    path(
        "console/verify/<str:token>/",
        console_site.admin_view(verify_card_link),
        name="console-verify-card",
    ),
    # Short URLs in QR codes: a card (a staff phone opens the result) and a join poster.
    path("v/<str:token>", card_link, name="card-link"),
    path("j/<str:token>", join_link, name="join-link"),
    # The public notice (公示) of a union's hardship cases, and objecting to one of them.
    path("gs/<int:org_id>/", publicity, name="publicity"),
    path("gs/<int:org_id>/<str:token>/", publicity_objection, name="publicity-objection"),
    path(
        "console/members/joinchannel/<int:pk>/poster/",
        console_site.admin_view(join_poster),
        name="console-join-poster",
    ),
    path(
        "console/members/joinchannel/<int:pk>/qr.<str:fmt>",
        console_site.admin_view(join_qr),
        name="console-join-qr",
    ),
    path(
        "console/assistance/queues/",
        console_site.admin_view(queues_view),
        name="console-assistance-queues",
    ),
    path(
        "console/assistance/attachments/<uuid:public_id>/",
        console_site.admin_view(attachment_download),
        name="console-assistance-attachment",
    ),
    # Second factor (AUTH-5): reachable before the session has passed it (see twofactor.py).
    path("console/2fa/setup/", twofactor.setup_view, name="console-2fa-setup"),
    path("console/2fa/verify/", twofactor.verify_view, name="console-2fa-verify"),
    # The console's own password change through the audited action (policy, history).
    path(
        "console/password_change/",
        console_site.admin_view(own_password_change),
        name="console-password-change",
    ),
    # One's own account: API tokens (gonghui/accounts/tokens.py).
    path("console/account/", include("gonghui.accounts.urls")),
    path("console/", console_site.urls),
    path("admin/", RedirectView.as_view(url="/console/", permanent=False)),
    path("m/", include("gonghui.portal.urls")),
    path("api/v1/", api.urls),
]

handler404 = "gonghui.portal.public.not_found"
handler403 = "gonghui.portal.public.permission_denied"
handler500 = "gonghui.portal.public.server_error"
