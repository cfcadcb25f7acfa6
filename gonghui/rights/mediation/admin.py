"""Console pages of mediation: the queue (to accept, referrals to sign for, in mediation, due
soon, past the time limit), the case page (step indicator, timeline, sessions, referrals, the
documents to download, the declared buttons of workflows.py each on its ``<pk>/do/<name>/``
page), the form that opens a case (from scratch or from a 12351 ticket's number) and the
form that records a court's or agency's referral. Reads go through ``restrict``; every write
is an action (intake.py, actions.py)."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.sites import console_site
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.scoping import restrict, user_permissions
from gonghui.platform.calendar.deadlines import DeadlineStatus
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import TransitionAdmin
from gonghui.platform.workflow.steps import step_marks
from gonghui.rights.mediation import deadlines, documents, intake, todos
from gonghui.rights.mediation.choices import OPEN_STATES, ReferralKind
from gonghui.rights.mediation.models import MediationCase, Referral
from gonghui.rights.mediation.words import STEP_LABELS
from gonghui.rights.models import Ticket
from gonghui.rights.partners import PartnerReadable


class QueueFilter(DropdownFilter):
    """The work waiting: open cases by default, or one queue of the start page."""

    title = _("queue")
    parameter_name = "queue"
    all_option = ["all", _("All")]

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            (todos.Q_ACCEPT, _("To accept")),
            (todos.Q_SIGN, _("Referrals to sign for")),
            (todos.Q_MEDIATING, _("In mediation")),
            (todos.Q_DUE, _("Due soon")),
            (todos.Q_OVERDUE, _("Past the time limit")),
        ]

    def value(self):
        return super().value() or "open"

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        if value in todos.QUEUES:
            return todos.QUEUES[value](request.user, queryset)
        return queryset.filter(state__in=OPEN_STATES)


def parse_lines(text: str, names: tuple[str, ...]) -> list[dict]:
    """One row a line, its values separated by commas (Chinese or Latin)."""
    rows = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if any(parts):
            rows.append(dict(zip(names, parts + [""] * len(names), strict=False)))
    return rows


class PartiesForm(forms.Form):
    """The applicants, the respondent, the claims and the facts of a new case."""

    applicants = forms.CharField(
        label=_("Applicants"),
        widget=forms.Textarea({"rows": 3}),
        help_text=_("One worker a line: name, phone, ID number (a collective dispute: many)."),
    )
    employer_name = forms.CharField(
        label=_("Respondent"),
        max_length=200,
        help_text=_("Its exact name links the employer on file; otherwise kept as typed."),
    )
    claims = forms.CharField(
        label=_("Claims"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("One claim a line: what is claimed, amount in yuan."),
    )
    facts = forms.CharField(
        label=_("Facts of the dispute"), max_length=4000, widget=forms.Textarea({"rows": 5})
    )

    def parties(self) -> dict:
        d = self.cleaned_data
        name = d["employer_name"].strip()
        return {
            "applicants": parse_lines(d["applicants"], ("name", "phone", "id_number")),
            "claims": parse_lines(d.get("claims", ""), ("item", "amount")),
            "employer": Employer.objects.filter(name=name).first(),
            "employer_name": name,
            "facts": d["facts"],
        }


class CaseForm(ActionForm, forms.ModelForm):
    """Open a case: from a 12351 ticket (its number alone), or from scratch."""

    ticket_number = forms.CharField(
        label=_("From 12351 ticket"),
        required=False,
        max_length=20,
        help_text=_("The ticket's number: its caller, employer and facts are copied."),
    )
    mediating_org = forms.TypedChoiceField(label=_("Mediating union"), coerce=int, required=False)
    applicants = PartiesForm.base_fields["applicants"]
    employer_name = PartiesForm.base_fields["employer_name"]
    claims = PartiesForm.base_fields["claims"]
    facts = PartiesForm.base_fields["facts"]

    class Meta:
        model = MediationCase
        fields = ["ticket_number", "mediating_org", "applicants", "employer_name", "claims"]
        fields += ["facts"]

    def bind_request(self, request):
        self.request = request
        if "mediating_org" not in self.fields:
            return
        orgs = restrict(Org, request.user, intake.ADD).filter(status="active").order_by("path")
        self.fields["mediating_org"].choices = [(o.pk, o.name) for o in orgs[:500]]
        for name in ("applicants", "employer_name", "facts"):
            if name in self.fields:
                self.fields[name].required = False

    def run_action(self):
        d = self.cleaned_data
        user = self.request.user
        number = (d.get("ticket_number") or "").strip()
        if number:
            ticket = restrict(Ticket, user, "view").filter(number=number).first()
            if ticket is None:
                raise forms.ValidationError(_("No ticket of that number in your area."))
            return _refusing(lambda: intake.open_case_from_ticket(actor=user, ticket=ticket))
        form = PartiesForm(self.data)
        if not form.is_valid():
            raise forms.ValidationError(_("Fill in the applicants, the respondent and the facts."))
        return _refusing(
            lambda: intake.open_case(actor=user, org=d["mediating_org"], **form.parties())
        )


def _refusing(run):
    try:
        return run()
    except ActionError as exc:
        raise forms.ValidationError(exc.messages) from exc


DETAIL_FIELDS = [
    "number",
    "state",
    "source",
    "org",
    "masked_applicants",
    "employer_name",
    "facts",
    "claims_list",
    "mediator",
    "applied_at",
    "accepted_at",
    "due_badge",
    "extension_days",
    "extension_reason",
    "outcome",
    "agreement_terms",
    "amount_agreed",
    "dispute_points",
    "arbitration_deadline",
    "withdrawal_reason",
    "confirmed_on",
    "confirmation_court",
    "confirmation_number",
    "ticket",
]


def due_badge(obj):
    """The time limit's last day, red once overdue, amber when due soon."""
    rule = deadlines.rule_of(obj)
    if rule is None or obj.due_on is None:
        return ""
    status = deadlines.status(obj)
    badge = {
        DeadlineStatus.OVERDUE: ("bg-red-100 text-red-700", _("Overdue")),
        DeadlineStatus.WARNING: ("bg-amber-100 text-amber-800", _("Due soon")),
    }.get(status)
    if badge is None:
        return format_html('<span title="{}">{}</span>', rule.legal_basis, obj.due_on)
    return format_html(
        '<span class="{} rounded px-2 py-0.5 text-xs font-semibold" title="{}">{}</span> {}',
        badge[0],
        rule.legal_basis,
        badge[1],
        obj.due_on,
    )


