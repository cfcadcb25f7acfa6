"""Transfers in the console: both sides list and read them; the transfer page shows the
declared buttons (members/workflows.py) - 同意转出 to the sending union, 同意转入 to the
receiving union, 不同意转会 to either, and withdrawing the request - each on its own
``<pk>/do/<name>/`` page. A transfer is requested from the member's page."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.sites import console_site
from gonghui.members.admin.shared import TransferSubtreeFilter
from gonghui.members.models import Transfer
from gonghui.members.todos import WAITING_ON_ME, transfers_waiting_on
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.faces import TransitionAdmin


class WaitingOnFilter(admin.SimpleListFilter):
    """Open transfers whose next decision is the user's side (the start page links here)."""

    title = _("whose decision")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [(WAITING_ON_ME, _("My union's decision"))]

    def queryset(self, request, queryset):
        if self.value() == WAITING_ON_ME:
            return transfers_waiting_on(request.user, queryset)
        return queryset


@admin.register(Transfer, site=console_site)
class TransferAdmin(TransitionAdmin, ScopedModelAdmin):
    list_display = [
        "member_name",
        "from_org",
        "to_org",
        "initiated_by",
        "state",
        "requested_at",
    ]
    list_select_related = ["membership__person", "from_org", "to_org"]
    list_filter = [WaitingOnFilter, "state", "initiated_by", TransferSubtreeFilter]
    list_filter_submit = True
    ordering = ["-requested_at", "-id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facets count every filter choice exactly
    paginator = CappedPaginator
    fields = [
        "member_name",
        "from_org",
        "to_org",
        "employer_name",
        "initiated_by",
        "state",
        "reason",
        "requested_at",
        "sender_decided_at",
        "decided_at",
    ]
    readonly_fields = fields
    change_form_template = "members/admin/transfer_change_form.html"

    def has_add_permission(self, request):
        return False  # requested from the member's detail page

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("Member"))
    def member_name(self, obj):
        return mask_name(obj.membership.person.name)

    def get_queryset(self, request):
        # The side tests of the buttons read both unions and the member's account.
        return (
            super().get_queryset(request).select_related("membership__person", "from_org", "to_org")
        )
