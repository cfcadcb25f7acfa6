"""The worker's mediation cases on /m/mediation/: she applies for mediation (the respondent,
what she claims with the amounts, what happened; her name and phone come from her login) and
follows each case — its state, the dates, the mediating union's name (never a staff member's)
and what comes next, such as the day until which she may apply for arbitration after a
failed mediation (劳动争议调解仲裁法 §27).

Reads are her own rows (``MediationCase.objects.own``): another worker's case answers 404.
Writes are the mediation actions.
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
from gonghui.portal.views import member_required, person_of
from gonghui.rights.mediation import intake
from gonghui.rights.mediation.choices import CaseState, Direction
from gonghui.rights.mediation.models import MediationCase
from gonghui.rights.mediation.words import STEP_LABELS

S = CaseState
CLAIM_ROWS = 3
NEXT_STEP = {
    S.APPLIED: gettext_lazy("The union is reading your application and will accept it."),
    S.ACCEPTED: gettext_lazy("The union accepted your case and will call both sides to mediate."),
    S.MEDIATING: gettext_lazy("Mediation is under way."),
    S.AGREED: gettext_lazy("An agreement was reached. Keep the signed agreement."),
    S.FAILED: gettext_lazy("No agreement was reached. You may apply for labour arbitration."),
    S.WITHDRAWN: gettext_lazy("This case was withdrawn."),
}
COURT_FAILED = gettext_lazy(
    "No agreement was reached. The case goes back to the court that referred it, which "
    "continues to handle it."
)
# Steps she is told about (the referral paperwork between the union and a court is left out).
SHOWN_STEPS = (
    "apply",
    "accept",
    "record_session",
    "extend",
    "agree",
    "fail",
    "withdraw",
    "confirm",
)


class ApplyForm(forms.Form):
    employer_name = forms.CharField(
        label=gettext_lazy("Employer"),
        max_length=200,
        help_text=gettext_lazy("Its full name, as on your contract or pay slip."),
    )
    facts = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=4000,
        widget=forms.Textarea({"rows": 5}),
        help_text=gettext_lazy("When, where, and who: for unpaid wages, the months and amount."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, CLAIM_ROWS + 1):
            self.fields[f"claim_{i}"] = forms.CharField(
                label=gettext_lazy("What you claim"),
                max_length=200,
                required=i == 1,
                help_text=gettext_lazy("For example: unpaid wages, overtime pay, compensation."),
            )
            self.fields[f"amount_{i}"] = forms.DecimalField(
                label=gettext_lazy("Amount (yuan)"),
                max_digits=10,
                decimal_places=2,
                min_value=0,
                required=i == 1,
            )

    def claims(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {"item": d[f"claim_{i}"], "amount": d[f"amount_{i}"]}
            for i in range(1, CLAIM_ROWS + 1)
            if d.get(f"claim_{i}") and d.get(f"amount_{i}") is not None
        ]


def _own(request, pk) -> MediationCase:
    case = MediationCase.objects.own(request.user).select_related("org").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


@member_required
def mediation_home(request):
    cases = list(
        MediationCase.objects.own(request.user).select_related("org").order_by("-applied_at")
    )
    return render(request, "portal/mediation/home.html", {"cases": cases})


@member_required
def mediation_apply(request):
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        name = d["employer_name"].strip()
        try:
            case = intake.apply_for_mediation(
                actor=request.user,
                person=person_of(request.user),
                employer=Employer.objects.filter(name=name).first(),
                employer_name=name,
                facts=d["facts"],
                claims=form.claims(),
            )
        except ActionError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Your mediation application %(number)s was received.") % {"number": case.number},
            )
            return redirect("portal:mediation-detail", case.pk)
    return render(request, "portal/mediation/apply.html", {"form": form})


def _next_step(case) -> str:
    """What comes next; a court's referral that failed goes back to the court."""
    referred = any(r.direction == Direction.IN for r in case.referrals.all())
    if case.state == S.FAILED and referred:
        return COURT_FAILED
    return NEXT_STEP.get(case.state, "")


@member_required
def mediation_detail(request, pk):
    case = _own(request, pk)
    steps = [
        (s, STEP_LABELS.get(s.name, s.name))
        for s in case.steps.order_by("at", "id")
        if s.name in SHOWN_STEPS
    ]
    context = {
        "case": case,
        "claims": list(case.claims.all()),
        "sessions": list(case.sessions.all()),
        "steps": steps,
        "next_step": _next_step(case),
    }
    return render(request, "portal/mediation/detail.html", context)
