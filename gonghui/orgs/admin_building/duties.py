"""Console pages of duty lists and responsibility letters (四类责任清单): drafting a list, its
publish button from :data:`gonghui.orgs.building.duty_list_states`, recording a signed letter
and the list of letters not yet signed."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.orgs import building
from gonghui.orgs.admin_building.common import (
    NO_CHILDREN,
    _choices,
)
from gonghui.orgs.models import (
    DUTY_LEVEL_KINDS,
    DutyLetter,
    DutyList,
    DutyListState,
    Org,
)
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import TransitionAdmin

# --- duty lists and letters -------------------------------------------------------------------


class DutyListForm(ActionForm, forms.ModelForm):
    items_text = forms.CharField(
        label=_("Duties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One duty per line, in order."),
    )

    class Meta:
        model = DutyList
        fields = ["org", "level", "year", "title", "items_text"]

    def bind_request(self, request):
        self.request = request
        if self.instance.pk is None:
            orgs = restrict(Org, request.user, "orgs.add_dutylist")
            _choices(self, "org", orgs.exclude(kind__in=NO_CHILDREN))
            self.fields["year"].initial = timezone.localdate().year
        elif "items_text" in self.fields:
            self.fields["items_text"].initial = "\n".join(
                self.instance.items.values_list("text", flat=True)
            )

    def run_action(self):
        data = self.cleaned_data
        user = self.request.user
        if self.instance.pk is None:
            return building.create_duty_list(
                actor=user,
                org=data["org"],
                level=data["level"],
                year=data["year"],
                title=data["title"],
                items=data.get("items_text") or "",
            )
        return building.update_duty_list(
            actor=user,
            duty_list=self.instance,
            title=data["title"],
            items=data.get("items_text") or "",
        )


@admin.register(DutyList, site=console_site)
class DutyListAdmin(TransitionAdmin, ScopedModelAdmin):
    form = DutyListForm
    list_display = ["title", "year", "level", "org", "state", "published_at", "signed_count"]
    grouped_numbers = ("signed_count",)
    list_filter = ["year", "level", "state"]
    search_fields = ["title", "org__name"]
    list_select_related = ["org"]
    actions = ["publish_selected"]
    change_form_template = "orgs/building/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return DutyListForm.Meta.fields
        if self.has_change_permission(request, obj):
            return ["org", "level", "year", "state", "title", "items_text"]
        return ["org", "level", "year", "title", "state", "published_at", "duties"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["org", "level", "year", "state", "published_at", "duties"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state != DutyListState.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("Duties"))
    def duties(self, obj):
        items = format_html_join("", "<li>{}</li>", obj.items.values_list("text"))
        return format_html("<ol class='list-decimal pl-5'>{}</ol>", items)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(letter_count=Count("letters"))

    @admin.display(description=_("Signed letters"), ordering="letter_count")
    def signed_count(self, obj):
        return obj.letter_count

    @admin.action(description=_("Publish the selected lists"), permissions=["change"])
    def publish_selected(self, request, queryset):
        """The declared ``publish`` for each selected draft: the same check and action as its
        button on the list's page."""
        done = 0
        for duty_list in queryset.filter(state=DutyListState.DRAFT):
            try:
                building.duty_list_states.run(duty_list, request.user, "publish", face="console")
            except ActionError as exc:
                self.message_user(request, f"{duty_list}: {exc.messages[0]}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(n)d lists published.") % {"n": done}, messages.SUCCESS)


class DutyLetterForm(ActionForm, forms.ModelForm):
    class Meta:
        model = DutyLetter
        fields = ["org", "list", "signed_on", "signed_by", "file"]

    def bind_request(self, request):
        self.request = request
        kinds = sorted({k for kinds in DUTY_LEVEL_KINDS.values() for k in kinds})
        orgs = restrict(Org, request.user, "orgs.add_dutyletter")
        _choices(self, "org", orgs.filter(kind__in=kinds))
        _choices(self, "list", building.signable_lists(request.user))

    def run_action(self):
        data = self.cleaned_data
        return building.sign_duty_letter(
            actor=self.request.user,
            org=data["org"],
            duty_list=data["list"],
            signed_on=data["signed_on"],
            signed_by=data["signed_by"],
            file=data.get("file") or None,
        )


@admin.register(DutyLetter, site=console_site)
class DutyLetterAdmin(ScopedModelAdmin):
    form = DutyLetterForm
    list_display = ["org", "year", "list", "signed_on", "masked_signer", "file"]
    list_filter = ["year", "list__level"]
    search_fields = ["org__name"]
    list_select_related = ["org", "list"]
    change_list_template = "orgs/building/dutyletter_change_list.html"

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return DutyLetterForm.Meta.fields
        return ["org", "year", "list", "signed_on", "signed_by", "file"]

    @admin.display(description=_("Signed by"))
    def masked_signer(self, obj):
        return mask_name(obj.signed_by)

    def get_urls(self):
        return [
            path(
                "not-signed/",
                self.admin_site.admin_view(self.not_signed_view),
                name="orgs_dutyletter_not_signed",
            ),
        ] + super().get_urls()

    def not_signed_view(self, request):
        if not request.user.has_perm("orgs.view_dutyletter"):
            raise PermissionDenied
        try:
            year = int(request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        rows = building.unsigned_letters(request.user, year)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Responsibility letters not signed in %(year)s") % {"year": year},
            "year": year,
            "rows": rows,
            "opts": self.opts,
        }
        return render(request, "orgs/building/not_signed.html", context)
