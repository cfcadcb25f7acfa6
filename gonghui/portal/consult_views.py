"""The worker's legal consultations on /m/consult/: she asks in writing (what it is about and
her question; her name and phone come from her login), reads the lawyer's answers, follows up
(追问) and rates once; a consultation the union took up shows the ticket's number.

Reads are her own rows (``Consultation.objects.own``): another worker's answers 404. Writes are
the consult actions; following up and rating are the declared transitions (portal face), run
through ``run_posted`` so the same checks refuse them here and on the API.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import form_for, offer_for, run_posted
from gonghui.portal.views import member_required, person_of
from gonghui.rights.consult import actions
from gonghui.rights.consult.choices import ConsultState, Topic
from gonghui.rights.consult.models import Consultation
from gonghui.rights.consult.workflows import consultation_states

S = ConsultState
# What comes next, in plain words, per state.
NEXT_STEP = {
    S.UNASSIGNED: gettext_lazy("The union is choosing the lawyers who will answer you."),
    S.WAITING: gettext_lazy("A union lawyer is answering. You will get a message and an SMS."),
    S.ANSWERED: gettext_lazy(
        "Read the answer below. Ask a follow-up question, or tell us how satisfied you are."
    ),
    S.RATED: gettext_lazy("Thank you for your rating. This consultation is finished."),
    S.CLOSED: gettext_lazy("This consultation is closed. You can still rate the answer."),
    S.CONVERTED: gettext_lazy("The union took up your question and is handling it."),
}
PORTAL_STEPS = ("follow_up", "rate")


class AskForm(forms.Form):
    topic = forms.ChoiceField(
        label=gettext_lazy("What is it about?"), choices=[("", "---------"), *Topic.choices]
    )
    question = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=actions.QUESTION_LIMIT,
        widget=forms.Textarea({"rows": 6}),
        help_text=gettext_lazy(
            "What happened and what you want to know: for unpaid wages, the months and amount."
        ),
    )


def _own(request, pk) -> Consultation:
    found = (
        Consultation.objects.own(request.user)
        .select_related("org", "agency", "ticket")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@member_required
def consult_home(request):
    """My consultations, the newest first."""
    rows = list(
        Consultation.objects.own(request.user)
        .select_related("org", "agency")
        .order_by("-asked_at", "-id")
    )
    return render(request, "portal/consult/home.html", {"consultations": rows})


@member_required
def consult_ask(request):
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = actions.ask(
                actor=request.user,
                person=person_of(request.user),
                topic=form.cleaned_data["topic"],
                question=form.cleaned_data["question"],
            )
        except ActionError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Your question %(number)s was sent. You can follow it here.")
                % {"number": consultation.number},
            )
            return redirect("portal:consult-detail", consultation.pk)
    return render(request, "portal/consult/ask.html", {"form": form})


def _detail(request, consultation, forms_by_step=None, status=200):
    forms_by_step = forms_by_step or {}
    steps = {}
    for name in PORTAL_STEPS:
        offer = offer_for(consultation, request.user, name, "portal")
        if offer is not None and offer.enabled:
            steps[name] = forms_by_step.get(name) or form_for(offer.transition)()
    context = {
        "c": consultation,
        "thread": list(consultation.messages.order_by("at", "id")),
        "next_step": NEXT_STEP.get(consultation.state, ""),
        "follow_up_form": steps.get("follow_up"),
        "rate_form": steps.get("rate"),
    }
    return render(request, "portal/consult/detail.html", context, status=status)


@member_required
def consult_detail(request, pk):
    return _detail(request, _own(request, pk))


@member_required
def consult_do(request, pk, name):
    """Run her follow-up or her rating (POST); a refusal shows the page with the reason."""
    consultation = _own(request, pk)
    if name not in PORTAL_STEPS or name not in consultation_states.transitions:
        raise Http404
    if request.method != "POST":
        return redirect("portal:consult-detail", consultation.pk)
    offer = offer_for(consultation, request.user, name, "portal")
    if offer is None or not offer.enabled:
        if name == "rate" and consultation.rating:
            messages.error(request, _("You have already rated this consultation."))
        else:
            messages.error(request, _("This cannot be done now."))
        return _detail(request, consultation, status=409)
    _result, form = run_posted(request, consultation, name, "portal")
    if form.errors:
        return _detail(request, _own(request, pk), {name: form}, status=400)
    messages.success(request, str(offer.transition.done))
    return redirect("portal:consult-detail", consultation.pk)
