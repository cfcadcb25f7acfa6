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
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.orgs.models import Employer
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import run_posted
from gonghui.portal.views import member_required, person_of
from gonghui.rights import actions
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
    request = forms.CharField(
        label=gettext_lazy("What do you ask for?"),
        max_length=1000,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = actions.active_categories(parent__isnull=False)
        self.fields["category"].choices = [("", "---------")] + [(c.code, str(c)) for c in rows]


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


@member_required
def rights_file(request):
    form = FileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        name = d["employer_name"].strip()
        try:
            ticket = actions.file_ticket(
                actor=request.user,
                person=person_of(request.user),
                category=d["category"],
                employer=Employer.objects.filter(name=name).first(),
                employer_name=name,
                facts=d["facts"],
                request=d["request"],
            )
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


def _detail(request, ticket, rate_form=None, status=200):
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
