"""QR join channels in the console: creating a poster for a union, listing and revoking them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members import actions
from gonghui.members.admin.shared import SubtreeFilter, member_org_choices, run_action
from gonghui.members.models import JoinChannel


class JoinChannelForm(ActionForm, forms.ModelForm):
    class Meta:
        model = JoinChannel
        fields = ["org", "label", "auto_approve", "expires_at"]

    def bind_request(self, request):
        self.request = request
        if "org" in self.fields:
            self.fields["org"].queryset = member_org_choices(
                request.user, "members.add_joinchannel"
            )

    def run_action(self):
        d = self.cleaned_data
        return actions.create_join_channel(
            actor=self.request.user,
            org=d["org"],
            label=d["label"],
            auto_approve=d.get("auto_approve", False),
            expires_at=d.get("expires_at"),
        )

    def validate_unique(self):
        return None


def poster_url(channel) -> str | None:
    try:
        return reverse("console-join-poster", args=[channel.pk])
    except NoReverseMatch:
        return None


@admin.register(JoinChannel, site=console_site)
class JoinChannelAdmin(ScopedModelAdmin):
    form = JoinChannelForm
    list_display = [
        "label",
        "org",
        "auto_approve",
        "expires_at",
        "status",
        "created_at",
        "poster",
    ]
    list_select_related = ["org"]
    list_filter = ["auto_approve", SubtreeFilter]
    list_filter_submit = True
    search_fields = ["label"]
    ordering = ["-created_at", "-id"]
    actions = ["revoke_selected"]
    readonly_fields = ["org", "label", "auto_approve", "expires_at", "revoked_at", "created_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(JoinChannelForm.Meta.fields)
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.display(description=_("Status"))
    def status(self, obj):
        if obj.revoked_at:
            return _("Revoked")
        if obj.expires_at and obj.expires_at <= timezone.now():
            return _("Expired")
        return _("Working")

    @admin.display(description=_("Poster"))
    def poster(self, obj):
        url = poster_url(obj)
        if url is None or obj.revoked_at:
            return ""
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, _("Poster"))

    @admin.action(description=_("Revoke the selected channels"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        done = 0
        for channel in queryset.filter(revoked_at__isnull=True):
            if run_action(request, actions.revoke_join_channel, channel=channel) is not None:
                done += 1
        self.message_user(request, _("%(n)d channels revoked.") % {"n": done}, messages.SUCCESS)