@admin.register(MediationCase, site=console_site)
class MediationCaseAdmin(PartnerReadable, TransitionAdmin, ScopedModelAdmin):
    form = CaseForm
    list_display = ["number", "employer_name", "org", "applied_at", "due_column", "state"]
    list_select_related = ["org"]
    list_filter = [QueueFilter, "state", "source"]
    list_filter_submit = True
    search_fields = ["number"]
    search_help_text = _("Case number")
    ordering = ["applied_at", "id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedPaginator
    change_form_template = "mediation/admin/case_change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.document_view)
        return [
            path(
                "<int:case_id>/documents/<str:kind>/",
                view,
                name="mediation_mediationcase_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, case_id, kind):
        """A Word document of the case for whoever may read it (audited in documents.py)."""
        name, content = documents.download(request.user, case_id, kind)
        response = HttpResponse(content, content_type=documents.DOCX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        response["Cache-Control"] = "no-store"
        return response

    def get_fields(self, request, obj=None):
        return list(CaseForm.Meta.fields) if obj is None else DETAIL_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else DETAIL_FIELDS

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("Applicants"))
    def masked_applicants(self, obj):
        return "；".join(
            f"{mask_name(a.name)} {mask_phone(a.phone) if a.phone else ''}".strip()
            for a in obj.applicants.all()
        )

    @admin.display(description=_("Claims"))
    def claims_list(self, obj):
        return "；".join(f"{c.item} {c.amount}" for c in obj.claims.all())

    @admin.display(description=_("Due"))
    def due_badge(self, obj):
        return due_badge(obj)

    @admin.display(description=_("Due"), ordering="due_on")
    def due_column(self, obj):
        return due_badge(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        steps = list(obj.steps.select_related("actor").order_by("at", "id"))
        marks, off_path = step_marks(obj, [s.from_state for s in steps if s.from_state])
        extra_context = {
            **(extra_context or {}),
            "step_marks": marks,
            "off_path": off_path,
            "timeline": [(s, STEP_LABELS.get(s.name, s.name)) for s in steps],
            "sessions": list(obj.sessions.order_by("held_on", "id")),
            "referrals": list(
                restrict(Referral, request.user).filter(case=obj).select_related("agency")
            ),
            "documents": [
                (
                    documents.TITLES[kind],
                    reverse("console:mediation_mediationcase_document", args=[obj.pk, kind]),
                )
                for kind in documents.available(obj)
            ],
        }
        return super().change_view(request, object_id, form_url, extra_context)


class ReferralForm(ActionForm, forms.ModelForm):
    """A court's or agency's referral, recorded by the union on its behalf (a partner
    account submits its own on the API)."""

    applicants = PartiesForm.base_fields["applicants"]
    employer_name = PartiesForm.base_fields["employer_name"]
    claims = PartiesForm.base_fields["claims"]
    facts = PartiesForm.base_fields["facts"]

    class Meta:
        model = Referral
        fields = ["agency", "kind", "agency_case_number", "referred_on", "note"]
        fields += ["applicants", "employer_name", "claims", "facts"]

    def bind_request(self, request):
        self.request = request
        if "agency" in self.fields:
            self.fields["agency"].queryset = intake.referable_agencies(request.user)
            self.fields["kind"].initial = ReferralKind.ENTRUSTED_PRE
            self.fields["referred_on"].initial = timezone.localdate()

    def run_action(self):
        d = self.cleaned_data
        parties = PartiesForm(self.data)
        if not parties.is_valid():
            raise forms.ValidationError(_("Fill in the applicants, the respondent and the facts."))
        case = _refusing(
            lambda: intake.refer_in(
                actor=self.request.user,
                agency=d["agency"],
                kind=d["kind"],
                agency_case_number=d["agency_case_number"],
                referred_on=d["referred_on"],
                note=d["note"],
                **parties.parties(),
            )
        )
        return case.referrals.get()


@admin.register(Referral, site=console_site)
class ReferralAdmin(PartnerReadable, ScopedModelAdmin):
    form = ReferralForm
    list_display = ["case", "agency", "direction", "kind", "referred_on", "signed_at"]
    list_select_related = ["case", "agency"]
    list_filter = ["direction", "kind"]
    ordering = ["-referred_on", "-id"]
    paginator = CappedPaginator
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(ReferralForm.Meta.fields)
        return ["case", "agency", "direction", "kind", "agency_case_number", "referred_on"] + [
            "signed_at",
            "returned_on",
            "feedback",
            "note",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_add_permission(self, request):
        # Recording a referral opens a case: the case's permission, not the row's.
        return intake.ADD in user_permissions(request.user)

    def has_change_permission(self, request, obj=None):
        return obj is None and self.has_add_permission(request)

    def response_add(self, request, obj, post_url_continue=None):
        from django.shortcuts import redirect

        return redirect("console:mediation_mediationcase_change", obj.case_id)
