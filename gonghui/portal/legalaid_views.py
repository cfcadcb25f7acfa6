"""The worker's legal-aid applications on /m/legal-aid/: she applies (the kind of case, what
happened, her employer, what she asks for, her ID and evidence as PDF/JPEG/PNG; her name and
phone come from her login), follows each with every step's date, the union's name and, once
assigned, the lawyer's firm (never a staff member's name), reads the reason when legal aid is
refused, and sends the missing documents when the union asks for them.

Reads are her own rows (``AidApplication.objects.own``): another worker's answers 404. Writes
are the legal-aid actions; sending again is the declared ``resubmit`` transition (portal face).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.orgs.models import Employer
from gonghui.platform.validators.uploads import UploadError, check_upload
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import run_posted
from gonghui.portal.views import member_required, person_of
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid.choices import AidState, CaseType, DocumentKind
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.words import SHOWN_STEPS, STEP_LABELS

S = AidState
FILE_FIELDS = (("id_card", DocumentKind.ID_CARD), ("evidence", DocumentKind.EVIDENCE))
NEXT_STEP = {
    S.SUBMITTED: gettext_lazy("The union decides within 7 days whether to give you legal aid."),
    S.CORRECTION: gettext_lazy("The union needs more documents: add them below and send again."),
    S.REVIEWING: gettext_lazy("The union is reviewing your application."),
    S.GRANTED: gettext_lazy("Legal aid was granted. A lawyer will be assigned within 3 days."),
    S.REFUSED: gettext_lazy("The union did not grant legal aid. The reason is below."),
    S.ASSIGNED: gettext_lazy("A lawyer was assigned and will contact you."),
    S.HANDLING: gettext_lazy("The lawyer is handling your case."),
    S.CLOSED: gettext_lazy("Your case is closed."),
}


def _checked(field):
    def clean(self):
        upload = self.cleaned_data.get(field)
        if upload:
            try:
                check_upload(upload)
            except UploadError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload

    return clean


class ApplyForm(forms.Form):
    case_type = forms.ChoiceField(
        label=gettext_lazy("What is the case about?"),
        choices=[("", "---------"), *CaseType.choices],
    )
    employer_name = forms.CharField(
        label=gettext_lazy("Employer or platform"),
        max_length=200,
        help_text=gettext_lazy("Its full name, as on your contract or pay slip."),
    )
    facts = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=2000,
        widget=forms.Textarea({"rows": 5}),
        help_text=gettext_lazy("When, where, and who; the amounts involved."),
    )
    claims = forms.CharField(
        label=gettext_lazy("What do you ask for?"),
        max_length=1000,
        widget=forms.Textarea({"rows": 3}),
    )
    id_card = forms.FileField(
        label=gettext_lazy("Your ID card (photo or PDF)"),
        required=False,
        help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB."),
    )
    evidence = forms.FileField(
        label=gettext_lazy("Evidence (contract, pay slips, messages)"),
        required=False,
        help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB."),
    )

    clean_id_card = _checked("id_card")
    clean_evidence = _checked("evidence")


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Document"), choices=DocumentKind.choices)
    upload = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB.")
    )
    clean_upload = _checked("upload")


def _own(request, pk) -> AidApplication:
    app = (
        AidApplication.objects.own(request.user)
        .select_related("org", "lawyer_agency")
        .filter(pk=pk)
        .first()
    )
    if app is None:
        raise Http404
    return app


@member_required
def legalaid_home(request):
    """My applications, newest first."""
    apps = list(
        AidApplication.objects.own(request.user)
        .select_related("org", "lawyer_agency")
        .order_by("-applied_at", "-id")
    )
    return render(request, "portal/legalaid/home.html", {"applications": apps})


@member_required
def legalaid_apply(request):
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        name = d["employer_name"].strip()
        try:
            with transaction.atomic():  # the application and its documents, or nothing
                app = actions.apply_online(
                    actor=request.user,
                    person=person_of(request.user),
                    case_type=d["case_type"],
                    employer=Employer.objects.filter(name=name).first(),
                    employer_name=name,
                    facts=d["facts"],
                    claims=d["claims"],
                )
                for field, kind in FILE_FIELDS:
                    if d.get(field):
                        actions.add_document(
                            actor=request.user, application=app, kind=kind, upload=d[field]
                        )
        except ActionError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Your application %(number)s was sent. The union decides within 7 days.")
                % {"number": app.number},
            )
            return redirect("portal:legal-aid-detail", app.pk)
    return render(request, "portal/legalaid/apply.html", {"form": form})


def _detail(request, app, document_form=None, status=200):
    steps = [
        (s, STEP_LABELS.get(s.name, s.name))
        for s in app.steps.order_by("at", "id")
        if s.name in SHOWN_STEPS
    ]
    context = {
        "application": app,
        "steps": steps,
        "documents": list(app.documents.order_by("id")),
        "next_step": NEXT_STEP.get(app.state, ""),
        "can_add": app.state in actions.WORKER_EDITABLE,
        "can_resubmit": app.state == S.CORRECTION,
        "document_form": document_form or DocumentForm(),
    }
    return render(request, "portal/legalaid/detail.html", context, status=status)


@member_required
def legalaid_detail(request, pk):
    return _detail(request, _own(request, pk))


@member_required
def legalaid_document(request, pk):
    app = _own(request, pk)
    if request.method != "POST":
        return redirect("portal:legal-aid-detail", app.pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_document(
                actor=request.user,
                application=app,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["upload"],
            )
        except ActionError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The document was added."))
            return redirect("portal:legal-aid-detail", app.pk)
    return _detail(request, app, form, status=400)


@member_required
def legalaid_resubmit(request, pk):
    app = _own(request, pk)
    if request.method != "POST":
        return redirect("portal:legal-aid-detail", app.pk)
    if app.state != S.CORRECTION:
        messages.error(request, _("The union is not waiting for documents from you."))
        return _detail(request, app, status=409)
    _result, form = run_posted(request, app, "resubmit", "portal")
    if form.errors:
        for message in form.non_field_errors():
            messages.error(request, message)
        return _detail(request, _own(request, pk), status=409)
    messages.success(request, _("Sent again: the union decides within 7 days."))
    return redirect("portal:legal-aid-detail", app.pk)
