"""Console pages for the org tree and employers. The org's page shows the buttons of its declared
status transitions (:data:`gonghui.orgs.actions.org_status`), each run on its own page."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.orgs import actions, queries
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.security.cells import csv_row
from gonghui.platform.validators import validate_mobile
from gonghui.platform.workflow.faces import TransitionAdmin


class OrgForm(ActionForm, forms.ModelForm):
    parent = forms.ModelChoiceField(queryset=Org.objects.none(), label=_("Parent organisation"))
    new_contact_phone = forms.CharField(
        label=_("Contact phone"),
        required=False,
        max_length=20,
        validators=[validate_mobile],
        help_text=_("Leave empty to keep the current number."),
    )
    uscc_confirmed = forms.BooleanField(
        label=_("I checked this credit code in the national system"), required=False
    )

    class Meta:
        model = Org
        fields = [
            "parent",
            "kind",
            "name",
            "short_name",
            "uscc",
            "uscc_confirmed",
            "region_code",
            "address",
            "contact_name",
            "new_contact_phone",
            "founded_on",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def bind_request(self, request):
        self.request = request
        self.fields["parent"].queryset = restrict(Org, request.user, "add")
        if self.instance.pk:
            parent = Org.objects.get_parent(self.instance)
            self.fields["parent"].required = parent is not None
            self.fields["parent"].initial = parent.pk if parent else None
            self.fields["parent"].queryset = restrict(Org, request.user, "change").exclude(
                path__startswith=self.instance.path
            )
            current = self.instance.contact_phone
            if current:
                self.fields["new_contact_phone"].help_text = _(
                    "Current: %(masked)s. Leave empty to keep it."
                ) % {"masked": mask_phone(current)}

    def run_action(self):
        data = self.cleaned_data
        fields = {
            f: data.get(f) or ""
            for f in ("short_name", "uscc", "region_code", "address", "contact_name", "note")
        }
        fields["founded_on"] = data.get("founded_on")
        if data.get("new_contact_phone"):
            fields["contact_phone"] = data["new_contact_phone"]
        user = self.request.user
        if self.instance.pk is None:
            return actions.create_org(
                actor=user,
                parent=data["parent"],
                kind=data["kind"],
                name=data["name"],
                uscc_confirmed=data["uscc_confirmed"],
                **fields,
            )
        org = actions.update_org(
            actor=user,
            org=self.instance,
            name=data["name"],
            uscc_confirmed=data["uscc_confirmed"],
            **fields,
        )
        parent = data.get("parent")
        if parent is not None and parent.pk != getattr(Org.objects.get_parent(org), "pk", None):
            org = actions.move_org(actor=user, org=org, new_parent=parent)
        return org


@admin.register(Org, site=console_site)
class OrgAdmin(TransitionAdmin, ScopedModelAdmin):
    form = OrgForm
    list_display = ["name", "kind", "region_code", "status", "masked_phone", "founded_on"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "short_name", "uscc"]
    ordering = ["path"]
    list_per_page = 50
    readonly_fields = ["status"]

    def get_fields(self, request, obj=None):
        fields = list(OrgForm.Meta.fields)
        if obj is not None:
            fields.remove("kind")
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only, the form's own inputs would show under their field names
            # ("Uscc confirmed"): the parent and the phone as they are, no confirmation box.
            fields[fields.index("parent")] = "parent_org"
            fields[fields.index("new_contact_phone")] = "masked_phone"
            fields.remove("uscc_confirmed")
        return fields

    @admin.display(description=_("Parent organisation"))
    def parent_org(self, obj):
        return Org.objects.get_parent(obj) or ""

    @admin.display(description=_("Contact phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.contact_phone) if obj.contact_phone else ""

    def get_urls(self):
        urls = [
            path("tree/", self.admin_site.admin_view(self.tree_view), name="orgs_org_tree"),
            path(
                "tree/<int:pk>/children/",
                self.admin_site.admin_view(self.children_view),
                name="orgs_org_tree_children",
            ),
            path(
                "export.csv", self.admin_site.admin_view(self.export_view), name="orgs_org_export"
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        extra_context["reveal_fields"] = (
            [("contact_phone", _("Contact phone"), mask_phone(obj.contact_phone))]
            if obj.contact_phone
            else []
        )
        extra_context["reveal_object"] = obj
        return super().change_view(request, object_id, form_url, extra_context)

    change_form_template = "orgs/org_change_form.html"

    def tree_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        text = request.GET.get("q", "").strip()
        if text:
            nodes = list(queries.search_orgs(request.user, text))
            rows = self._rows(request, nodes, with_ancestors=True)
        else:
            nodes = list(queries.tree_roots(request.user))
            rows = self._rows(request, nodes)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Organisation tree"),
            "rows": rows,
            "q": text,
            "opts": self.opts,
        }
        template = "orgs/tree_rows.html" if request.headers.get("HX-Request") else "orgs/tree.html"
        return render(request, template, context)

    def export_view(self, request):
        """CSV of the orgs in the user's scope (the list filters apply); phones masked."""
        if not request.user.has_perm("orgs.export_org"):
            raise PermissionDenied
        qs = restrict(Org, request.user, "orgs.export_org")
        text = request.GET.get("q", "").strip()
        if text:
            qs = qs.filter(name__icontains=text)
        record_event(
            actor=request.user, action="orgs.export_orgs", details={"q": text, "rows": qs.count()}
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="orgs.csv"'
        response.write("\ufeff")  # Excel needs the BOM to read UTF-8
        writer = csv.writer(response)
        writer.writerow(
            [
                _("ID"),
                _("Name"),
                _("Kind"),
                _("Region code"),
                _("Status"),
                _("Credit code"),
                _("Contact person"),
                _("Contact phone"),
            ]
        )
        for org in qs.iterator(chunk_size=1000):
            # csv_row: a stored name must not run as a formula in the spreadsheet program.
            writer.writerow(
                csv_row(
                    [
                        org.pk,
                        org.name,
                        OrgKind(org.kind).label,
                        org.region_code,
                        org.get_status_display(),
                        org.uscc,
                        org.contact_name,
                        mask_phone(org.contact_phone) if org.contact_phone else "",
                    ]
                )
            )
        return response

    def children_view(self, request, pk):
        org = get_scoped_or_404(Org, request.user, "view", pk=pk)
        rows = self._rows(request, list(queries.children_of(request.user, org)))
        return render(request, "orgs/tree_rows.html", {"rows": rows})

    def _rows(self, request, nodes, with_ancestors=False):
        members = queries.member_counts(nodes)
        children = queries.child_counts(request.user, nodes)
        can_change = request.user.has_perm("orgs.change_org")
        ancestors = queries.ancestors_names_of(nodes, request.user) if with_ancestors else {}
        rows = []
        for node in nodes:
            rows.append(
                {
                    "org": node,
                    "kind": OrgKind(node.kind).label,
                    "members": members.get(node.pk, 0),
                    "children": children.get(node.pk, 0),
                    "ancestors": " › ".join(ancestors.get(node.pk, [])),
                    "can_change": can_change,
                }
            )
        return rows


class EmployerForm(ActionForm, forms.ModelForm):
    uscc_confirmed = forms.BooleanField(
        label=_("I checked this credit code in the national system"), required=False
    )

    class Meta:
        model = Employer
        fields = [
            "name",
            "uscc",
            "uscc_confirmed",
            "industry_section",
            "ownership",
            "headcount",
            "region_code",
            "address",
            "org",
        ]

    def run_action(self):
        data = dict(self.cleaned_data)
        org = data.pop("org")
        confirmed = data.pop("uscc_confirmed")
        user = self.request.user
        if self.instance.pk is None:
            return actions.register_employer(actor=user, org=org, uscc_confirmed=confirmed, **data)
        return actions.update_employer(
            actor=user, employer=self.instance, org=org, uscc_confirmed=confirmed, **data
        )

    def validate_unique(self):
        return None  # the action checks uniqueness and says so in the user's language


@admin.register(Employer, site=console_site)
class EmployerAdmin(ScopedModelAdmin):
    form = EmployerForm
    list_display = [
        "name",
        "uscc",
        "industry_section",
        "ownership",
        "headcount",
        "org",
        "union_badge",
    ]
    grouped_numbers = ("headcount",)
    list_filter = ["industry_section", "ownership"]
    search_fields = ["name", "uscc"]
    list_select_related = ["org"]
    autocomplete_fields = []

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # A read-only page has no use for the "I checked this code" box, which would
            # show under its field name.
            fields = [f for f in fields if f != "uscc_confirmed"]
        return fields

    @admin.display(description=_("Has a union"))
    def union_badge(self, obj):
        return format_html("{}", _("Yes") if obj.org.kind == OrgKind.GRASSROOTS else _("No"))


from gonghui.orgs import admin_building  # noqa: E402,F401
