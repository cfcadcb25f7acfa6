"""The audit log in the console: read-only, for the audit administrator (a platform model
shown by the console: the platform imports no console)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from gonghui.console.sites import console_site
from gonghui.platform.audit.models import AuditEvent


@admin.register(AuditEvent, site=console_site)
class AuditEventAdmin(ModelAdmin):
    list_display = [
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "ip",
        "request_id",
    ]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "object_id", "request_id"]
    date_hierarchy = "occurred_at"
    actions = None
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if self.has_view_permission(request) else qs.none()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("details"))
    def details_text(self, obj):
        return obj.details
