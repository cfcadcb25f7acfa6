"""Console pages of seasonal campaigns (四季帮扶) and condolence visits (慰问): the lists, the
forms (each saves through an action), the totals page and the Excel import of visits.

Reads go through ``queries`` (``campaigns_for``, ``visits_in``, the totals) or ``restrict``;
writes call ``actions.save_campaign`` / ``actions.record_visit``; the import runs as an
``ImportJob`` of kind ``visits`` and is followed on the shared job page.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter, RangeDateFilter

from gonghui.assistance import actions, queries, visits_import
from gonghui.assistance.models import Campaign, Visit
from gonghui.assistance.templatetags.assistance_money import format_yuan
from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.sites import console_site
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import grant_scopes, restrict
from gonghui.platform.imports.forms import ImportUploadForm
from gonghui.platform.pii.fields import index_for
from gonghui.platform.pii.masking import mask_name
from gonghui.platform.workflow.base import ActionError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATES = "assistance/console/"
CENT = Decimal("0.01")
VIEW_VISIT = "assistance.view_visit"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _grant_orgs(user, perm: str):
    """The orgs where ``user`` holds ``perm`` (the tops of their scope), shallowest first."""
    ids = [s.org_id for s in grant_scopes(user) if perm in s.permissions]
    return Org.objects.filter(pk__in=ids).order_by("depth", "name")


def cents(totals: queries.Totals) -> queries.Totals:
    """Totals with amounts to the cent (SQLite's SUM drops trailing zeros: 1250.5)."""
    return queries.Totals(
        totals.visits,
        totals.head_count,
        Decimal(totals.cash).quantize(CENT),
        Decimal(totals.goods_value).quantize(CENT),
    )


def _action_error(exc: ActionError, fields: dict[str, str], default=None):
    """An action's refusal as a form error on the field its code names."""
    field = fields.get(getattr(exc, "code", None) or "", default)
    return forms.ValidationError({field: exc} if field else exc)


# --- campaigns -----------------------------------------------------------------------------


class CampaignForm(ActionForm, forms.ModelForm):
    # Text, not DecimalField: the action parses amounts and says what is wrong with them.
    budget = forms.CharField(label=_("budget"), required=False, initial="0")
    starts_on = forms.DateField(label=_("from"), required=False)
    ends_on = forms.DateField(label=_("until"), required=False)

    class Meta:
        model = Campaign
        fields = ["org", "name", "kind", "starts_on", "ends_on", "budget", "description"]

    ERROR_FIELDS = {
        "name": "name",
        "invalid_choice": "kind",
        "period": "ends_on",
        "invalid_amount": "budget",
        "negative_amount": "budget",
    }

    def bind_request(self, request):
        if "org" in self.fields:
            self.fields["org"].queryset = restrict(
                Org, request.user, "assistance.add_campaign"
            ).order_by("path")

    def run_action(self):
        d = self.cleaned_data
        existing = self.instance if self.instance.pk else None
        try:
            return actions.save_campaign(
                actor=self.request.user,
                org=d.get("org") or (existing.org if existing else None),
                name=d.get("name", ""),
                kind=d.get("kind", ""),
                starts_on=d.get("starts_on"),
                ends_on=d.get("ends_on"),
                budget=d.get("budget") or "0",
                description=d.get("description", ""),
                campaign=existing,
            )
        except ActionError as exc:
            raise _action_error(exc, self.ERROR_FIELDS) from None


class _Totals:
    """Visit totals per campaign for one request's user: one grouped query for the whole list
    (not one aggregate per campaign shown), read on the first row."""

    def __init__(self, user):
        self.user, self.cache = user, None

    def __call__(self, campaign: Campaign) -> queries.Totals:
        if self.cache is None:
            self.cache = {
                c.pk: cents(t) for c, t in queries.totals_by_campaign(self.user) if c is not None
            }
        return self.cache.get(campaign.pk) or cents(queries.Totals(0, 0, Decimal(0), Decimal(0)))


@admin.register(Campaign, site=console_site)
class CampaignAdmin(ScopedModelAdmin):
    form = CampaignForm
    list_display_links = ["name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    ordering = ["-starts_on", "-id"]
    list_per_page = 50

    def get_queryset(self, request):
        # Campaigns of the user's subtree and those organised above it (a city campaign
        # is run by every district); visits stay scoped.
        if not request.user.has_perm("assistance.view_campaign"):
            return Campaign.objects.none()
        return queries.campaigns_for(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ["org"] if obj is not None else []

    def get_list_display(self, request):
        totals = _Totals(request.user)

        def visits(obj):
            return totals(obj).visits

        visits.short_description = _("visits")

        def head_count(obj):
            return totals(obj).head_count

        head_count.short_description = _("people (人次)")

        def spent(obj):
            return f"{format_yuan(totals(obj).amount)} / {format_yuan(obj.budget)}"

        spent.short_description = _("spent / budget (yuan)")

        return ["name", "kind", "org", "period", visits, head_count, spent]

    @admin.display(description=_("period"), ordering="starts_on")
    def period(self, obj):
        return f"{obj.starts_on:%Y-%m-%d} – {obj.ends_on:%Y-%m-%d}"


# --- visits --------------------------------------------------------------------------------


class CampaignFilter(DropdownFilter):
    title = _("campaign")
    parameter_name = "campaign"

    def lookups(self, request, model_admin):
        return [
            (str(c.pk), c.name)
            for c in queries.campaigns_for(request.user).order_by("-starts_on", "name")[:300]
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        return queryset.filter(campaign_id=int(value))


def find_person(user, text: str) -> Person | None:
    """The person with this ID number or mobile among those ``user`` may see."""
    text = (text or "").strip()
    if not text:
        return None
    people = restrict(Person, user, "view")
    return (
        people.filter(id_index=index_for("id_number", text)).first()
        or people.filter(phone_index=index_for("phone", text)).first()
    )


class VisitForm(ActionForm, forms.ModelForm):
    person_lookup = forms.CharField(
        label=_("Person visited (ID number or mobile)"),
        required=False,
        max_length=30,
        help_text=_(
            "Optional: a member of your unions, found by ID number or mobile. Leave empty for "
            "a group and give its name and head count."
        ),
    )
    recipient = forms.CharField(label=_("visited (person or group)"), required=False)
    head_count = forms.CharField(label=_("people (人次)"), required=False, initial="1")
    cash = forms.CharField(label=_("cash"), required=False, initial="0")
    goods_value = forms.CharField(label=_("goods value"), required=False, initial="0")
    visited_on = forms.DateField(label=_("date"), required=False)

    class Meta:
        model = Visit
        fields = [
            "org",
            "campaign",
            "person_lookup",
            "recipient",
            "head_count",
            "cash",
            "goods_value",
            "visited_on",
            "leaders",
            "note",
        ]

    ERROR_FIELDS = {
        "recipient": "recipient",
        "head_count": "head_count",
        "invalid_amount": "cash",
        "negative_amount": "cash",
        "nothing_given": "cash",
        "visited_on": "visited_on",
        "period": "visited_on",
    }

    def bind_request(self, request):
        if "org" in self.fields:
            self.fields["org"].queryset = restrict(
                Org, request.user, "assistance.add_visit"
            ).order_by("path")
            self.fields["campaign"].queryset = queries.campaigns_for(request.user).order_by(
                "-starts_on", "name"
            )

    def clean_person_lookup(self):
        text = self.cleaned_data.get("person_lookup", "")
        if not text:
            return None
        person = find_person(self.request.user, text)
        if person is None:
            raise forms.ValidationError(
                _("No member of your unions has this ID number or mobile number.")
            )
        return person

    def run_action(self):
        d = self.cleaned_data
        fields = {
            "recipient": d.get("recipient", ""),
            "head_count": d.get("head_count", ""),
            "cash": d.get("cash", ""),
            "goods_value": d.get("goods_value", ""),
            "visited_on": d.get("visited_on"),
            "leaders": d.get("leaders", ""),
            "note": d.get("note", ""),
        }
        person = d.get("person_lookup")
        if person is not None and not fields["recipient"]:
            del fields["recipient"]  # record_visit names the person
        try:
            return actions.record_visit(
                actor=self.request.user,
                org=d["org"],
                campaign=d.get("campaign"),
                person=person,
                **fields,
            )
        except ActionError as exc:
            raise _action_error(exc, self.ERROR_FIELDS) from None


def VisitImportForm(*args, user, **kwargs) -> ImportUploadForm:  # noqa: N802 (a form's name)
    return ImportUploadForm(
        *args,
        orgs=_grant_orgs(user, visits_import.IMPORT_PERMISSION).filter(status="active"),
        file_label=_("Visits file"),
        **kwargs,
    )


class TotalsForm(forms.Form):
    start = forms.DateField(label=_("from"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("until"), required=False, widget=DATE_INPUT)
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), label=_("campaign"), required=False
    )
    org = forms.ModelChoiceField(queryset=Org.objects.none(), label=_("union"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = queries.campaigns_for(user).order_by(
            "-starts_on", "name"
        )
        self.fields["org"].queryset = _grant_orgs(user, VIEW_VISIT)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        return cleaned


VISIT_DETAIL_FIELDS = [
    "visited_on",
    "recipient",
    "head_count",
    "cash",
    "goods_value",
    "org",
    "campaign",
    "leaders",
    "note",
    "created_at",
]


@admin.register(Visit, site=console_site)
class VisitAdmin(ScopedModelAdmin):
    form = VisitForm
    list_display = [
        "visited_on",
        "recipient_display",
        "head_count",
        "cash",
        "goods_value",
        "org",
        "campaign",
    ]
    list_display_links = ["visited_on"]
    list_select_related = ["org", "campaign", "person"]
    list_filter = [CampaignFilter, ("visited_on", RangeDateFilter)]
    list_filter_submit = True
    search_fields = ["recipient", "leaders", "note"]
    ordering = ["-visited_on", "-id"]
    list_per_page = 50
    change_list_template = TEMPLATES + "visit_change_list.html"

    @admin.display(description=_("visited (person or group)"), ordering="recipient")
    def recipient_display(self, obj):
        # A person's name is masked on lists; a group's name is not personal.
        return mask_name(obj.recipient) if obj.person_id else obj.recipient

    def has_change_permission(self, request, obj=None):
        return False  # a recorded visit is kept as recorded

    def response_add(self, request, obj, post_url_continue=None):
        # Django's message quotes str(obj), the recipient's name, above a masked list.
        messages.success(request, _("The visit was recorded."))
        if "_addanother" in request.POST:
            return HttpResponseRedirect(reverse("console:assistance_visit_add"))
        return HttpResponseRedirect(reverse("console:assistance_visit_changelist"))

    def get_fields(self, request, obj=None):
        if obj is not None:
            return VISIT_DETAIL_FIELDS
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return VISIT_DETAIL_FIELDS if obj is not None else []

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("totals/", view(self.totals_view), name="assistance_visit_totals"),
            path("import/", view(self.import_view), name="assistance_visit_import"),
            path(
                "import/template.xlsx",
                view(self.template_view),
                name="assistance_visit_import_template",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm(VIEW_VISIT):
            extra_context["totals_url"] = reverse("console:assistance_visit_totals")
        if request.user.has_perm(visits_import.IMPORT_PERMISSION):
            extra_context["import_url"] = reverse("console:assistance_visit_import")
        return super().changelist_view(request, extra_context)

    # --- totals ------------------------------------------------------------------------

    def totals_view(self, request):
        user = request.user
        if not user.has_perm(VIEW_VISIT):
            raise PermissionDenied
        form = TotalsForm(request.GET or None, user=user)
        filters: dict = {}
        parent = None
        if form.is_bound and form.is_valid():
            d = form.cleaned_data
            filters = {k: v for k, v in (("start", d["start"]), ("end", d["end"])) if v is not None}
            if d["campaign"] is not None:
                filters["campaign"] = d["campaign"]
            parent = d["org"]
        valid = not form.is_bound or form.is_valid()
        if parent is None:
            parent = form.fields["org"].queryset.first()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Condolence visit totals"),
            "opts": self.opts,
            "form": form,
            "parent": parent,
            "total": cents(queries.visit_totals(user, **filters)) if valid else None,
            "by_campaign": [
                (campaign, cents(t))
                for campaign, t in (queries.totals_by_campaign(user, **filters) if valid else [])
            ],
            "by_org": [
                (org, cents(t))
                for org, t in (
                    queries.totals_by_child_org(user, parent, **filters)
                    if valid and parent is not None
                    else []
                )
            ],
            "changelist_url": reverse("console:assistance_visit_changelist"),
        }
        request.current_app = self.admin_site.name
        return render(request, TEMPLATES + "visit_totals.html", context)

    # --- import ------------------------------------------------------------------------

    def template_view(self, request):
        if not request.user.has_perm(visits_import.IMPORT_PERMISSION):
            raise PermissionDenied
        response = HttpResponse(visits_import.build_template(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="visits-template.xlsx"'
        return response

    def import_view(self, request):
        if not request.user.has_perm(visits_import.IMPORT_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            form = VisitImportForm(request.POST, request.FILES, user=request.user)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        job = visits_import.create_visit_import_job(
                            actor=request.user,
                            org=form.cleaned_data["org"],
                            upload=form.cleaned_data["file"],
                            preview=True,  # the job page shows the preview to confirm
                        )
                except ActionError as exc:
                    form.add_error("file", exc)
                else:
                    return HttpResponseRedirect(
                        reverse("console:imports_importjob_change", args=[job.pk])
                    )
        else:
            form = VisitImportForm(user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import condolence visits"),
            "opts": self.opts,
            "form": form,
            "template_url": reverse("console:assistance_visit_import_template"),
            "changelist_url": reverse("console:assistance_visit_changelist"),
        }
        request.current_app = self.admin_site.name
        return render(request, TEMPLATES + "visit_import.html", context)
