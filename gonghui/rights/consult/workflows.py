"""Declared transitions of a legal consultation (one StateMachine over ``Consultation.state``).

``ask`` creates it 待分配 (the city's queue) or, routed to a law firm at once, 待答复. Staff
``assign`` (or reassign) a firm → 待答复; the firm's lawyer ``answer``s → 已答复; the worker
``follow_up`` (追问) → 待答复 again, or ``rate``s once → 已评价; an answer with no follow-up
``auto_close``s → 已结束 (the nightly run; a closed one can still be rated). Staff turn it into a
12351 ticket, a mediation case or a legal-aid application (``to_ticket``, ``to_mediation``,
``to_legal_aid`` → 已转办, convert.py) at any point before.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.platform.access.scoping import user_permissions
from gonghui.platform.workflow.transitions import StateMachine, Transition, register
from gonghui.rights import actions as rights_actions
from gonghui.rights.choices import Rating
from gonghui.rights.consult import actions, convert
from gonghui.rights.consult.choices import ConsultState
from gonghui.rights.consult.models import Consultation
from gonghui.rights.partners import agency_id_of

S = ConsultState


# --- inputs -------------------------------------------------------------------------------------


class ConsultAssignIn(Schema):
    agency: int = Field(..., title="Law firm")


class ConsultAnswerIn(Schema):
    text: str = Field(
        ...,
        min_length=1,
        max_length=actions.QUESTION_LIMIT,
        title="Answer",
        description="The worker reads it on her phone: plain words, what she can do next.",
    )


class FollowUpIn(Schema):
    text: str = Field(
        ..., min_length=1, max_length=actions.QUESTION_LIMIT, title="Your follow-up question"
    )


class ConsultRateIn(Schema):
    rating: Rating = Field(..., title="How satisfied are you with the answer?")
    comment: str = Field("", max_length=300, title="Comment", description="Optional")


class ToTicketIn(Schema):
    category: str = Field(..., min_length=1, max_length=40, title="Category")
    request: str = Field(
        ..., min_length=1, max_length=1000, title="What the worker asks the union to do"
    )
    employer_name: str = Field("", max_length=200, title="Employer or platform")


class ToMediationIn(ToTicketIn):
    employer_name: str = Field(
        ..., min_length=1, max_length=200, title="Employer or platform (the respondent)"
    )


# --- forms whose choices depend on the user -----------------------------------------------------


class AssignForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Law firm"), coerce=int)

    def bind(self, *, request, obj):
        firms = actions.firms_for(request.user).exclude(pk=obj.agency_id)[:200]
        self.fields["agency"].choices = [(f.pk, f"{f.name} · {f.org.name}") for f in firms]


LEGAL_AID_ROOT = "legal-aid"  # the national 法律援助 category (rights/defaults.py)


class ToTicketForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    request = forms.CharField(
        label=_("What the worker asks the union to do"),
        max_length=1000,
        widget=forms.Textarea({"rows": 3}),
    )
    employer_name = forms.CharField(label=_("Employer or platform"), max_length=200, required=False)
    legal_aid_only = False

    def bind(self, *, request, obj):
        rows = rights_actions.active_categories(parent__isnull=False)
        if self.legal_aid_only:
            rows = [c for c in rows if c.root.code == LEGAL_AID_ROOT]
        self.fields["category"].choices = [(c.code, str(c)) for c in rows]


class ToLegalAidForm(ToTicketForm):
    legal_aid_only = True


class ToMediationForm(ToTicketForm):
    employer_name = forms.CharField(
        label=_("Employer or platform (the respondent)"), max_length=200
    )


# --- who ----------------------------------------------------------------------------------------


def lawyer_of(consultation, user) -> bool:
    """A partner account of the law firm the consultation is assigned to."""
    return (
        consultation.agency_id is not None
        and agency_id_of(user) == consultation.agency_id
        and actions.LAWYER in user_permissions(user)
    )


def own_consultation(consultation, user) -> bool:
    return bool(getattr(user, "pk", None)) and consultation.worker_id == user.pk


# --- why not now --------------------------------------------------------------------------------


def no_firm_to_assign(consultation, user) -> list:
    if not actions.firms_for(user).exclude(pk=consultation.agency_id).exists():
        return [_("No other law firm is kept by a union in your area.")]
    return []


def already_rated(consultation, user) -> list:
    if consultation.rating:
        return [_("You have already rated this consultation.")]
    return []


# --- the machine --------------------------------------------------------------------------------


def _call(fn):
    def execute(obj, actor, **data):
        return fn(actor=actor, consultation=obj, **data)

    return execute


TAKEN_UP_FROM = frozenset({S.UNASSIGNED, S.WAITING, S.ANSWERED, S.RATED, S.CLOSED})

consultation_states = StateMachine(
    "state",
    [
        Transition(
            "assign",
            frozenset({S.UNASSIGNED, S.WAITING}),
            S.WAITING,
            label=_("Assign to a law firm"),
            permission=actions.ASSIGN,
            input=ConsultAssignIn,
            form=AssignForm,
            check=no_firm_to_assign,
            execute=_call(actions.assign),
            done=_("Assigned: the law firm's lawyers answer it."),
        ),
        Transition(
            "answer",
            frozenset({S.WAITING}),
            S.ANSWERED,
            label=_("Answer the worker"),
            owner=lawyer_of,
            input=ConsultAnswerIn,
            execute=_call(actions.answer),
            done=_("Answered: the worker is told by a message and an SMS."),
        ),
        Transition(
            "follow_up",
            frozenset({S.ANSWERED}),
            S.WAITING,
            label=_("Ask a follow-up question"),
            owner=own_consultation,
            input=FollowUpIn,
            execute=_call(actions.follow_up),
            faces=frozenset({"portal", "api"}),
            style="secondary",
            done=_("Your follow-up question was sent to the lawyer."),
        ),
        Transition(
            "rate",
            frozenset({S.ANSWERED, S.CLOSED}),
            S.RATED,
            label=_("Rate the answer"),
            owner=own_consultation,
            input=ConsultRateIn,
            check=already_rated,
            execute=_call(actions.rate),
            faces=frozenset({"portal", "api"}),
            done=_("Thank you: your rating was recorded."),
        ),
        # The nightly run's step (deadlines.py): offered on no face.
        Transition("auto_close", frozenset({S.ANSWERED}), S.CLOSED, faces=frozenset()),
        Transition(
            "to_ticket",
            TAKEN_UP_FROM,
            S.CONVERTED,
            label=_("Turn into a 12351 ticket"),
            permission=actions.CONVERT,
            input=ToTicketIn,
            form=ToTicketForm,
            execute=_call(actions.to_ticket),
            style="secondary",
            done=_("A 12351 ticket was opened from the consultation."),
        ),
        Transition(
            "to_mediation",
            TAKEN_UP_FROM,
            S.CONVERTED,
            label=_("Open a mediation case"),
            permission=actions.CONVERT,
            input=ToMediationIn,
            form=ToMediationForm,
            execute=_call(convert.to_mediation),
            style="secondary",
            intro=_("A 12351 ticket is opened first, and the mediation case from it."),
            done=_("A mediation case was opened from the consultation."),
        ),
        Transition(
            "to_legal_aid",
            TAKEN_UP_FROM,
            S.CONVERTED,
            label=_("Open a legal-aid application"),
            permission=actions.CONVERT,
            input=ToTicketIn,
            form=ToLegalAidForm,
            execute=_call(convert.to_legal_aid),
            style="secondary",
            intro=_("A 12351 ticket is opened first, and the legal-aid application from it."),
            done=_("A legal-aid application was opened from the consultation."),
        ),
    ],
)


def register_workflows() -> None:
    register(Consultation, consultation_states)
