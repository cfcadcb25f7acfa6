"""The small forms that run one review step each (submit, first review, home visit, verify,
objections, publicity, approve, return, reject, withdraw) and which of them a user may use.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions, queries
from gonghui.assistance.admin_cases._shared import CaseForm, DateInput, holds
from gonghui.assistance.choices import (
    EDITABLE_STATES,
    NON_MONEY_AID,
    CivilAffairsResult,
    FileLevel,
    ObjectionDecision,
    Tier,
)
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import AidItem, Application


class SubmitForm(CaseForm):
    def run_action(self):
        return actions.submit_application(actor=self.actor, application=self.obj)


class FirstReviewForm(CaseForm):
    opinion = forms.CharField(
        label=_("Opinion"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )

    def run_action(self):
        return actions.first_review(
            actor=self.actor, application=self.obj, opinion=self.cleaned_data["opinion"]
        )


class HomeVisitForm(CaseForm):
    visit_date = forms.DateField(label=_("Date of the visit"), widget=DateInput)
    visitors = forms.CharField(label=_("Visitors"), max_length=200)
    findings = forms.CharField(
        label=_("Findings"), max_length=4000, widget=forms.Textarea({"rows": 5})
    )
    authorisation = forms.FileField(
        label=_("Signed income-check authorisation (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("Required unless it is already among the file's documents."),
    )

    def run_action(self):
        d = self.cleaned_data
        return actions.record_home_visit(
            actor=self.actor,
            application=self.obj,
            visit_date=d["visit_date"],
            visitors=d["visitors"],
            findings=d["findings"],
            authorisation=d.get("authorisation"),
        )


def _blank(choices):
    return [("", "---------"), *choices]


class VerifyForm(CaseForm):
    civil_affairs_result = forms.ChoiceField(
        label=_("Civil-affairs income check"), choices=_blank(CivilAffairsResult.choices)
    )
    checked_on = forms.DateField(label=_("Date of the check"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note on the check"), required=False, max_length=300)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=_blank(Tier.choices))
    level = forms.ChoiceField(label=_("Level"), required=False, choices=_blank(FileLevel.choices))
    opinion = forms.CharField(
        label=_("Opinion"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )

    def setup(self):
        file = self.obj.file
        self.fields["tier"].initial = file.tier
        self.fields["level"].initial = file.level

    def run_action(self):
        d = self.cleaned_data
        return actions.verify(
            actor=self.actor,
            application=self.obj,
            civil_affairs_result=d["civil_affairs_result"],
            checked_on=d.get("checked_on"),
            tier=d.get("tier") or "",
            level=d.get("level") or "",
            note=d.get("note") or "",
            opinion=d.get("opinion") or "",
        )


class ObjectionForm(CaseForm):
    content = forms.CharField(
        label=_("What the objection says"), max_length=4000, widget=forms.Textarea({"rows": 4})
    )
    raised_by = forms.CharField(label=_("Raised by"), required=False, max_length=100)
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DateInput)

    def run_action(self):
        d = self.cleaned_data
        return actions.record_objection(
            actor=self.actor,
            application=self.obj,
            content=d["content"],
            raised_by=d.get("raised_by") or "",
            received_on=d.get("received_on"),
        )


class DecideObjectionForm(CaseForm):
    objection = forms.ModelChoiceField(label=_("Objection"), queryset=None)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ObjectionDecision.DISMISSED, ObjectionDecision.DISMISSED.label),
            (ObjectionDecision.UPHELD, _("Upheld: back to verification")),
        ],
    )
    note = forms.CharField(
        label=_("Reason"), required=False, max_length=300, widget=forms.Textarea({"rows": 3})
    )

    def setup(self):
        field = self.fields["objection"]
        field.queryset = self.obj.objections.filter(decision=ObjectionDecision.PENDING)
        field.label_from_instance = lambda o: f"{o.received_on}: {o.content[:60]}"

    def run_action(self):
        d = self.cleaned_data
        return actions.decide_objection(
            actor=self.actor,
            objection=d["objection"],
            upheld=d["decision"] == ObjectionDecision.UPHELD,
            note=d.get("note") or "",
        )


class EndPublicityForm(CaseForm):
    def run_action(self):
        return actions.end_publicity(actor=self.actor, application=self.obj)


class ApproveForm(CaseForm):
    opinion = forms.CharField(
        label=_("Opinion"), required=False, max_length=500, widget=forms.Textarea({"rows": 3})
    )

    def setup(self):
        self.lines = queries.budget_lines(self.obj)
        amount_fields = {}
        for line in self.lines:
            item = line.item
            if item.aid_type in NON_MONEY_AID or item.amount_requested is None:
                continue
            if line.budget is None:
                hint = _("Requested %(requested)s yuan; no budget for this aid.") % {
                    "requested": item.amount_requested
                }
            else:
                hint = _("Requested %(requested)s yuan; %(remaining)s yuan left in the budget.") % {
                    "requested": item.amount_requested,
                    "remaining": line.remaining,
                }
            amount_fields[f"amount_{item.pk}"] = forms.CharField(
                label=_("%(aid)s: amount granted (yuan)") % {"aid": _item_label(item)},
                initial=f"{item.amount_requested:.2f}",
                required=False,
                max_length=20,
                help_text=hint,
            )
        self.fields = {**amount_fields, **self.fields}

    def run_action(self):
        amounts = {
            name.removeprefix("amount_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("amount_")
        }
        return actions.approve(
            actor=self.actor,
            application=self.obj,
            amounts=amounts,
            opinion=self.cleaned_data.get("opinion") or "",
        )


class ReasonForm(CaseForm):
    # Not required in the form: the action's own message ("A reason is required.") is shown.
    reason = forms.CharField(
        label=_("Reason (required)"),
        required=False,
        max_length=500,
        widget=forms.Textarea({"rows": 3}),
    )


class ReturnForm(ReasonForm):
    def run_action(self):
        return actions.return_application(
            actor=self.actor, application=self.obj, reason=self.cleaned_data["reason"]
        )


class RejectForm(ReasonForm):
    def run_action(self):
        return actions.reject_application(
            actor=self.actor, application=self.obj, reason=self.cleaned_data["reason"]
        )


class WithdrawForm(CaseForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def run_action(self):
        return actions.withdraw_application(
            actor=self.actor, application=self.obj, reason=self.cleaned_data["reason"]
        )


# name: (form, button label, success message, danger)
STEPS = {
    "submit": (SubmitForm, _("Submit for review"), _("The application was submitted."), False),
    "first_review": (
        FirstReviewForm,
        _("First review"),
        _("First review recorded: the case goes to the home visit."),
        False,
    ),
    "home_visit": (
        HomeVisitForm,
        _("Record the home visit"),
        _("The home visit was recorded: the case goes to verification."),
        False,
    ),
    "verify": (
        VerifyForm,
        _("Verify"),
        _("Verified: the case is in publicity."),
        False,
    ),
    "objection": (ObjectionForm, _("Record an objection"), _("The objection was recorded."), False),
    "decide_objection": (
        DecideObjectionForm,
        _("Decide an objection"),
        _("The objection was decided."),
        False,
    ),
    "end_publicity": (
        EndPublicityForm,
        _("End publicity"),
        _("Publicity ended: the case awaits approval."),
        False,
    ),
    "approve": (ApproveForm, _("Approve"), _("The application was approved."), False),
    "return": (
        ReturnForm,
        _("Return for correction"),
        _("The application was returned for correction."),
        True,
    ),
    "reject": (RejectForm, _("Reject"), _("The application was rejected."), True),
    "withdraw": (WithdrawForm, _("Withdraw"), _("The application was withdrawn."), True),
}


def available_steps(user, application: Application) -> list[str]:
    """The transition buttons ``user`` may use on ``application`` in its current state."""
    allowed = {t.name for t in actions.application_states.allowed(application)}
    steps = []
    can_change = holds(user, "assistance.change_application", application)
    if application.state in EDITABLE_STATES and can_change:
        steps.append("submit")
    perm = actions.STEP_PERMISSION.get(application.state)
    if perm and holds(user, perm, application):
        steps += [n for n in ("first_review", "home_visit", "verify") if n in allowed]
        if application.state == S.PUBLICITY:
            steps.append("objection")
            if application.objections.filter(decision=ObjectionDecision.PENDING).exists():
                steps.append("decide_objection")
            steps.append("end_publicity")
        if "approve" in allowed:
            steps.append("approve")
        steps += ["return", "reject"]
    if "withdraw" in allowed and can_change:
        steps.append("withdraw")
    return steps


def _item_label(item: AidItem) -> str:
    label = str(item.get_aid_type_display())
    if item.school:
        label = f"{label} ({item.school})"
    return label
