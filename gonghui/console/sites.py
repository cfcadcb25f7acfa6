"""The staff console at /console/: Django admin themed with django-unfold."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from unfold.sites import UnfoldAdminSite


class ConsoleSite(UnfoldAdminSite):
    site_title = _("gonghui console")
    site_header = _("gonghui · union console")
    index_title = _("Workbench")
    index_template = "console/index.html"

    def index(self, request, extra_context=None):
        from gonghui.console.dashboard import dashboard_context, landing_redirect

        if (redirect := landing_redirect(request)) is not None:
            return redirect  # assistance staff start on their queues
        extra_context = {**(extra_context or {}), **dashboard_context(request)}
        return super().index(request, extra_context)

    def has_permission(self, request):
        # Staff and partner accounts with at least one active grant; members never.
        from gonghui.platform.access.scoping import grant_scopes

        user = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and user.kind != "member"
            and user.is_staff
            and grant_scopes(user)
        )


console_site = ConsoleSite(name="console")
