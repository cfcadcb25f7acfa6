"""The worker's 12351 tickets on /m/rights/: she files one (category, what happened, her
employer found in the table or typed, what she asks for; her name and phone come from her
login), follows each with every step's date and the handling union's name (never a staff
member's), reads the reply and rates it once.

Reads are her own rows (``Ticket.objects.own``): another worker's ticket answers 404. Writes
are the rights actions; the rating is the ticket's declared ``rate`` transition (portal face).
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
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import run_posted
from gonghui.portal.views import member_required, person_of
from gonghui.rights import actions, attachments
from gonghui.rights.choices import Rating, TicketState
from gonghui.rights.models import Ticket
from gonghui.rights.words import STEP_LABELS

S = TicketState
# What comes next, in plain words, per state.
NEXT_STEP = {
    S.RECEIVED: gettext_lazy("The 12351 hotline received your ticket and is reading it."),
    S.CLASSIFIED: gettext_lazy("The hotline is choosing the union that will handle it."),
    S.DISPATCHED: gettext_lazy("The union it was sent to is taking it up."),
    S.HANDLING: gettext_lazy("The union is handling your ticket. It will reply to you here."),
    S.RESOLVED: gettext_lazy("Read the reply below and tell us whether you are satisfied."),
    S.VISITED: gettext_lazy("Thank you for your rating. The ticket is being closed."),
    S.CLOSED: gettext_lazy("This ticket is closed."),
}
# Steps she is told about (the hotline's internal ones are left out).
SHOWN_STEPS = (
    "receive",
    "dispatch",
    "accept",
    "approve_extension",
    "resolve",
    "answer_close",
    "rate",
    "visit_back",
    "reopen",
    "close",
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput({"accept": "application/pdf,image/jpeg,image/png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class FileForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("What is it about?"))
    employer_name = forms.CharField(
        label=gettext_lazy("Employer or platform"),
        max_length=200,
        help_text=gettext_lazy("Its full name, as on your contract or pay slip."),
    )
    facts = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=2000,
        widget=forms.Textarea({"rows": 5}),
        help_text=gettext_lazy("When, where, and who: for unpaid wages, the months and amount."),
    )
    employer_address = forms.CharField(
        label=gettext_lazy("Employer's address (optional)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Only for an employer in this city: others have their own hotline."),
    )
    request = forms.CharField(
        label=gettext_lazy("What do you ask for?"),
        max_length=1000,
        widget=forms.Textarea({"rows": 3}),
    )
    files = MultipleFileField(
        label=gettext_lazy("Documents (optional)"),
        required=False,
        help_text=gettext_lazy(
            "Pay slips, your contract, photos: PDF, JPEG or PNG, at most 10 MB each."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = actions.active_categories(parent__isnull=False)
        self.fields["category"].choices = [("", "---------")] + [(c.code, str(c)) for c in rows]


class UploadForm(forms.Form):
    files = MultipleFileField(label=gettext_lazy("Add documents"))


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


def _own(request, pk) -> Ticket:
    ticket = (
        Ticket.objects.own(request.user)
        .select_related("org", "category", "category__parent")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


@member_required
def rights_home(request):
    """My tickets: the open ones first, then the closed."""
    tickets = list(
        Ticket.objects.own(request.user)
        .select_related("org", "category", "category__parent")
        .order_by("-received_at", "-id")
    )
    return render(request, "portal/rights/home.html", {"tickets": tickets})


def _check_files(form, field="files") -> bool:
    """Every chosen file checked before anything is written; the reasons on the field."""
    for upload in form.cleaned_data.get(field) or []:
        try:
            attachments.check(upload)
        except ActionError as exc:
            form.add_error(field, f"{upload.name}: {' '.join(exc.messages)}")
    return not form.errors


@member_required
def rights_file(request):
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and _check_files(form):
        d = form.cleaned_data
        name = d["employer_name"].strip()
        try:
            with transaction.atomic():  # the ticket and its documents, or nothing
                ticket = actions.file_ticket(
                    actor=request.user,
                    person=person_of(request.user),
                    category=d["category"],
                    employer=Employer.objects.filter(name=name).first(),
                    employer_name=name,
                    employer_address=d["employer_address"],
                    facts=d["facts"],
                    request=d["request"],
                )
                for upload in d["files"]:
                    attachments.add_attachment(actor=request.user, ticket=ticket, upload=upload)
        except ActionError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Your ticket %(number)s was received. You can follow it here.")
                % {"number": ticket.number},
            )
            return redirect("portal:rights-detail", ticket.pk)
    return render(request, "portal/rights/file.html", {"form": form})


def _detail(request, ticket, rate_form=None, status=200, upload_form=None):
    steps = [
        (s, STEP_LABELS.get(s.name, s.name))
        for s in ticket.steps.order_by("at", "id")
        if s.name in SHOWN_STEPS
    ]
    can_rate = ticket.state == S.RESOLVED and not ticket.rating
    context = {
        "ticket": ticket,
        "steps": steps,
        "next_step": NEXT_STEP.get(ticket.state, ""),
        "rate_form": (rate_form or RateForm()) if can_rate else None,
        "attachments": list(ticket.attachments.order_by("id")),
        "upload_form": (upload_form or UploadForm())
        if attachments.may_add(request.user, ticket)
        else None,
    }
    return render(request, "portal/rights/detail.html", context, status=status)


@member_required
def rights_detail(request, pk):
    return _detail(request, _own(request, pk))


@member_required
def rights_rate(request, pk):
    ticket = _own(request, pk)
    if request.method != "POST":
        return redirect("portal:rights-detail", ticket.pk)
    if ticket.rating or ticket.state != S.RESOLVED:
        messages.error(request, _("You have already rated this ticket."))
        return _detail(request, ticket, status=409)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, form, status=400)
    result, form = run_posted(request, ticket, "rate", "portal")
    if form.errors:
        for message in form.non_field_errors():
            messages.error(request, message)
        return _detail(request, _own(request, pk), status=409)
    messages.success(request, _("Thank you: your rating was recorded."))
    return redirect("portal:rights-detail", ticket.pk)


@member_required
def rights_upload(request, pk):
    """She adds documents to her own ticket until it is closed: all of them, or none."""
    ticket = _own(request, pk)
    if request.method != "POST":
        return redirect("portal:rights-detail", ticket.pk)
    form = UploadForm(request.POST, request.FILES)
    if not (form.is_valid() and _check_files(form)):
        return _detail(request, ticket, status=400, upload_form=form)
    try:
        with transaction.atomic():
            for upload in form.cleaned_data["files"]:
                attachments.add_attachment(actor=request.user, ticket=ticket, upload=upload)
    except ActionError as exc:
        for message in exc.messages:
            form.add_error("files", message)
        return _detail(request, ticket, status=409, upload_form=form)
    messages.success(request, _("Your documents were added to the ticket."))
    return redirect("portal:rights-detail", ticket.pk)


@member_required
def rights_attachment(request, pk, public_id):
    """Download one document of her own ticket (404 for anyone else's); audited."""
    ticket = _own(request, pk)
    if not ticket.attachments.filter(public_id=public_id).exists():
        raise Http404
    return attachments.download(request, public_id)
