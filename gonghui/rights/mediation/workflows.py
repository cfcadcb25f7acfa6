"""Declared transitions of a mediation case (one StateMachine over ``MediationCase.state``);
the console buttons, the API endpoints and the portal are built from these.

申请 → 受理 ``accept`` (签收 of a court's referral) → 调解中 ``record_session`` → 达成协议
``agree`` (→ 司法确认 ``confirm``) / 未达成 ``fail`` (告知仲裁) / 撤回 ``withdraw``; ``extend``
with the parties' consent, ``return_referral`` (反馈函, 退回法院) and ``refer_out`` keep the
state. domain-scenarios.md C2 has the law.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.platform.workflow.transitions import StateMachine, Transition, register
from gonghui.rights.mediation import actions
from gonghui.rights.mediation.choices import CaseState, ReferralKind
from gonghui.rights.mediation.intake import referable_agencies
from gonghui.rights.mediation.models import MediationCase

S = CaseState
RUNNING = frozenset({S.ACCEPTED, S.MEDIATING})


# --- inputs -------------------------------------------------------------------------------------


class AcceptIn(Schema):
    mediator: int | None = Field(None, title="Mediator", description="Optional")


class SessionIn(Schema):
    held_on: date = Field(..., title="Date of the session")
    place: str = Field(..., min_length=1, max_length=200, title="Place")
    note: str = Field("", max_length=2000, title="What happened", description="Optional")


class ExtendIn(Schema):
    days: int = Field(..., ge=1, le=actions.MAX_EXTENSION_DAYS, title="Days added")
    reason: str = Field(..., min_length=1, max_length=300, title="Reason")
    consent: bool = Field(False, title="Both parties consented")


class AgreeIn(Schema):
    terms: str = Field(..., min_length=1, max_length=4000, title="Terms of the agreement")
    amount_agreed: Decimal | None = Field(
        None, ge=0, max_digits=10, decimal_places=2, title="Amount agreed (yuan)"
    )


class FailIn(Schema):
    dispute_points: str = Field(..., min_length=1, max_length=4000, title="Points in dispute")
    infringement_known_on: date = Field(
        ...,
        title="Worker knew of the infringement on",
        description="Her one-year arbitration limit runs from this day.",
    )


class CaseReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, title="Reason")


class ConfirmIn(Schema):
    confirmed_on: date = Field(..., title="Judicial confirmation date")
    court: str = Field(..., min_length=1, max_length=200, title="Confirming court")
    case_number: str = Field(..., min_length=1, max_length=60, title="Confirmation case number")


class FeedbackIn(Schema):
    feedback: str = Field(
        "",
        max_length=4000,
        title="Feedback letter",
        description="Empty: written from the record (the outcome or the points in dispute).",
    )


class ReferOutIn(Schema):
    agency: int = Field(..., title="Agency")
    kind: ReferralKind = Field(ReferralKind.OTHER, title="Kind of referral")
    note: str = Field("", max_length=300, title="Note", description="Optional")


# --- forms whose choices depend on the case ----------------------------------------------------


class AcceptForm(forms.Form):
    mediator = forms.TypedChoiceField(label=_("Mediator"), coerce=int, required=False)

    def bind(self, *, request, obj):
        self.fields["mediator"].choices = [("", "—")] + [
            (u.pk, u.display_name or u.username) for u in actions.mediator_choices(obj)
        ]
        self.fields["mediator"].initial = request.user.pk


class ReferOutForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of referral"), choices=ReferralKind.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, widget=forms.Textarea({"rows": 2})
    )

    def bind(self, *, request, obj):
        agencies = referable_agencies(request.user).order_by("kind", "name")[:500]
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]
        self.fields["kind"].initial = ReferralKind.OTHER


# --- why not now --------------------------------------------------------------------------------


def no_inbound_referral(case, user) -> list:
    if actions.open_inbound(case) is None:
        return [_("No referral of an agency is waiting for feedback.")]
    return []


def already_confirmed(case, user) -> list:
    if case.confirmed_on is not None:
        return [_("The judicial confirmation is already recorded.")]
    return []


def no_agencies(case, user) -> list:
    if not referable_agencies(user).exists():
        return [_("No partner agency is on the list yet.")]
    return []


# --- the machine --------------------------------------------------------------------------------


def _call(fn, **fixed):
    def execute(obj, actor, **data):
        return fn(actor=actor, case=obj, **fixed, **data)

    return execute


case_states = StateMachine(
    "state",
    [
        Transition(
            "accept",
            frozenset({S.APPLIED}),
            S.ACCEPTED,
            label=_("Accept the case"),
            permission=actions.ACCEPT,
            input=AcceptIn,
            form=AcceptForm,
            execute=_call(actions.accept),
            done=_("Accepted: the time limit for the mediation runs from today."),
            intro=_(
                "For a court's referral, accepting it signs for it: the court's time limit "
                "starts today."
            ),
        ),
        Transition(
            "record_session",
            frozenset({S.ACCEPTED, S.MEDIATING}),
            S.MEDIATING,
            label=_("Record a session"),
            permission=actions.MEDIATE,
            input=SessionIn,
            execute=_call(actions.record_session),
            done=_("The session was recorded."),
        ),
        Transition(
            "extend",
            RUNNING,
            None,
            label=_("Extend with the parties' consent"),
            permission=actions.MEDIATE,
            input=ExtendIn,
            execute=_call(actions.extend),
            style="secondary",
            done=_("The time limit was extended."),
        ),
        Transition(
            "agree",
            RUNNING,
            S.AGREED,
            label=_("Agreement reached"),
            permission=actions.MEDIATE,
            input=AgreeIn,
            execute=_call(actions.agree),
            done=_("The agreement was recorded: download the mediation agreement."),
        ),
        Transition(
            "fail",
            RUNNING,
            S.FAILED,
            label=_("No agreement"),
            permission=actions.MEDIATE,
            input=FailIn,
            execute=_call(actions.fail),
            style="danger",
            done=_("Recorded: the worker is told until when she may apply for arbitration."),
        ),
        Transition(
            "withdraw",
            frozenset({S.APPLIED, S.ACCEPTED, S.MEDIATING}),
            S.WITHDRAWN,
            label=_("Withdrawn"),
            permission=actions.MEDIATE,
            input=CaseReasonIn,
            execute=_call(actions.withdraw),
            style="danger",
            done=_("The case was withdrawn."),
        ),
        Transition(
            "confirm",
            frozenset({S.AGREED}),
            S.AGREED,
            label=_("Record the judicial confirmation"),
            permission=actions.MEDIATE,
            input=ConfirmIn,
            check=already_confirmed,
            execute=_call(actions.confirm),
            style="secondary",
            done=_("The judicial confirmation was recorded."),
        ),
        Transition(
            "return_referral",
            frozenset({S.AGREED, S.FAILED}),
            None,
            label=_("Send the feedback letter to the agency"),
            permission=actions.MEDIATE,
            input=FeedbackIn,
            check=no_inbound_referral,
            execute=_call(actions.return_referral),
            style="secondary",
            done=_(
                "The feedback letter was sent; a failed delegated case goes back to the "
                "court for filing."
            ),
        ),
        Transition(
            "refer_out",
            frozenset({S.ACCEPTED, S.MEDIATING, S.FAILED}),
            None,
            label=_("Refer to an agency"),
            permission=actions.REFER,
            input=ReferOutIn,
            form=ReferOutForm,
            check=no_agencies,
            execute=_call(actions.refer_out),
            style="secondary",
            done=_("The case was referred to the agency."),
        ),
    ],
)


def register_workflows() -> None:
    register(MediationCase, case_states)
