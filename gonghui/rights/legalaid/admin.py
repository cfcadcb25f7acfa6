"""Console pages of legal aid: the queue (filtered per role's work: to decide, waiting for a
lawyer, past a deadline, for a law firm the cases to take up), the application page (step
indicator, timeline, documents, the hardship file found for the applicant, the declared
buttons of workflows.py each on its ``<pk>/do/<name>/`` page), the form staff fill to take an
application, and the scoped download of a document. Reads go through ``restrict``; every
write is an action.

A law firm's partner account holds no legal-aid permission in its role (partner_scope.py):
it reaches these pages because ``agency_id_of`` names its firm, and reads only the
applications assigned to the firm.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from gonghui.console.base import ActionForm, ScopedModelAdmin
from gonghui.console.paginator import CappedPaginator
from gonghui.console.sites import console_site
from gonghui.orgs.models import Employer
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.calendar.deadlines import DeadlineStatus
from gonghui.platform.pii.files import open_for_download
from gonghui.platform.pii.masking import mask_id_detail, mask_name, mask_phone
from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.platform.workflow.faces import TransitionAdmin
from gonghui.platform.workflow.steps import step_marks
from gonghui.rights.legalaid import actions, deadlines, todos
from gonghui.rights.legalaid import lawyer as lawyer_steps
from gonghui.rights.legalaid.choices import AidState, CaseType, DocumentKind
from gonghui.rights.legalaid.models import AidApplication, AidDocument
from gonghui.rights.legalaid.words import STEP_LABELS
from gonghui.rights.models import Ticket
from gonghui.rights.partners import PartnerReadable, agency_id_of

S = AidState


class QueueFilter(DropdownFilter):
    """The work waiting: open applications by default, or one queue of the start page."""

    title = _("queue")
    parameter_name = "queue"
    all_option = ["all", _("All")]

    def lookups(self, request, model_admin):
        return [
            ("open", _("Not finished")),
            (todos.Q_DECIDE, _("To decide")),
            (todos.Q_ASSIGN, _("Waiting for a lawyer")),
            (todos.Q_LAWYER, _("To be taken up by the lawyer")),
            (todos.Q_HANDLING, _("Being handled by the lawyer")),
            (todos.Q_OVERDUE, _("Past a deadline")),
        ]

    def value(self):
        return super().value() or "open"

    def queryset(self, request, queryset):
        value, user = self.value(), request.user
        if value == "all":
            return queryset
        if value == todos.Q_DECIDE:
            return todos.waiting_for_decision(user, queryset)
        if value == todos.Q_ASSIGN:
            return todos.waiting_for_lawyer(user, queryset)
        if value == todos.Q_LAWYER:
            return todos.waiting_for_take_up(user, queryset)
        if value == todos.Q_HANDLING:
            return todos.being_handled(user, queryset)
        if value == todos.Q_OVERDUE:
            return deadlines.overdue(queryset)
        return queryset.exclude(state__in=(S.CLOSED, S.REFUSED))


class TakeApplicationForm(ActionForm, forms.ModelForm):
    """Staff take an application at the counter or on the phone."""

    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=50)
    applicant_phone = forms.CharField(label=_("Applicant's phone"), max_length=20)
    applicant_id_number = forms.CharField(
        label=_("Applicant's ID number"), max_length=18, required=False
    )
    case_type = forms.ChoiceField(label=_("Case type"), choices=CaseType.choices)
    facts = forms.CharField(
        label=_("Facts of the case"), max_length=2000, widget=forms.Textarea({"rows": 4})
    )
    claims = forms.CharField(
        label=_("What the worker asks for"), max_length=1000, widget=forms.Textarea({"rows": 2})
    )

    class Meta:
        model = AidApplication
        fields = [
            "applicant_name",
            "applicant_phone",
            "applicant_id_number",
            "case_type",
            "employer_name",
            "facts",
            "claims",
        ]

    def bind_request(self, request):
        self.request = request
        if "employer_name" in self.fields:
            self.fields["employer_name"].help_text = _(
                "Its exact name links the employer on file; otherwise the name is kept as typed."
            )

    def run_action(self):
        d = self.cleaned_data
        name = (d.get("employer_name") or "").strip()
        return actions.take_application(
            actor=self.request.user,
            applicant_name=d["applicant_name"],
            applicant_phone=d["applicant_phone"],
            applicant_id_number=d["applicant_id_number"],
            case_type=d["case_type"],
            employer=Employer.objects.filter(name=name).first() if name else None,
            employer_name=name,
            facts=d["facts"],
            claims=d["claims"],
        )


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    upload = forms.FileField(label=_("File"))


class FromTicketForm(forms.Form):
    case_type = forms.ChoiceField(label=_("Case type"), choices=CaseType.choices)


DETAIL_FIELDS = [
    "number",
    "state",
    "case_type",
    "channel",
    "org",
    "masked_applicant",
    "masked_phone",
    "masked_id",
    "employer_name",
    "facts",
    "claims",
    "ticket",
    "applied_at",
    "due_badge",
    "correction_request",
    "hardship",
    "hardship_file_number",
    "hardship_note",
    "decided_at",
    "refusal_reason",
    "lawyer_agency",
    "lawyer_name",
    "assigned_at",
    "outcome",
    "amount_recovered",
    "outcome_note",
    "closed_at",
]


@admin.register(AidApplication, site=console_site)
class AidApplicationAdmin(PartnerReadable, TransitionAdmin, ScopedModelAdmin):
    form = TakeApplicationForm
    list_display = [
        "number",
        "case_type",
        "org",
        "applied_at",
        "due_badge",
        "lawyer_agency",
        "state",
    ]
    list_select_related = ["org", "lawyer_agency"]
    list_filter = [QueueFilter, "state", "case_type"]
    list_filter_submit = True
    search_fields = ["number"]
    search_help_text = _("Application number")
    ordering = ["applied_at", "id"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedPaginator
    change_form_template = "legalaid/admin/application_change_form.html"

    def get_fields(self, request, obj=None):
        return list(TakeApplicationForm.Meta.fields) if obj is None else DETAIL_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else DETAIL_FIELDS

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("Applicant"))
    def masked_applicant(self, obj):
        return mask_name(obj.applicant_name)

    @admin.display(description=_("Applicant's phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.applicant_phone)

    @admin.display(description=_("Applicant's ID number"))
    def masked_id(self, obj):
        return mask_id_detail(obj.applicant_id_number) if obj.applicant_id_number else ""

    @admin.display(description=_("Due"))
    def due_badge(self, obj):
        """The running clock's due day, red once overdue, amber when due soon."""
        found = deadlines.clock(obj)
        if found is None:
            return ""
        due, status = found.due(), found.status()
        text = due.isoformat() if due else "?"
        badge = {
            DeadlineStatus.OVERDUE: ("bg-red-100 text-red-700", _("Overdue")),
            DeadlineStatus.WARNING: ("bg-amber-100 text-amber-800", _("Due soon")),
        }.get(status)
        if badge is None:
            return format_html(
                '<span title="{}">{}</span> {}', found.rule.legal_basis, text, found.label
            )
        return format_html(
            '<span class="{} rounded px-2 py-0.5 text-xs font-semibold" title="{}">{}</span> {} {}',
            badge[0],
            found.rule.legal_basis,
            badge[1],
            text,
            found.label,
        )

    def get_urls(self):
        return [
            path(
                "document/<uuid:public_id>/",
                self.admin_site.admin_view(self.document_view),
                name="legalaid_aiddocument_download",
            ),
            path(
                "<int:object_id>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="legalaid_aidapplication_upload",
            ),
            path(
                "<int:object_id>/contact/",
                self.admin_site.admin_view(self.contact_view),
                name="legalaid_aidapplication_contact",
            ),
            path(
                "from-ticket/<int:ticket_id>/",
                self.admin_site.admin_view(self.from_ticket_view),
                name="legalaid_aidapplication_from_ticket",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, public_id):
        """Stream one document to a user who may read its application; 404 for anyone else."""
        doc = get_scoped_or_404(
            AidDocument.objects.select_related("application__org"),
            request.user,
            "view",
            public_id=public_id,
        )
        app = doc.application
        record_event(
            actor=request.user,
            action="legalaid.download_document",
            obj=doc,
            org=app.org,
            details={"kind": doc.kind, "application": app.number},
        )
        response = FileResponse(
            open_for_download(doc.content),
            as_attachment=True,
            filename=doc.original_name or "document",
            content_type=doc.content_type,
        )
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def upload_view(self, request, object_id):
        """Staff add a document (the application form signed at the counter, the union's
        hardship certificate, evidence): sniffed PDF/JPEG/PNG up to 10 MB, or refused."""
        app = get_scoped_or_404(AidApplication, request.user, "view", pk=object_id)
        back = reverse("console:legalaid_aidapplication_change", args=[app.pk])
        form = DocumentUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                actions.add_document(
                    actor=request.user,
                    application=app,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["upload"],
                )
            except OutOfScope:
                raise Http404 from None
            except ActionError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The document was added."))
        elif request.method == "POST":
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        return HttpResponseRedirect(back)

    def contact_view(self, request, object_id):
        """The applicant's full name and phone for the lawyer acting for her: posted with a
        purpose, audited (lawyer_steps.reveal_contact); 404 for anyone else."""
        app = get_scoped_or_404(AidApplication, request.user, "view", pk=object_id)
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("console:legalaid_aidapplication_change", args=[app.pk])
            )
        try:
            contact = lawyer_steps.reveal_contact(
                actor=request.user, application=app, purpose=request.POST.get("purpose", "")
            )
        except OutOfScope:
            raise Http404 from None
        except ActionError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(
                reverse("console:legalaid_aidapplication_change", args=[app.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("The applicant's contact"),
            "opts": self.model._meta,
            "application": app,
            "contact": contact,
        }
        request.current_app = self.admin_site.name
        response = render(request, "legalaid/admin/contact.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def from_ticket_view(self, request, ticket_id):
        """将 12351 工单转为法律援助申请: the ticket read through the user's scope (404 outside
        it), a case type chosen, the one action run; the ticket page links here."""
        ticket = get_scoped_or_404(Ticket, request.user, "view", pk=ticket_id)
        form = FromTicketForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                app = actions.apply_from_ticket(
                    actor=request.user, ticket=ticket, case_type=form.cleaned_data["case_type"]
                )
            except ActionError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The legal-aid application was opened."))
                return HttpResponseRedirect(
                    reverse("console:legalaid_aidapplication_change", args=[app.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Turn the ticket into a legal-aid application"),
            "opts": self.model._meta,
            "form": form,
            "ticket": ticket,
        }
        request.current_app = self.admin_site.name
        return render(request, "legalaid/admin/from_ticket.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        steps = list(obj.steps.select_related("actor").order_by("at", "id"))
        marks, off_path = step_marks(obj, [s.from_state for s in steps if s.from_state])
        documents = [
            (d, reverse("console:legalaid_aiddocument_download", args=[d.public_id]))
            for d in restrict(AidDocument, request.user).filter(application=obj)
        ]
        can_contact = obj.state in (S.ASSIGNED, S.HANDLING) and (
            restrict(AidApplication, request.user, actions.HANDLE).filter(pk=obj.pk).exists()
        )
        hardship_file = None
        if obj.state == S.REVIEWING and agency_id_of(request.user) is None:
            hardship_file = actions.hardship_file_of(obj, request.user)
        extra_context = {
            **(extra_context or {}),
            "step_marks": marks,
            "off_path": off_path,
            "timeline": [(s, STEP_LABELS.get(s.name, s.name)) for s in steps],
            "documents": documents,
            "hardship_file": hardship_file,
            "upload_url": reverse("console:legalaid_aidapplication_upload", args=[obj.pk])
            if request.user.has_perm("legalaid.change_aidapplication")
            and obj.state not in (S.CLOSED, S.REFUSED)
            else "",
            "upload_form": DocumentUploadForm(),
            "contact_url": reverse("console:legalaid_aidapplication_contact", args=[obj.pk])
            if can_contact
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)
