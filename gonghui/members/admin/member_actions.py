"""Bulk actions of the member list: export the selected members (through the one export path,
``console:members_export``: masked, audited, maker-checker above the direct limit) and flag
them for review with a reason, or clear the flag (``actions.flag_for_review`` /
``clear_review_flag``, one audited action per member).

A flag is set only on members the user may change (``restrict`` with
``members.change_membership``); the others of a selection are counted and named as skipped."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.widgets import UnfoldAdminTextInputWidget

from gonghui.members import actions
from gonghui.members.actions.review_flags import REASON_MAX
from gonghui.members.admin.shared import run_action
from gonghui.members.roster_export import EXPORT_PERMISSION, EXPORT_SELECTION, export_filters_from
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_name

CHANGE = "members.change_membership"
PREVIEW_ROWS = 20


class ReviewFlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for review"),
        max_length=REASON_MAX,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Colleagues see it on the member's page and in the list's review filter."),
    )


def _selected_across(request) -> bool:
    return request.POST.get("select_across") in ("1", "True", "true")


class MemberBulkActions:
    """Mixed into ``MembershipAdmin``."""

    actions = ["export_selected", "flag_selected_for_review", "clear_selected_review_flags"]

    def has_export_permission(self, request):
        return request.user.has_perm(EXPORT_PERMISSION)

    @admin.action(
        description=_("Export the selected members (xlsx, masked)"), permissions=["export"]
    )
    def export_selected(self, request, queryset):
        # The list's own filters; the chosen rows unless "select all N" was used.
        params = export_filters_from(request.GET)
        if not _selected_across(request):
            params[EXPORT_SELECTION] = ",".join(request.POST.getlist(ACTION_CHECKBOX_NAME))
        return HttpResponseRedirect(reverse("console:members_export") + "?" + urlencode(params))

    @admin.action(description=_("Flag the selected members for review"), permissions=["change"])
    def flag_selected_for_review(self, request, queryset):
        changeable = restrict(queryset, request.user, CHANGE)
        form = ReviewFlagForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for membership in changeable.select_related("org"):
                flagged = run_action(
                    request,
                    actions.flag_for_review,
                    membership=membership,
                    reason=form.cleaned_data["reason"],
                )
                done += flagged is not None
            self._report(request, queryset, done, _("%(n)d members flagged for review."))
            return None
        rows = list(changeable.select_related("person", "org")[:PREVIEW_ROWS])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Flag the selected members for review"),
            "opts": self.model._meta,
            "form": form,
            "rows": [(mask_name(m.person.name), m.org.display_name) for m in rows],
            "count": changeable.count(),
            "skipped": queryset.count() - changeable.count(),
            "more": max(0, changeable.count() - len(rows)),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": "1" if _selected_across(request) else "0",
            "action": "flag_selected_for_review",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "members/admin/flag_for_review.html", context)

    @admin.action(
        description=_("Clear the review flag of the selected members"), permissions=["change"]
    )
    def clear_selected_review_flags(self, request, queryset):
        changeable = restrict(queryset, request.user, CHANGE).filter(
            review_flagged_at__isnull=False
        )
        done = 0
        for membership in changeable.select_related("org"):
            done += (
                run_action(request, actions.clear_review_flag, membership=membership) is not None
            )
        self._report(request, queryset, done, _("%(n)d review flags cleared."))

    def _report(self, request, queryset, done: int, text) -> None:
        self.message_user(request, text % {"n": done}, messages.SUCCESS)
        skipped = queryset.count() - restrict(queryset, request.user, CHANGE).count()
        if skipped:
            self.message_user(
                request,
                _("%(n)d selected members are not yours to change and were left as they are.")
                % {"n": skipped},
                messages.WARNING,
            )

    @admin.display(description=pgettext_lazy("review flag", "Review"))
    def review_badge(self, obj):
        if obj.review_flagged_at is None:
            return ""
        return format_html(
            '<span class="bg-amber-100 text-amber-800 rounded px-2 py-0.5 text-xs font-semibold"'
            ' title="{}">{}</span>',
            obj.review_reason,
            _("To review"),
        )

    def may_clear_flag(self, request, membership) -> bool:
        return (
            membership.review_flagged_at is not None
            and restrict(self.model, request.user, CHANGE).filter(pk=membership.pk).exists()
        )

    def clear_review_flag_view(self, request, object_id):
        """The member page's "clear the flag": a confirmation, then the action."""
        membership = self.get_object(request, object_id)
        if not self.may_clear_flag(request, membership):
            raise Http404
        back = reverse("console:members_membership_change", args=[membership.pk])
        if request.method == "POST":
            if run_action(request, actions.clear_review_flag, membership=membership) is not None:
                self.message_user(request, _("The review flag was cleared."), messages.SUCCESS)
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Clear the review flag"),
            "opts": self.model._meta,
            "membership": membership,
            "masked_name": mask_name(membership.person.name),
            "back": back,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "members/admin/clear_review_flag.html", context)

    @admin.display(description=_("Flagged for review"))
    def review_flag(self, obj):
        if obj.review_flagged_at is None:
            return ""
        by = obj.review_flagged_by
        text = _("%(reason)s (by %(who)s, %(when)s)") % {
            "reason": obj.review_reason,
            "who": str(by) if by else "",
            "when": timezone.localtime(obj.review_flagged_at).strftime("%Y-%m-%d %H:%M"),
        }
        return text
