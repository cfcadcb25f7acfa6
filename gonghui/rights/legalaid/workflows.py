"""Declared transitions of a legal-aid application (one StateMachine over ``state``).

申请 (``apply_online`` / ``take_application`` / ``apply_from_ticket`` create it) →
补正 ``request_correction`` → ``resubmit`` (the worker on /m/, or staff for her) →
审查 ``start_review`` (``assess_hardship``: the union's 经济困难 assessment) →
批准 ``grant`` / 不予援助 ``refuse`` (with the reason the worker is told) →
指派律师 ``assign_lawyer`` → 办理中 ``take_up`` (``record_progress``) → 结案 ``close_case``.

The union's steps need their permission on this application (read through ``restrict``). The
lawyer's steps (``take_up``, ``record_progress``, ``close_case``) are offered to a partner
account of the assigned firm and to the handling union's staff holding
``legalaid.handle_aidapplication`` (``lawyer_or_handler``).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.platform.access.scoping import restrict
from gonghui.platform.workflow.transitions import StateMachine, Transition, register
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid import lawyer as lawyer_steps
from gonghui.rights.legalaid.choices import AidState, Hardship, Outcome
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.partners import agency_id_of

S = AidState
REVIEW = "legalaid.review_aidapplication"
DECIDE = "legalaid.decide_aidapplication"


# --- inputs -------------------------------------------------------------------------------------


class DocumentsIn(Schema):
    documents: str = Field(
        ...,
        min_length=1,
        max_length=300,
        title="Documents to be completed",
        description="Every missing document at once: the worker reads it on her phone.",
    )


class AssessIn(Schema):
    hardship: Hardship = Field(..., title="Financial hardship")
    note: str = Field(
        "",
        max_length=300,
        title="Assessment note",
        description="Required for a certificate: what it rests on.",
    )


class AidNoteIn(Schema):
    note: str = Field("", max_length=300, title="Opinion", description="Optional")


class AidReasonIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=300,
        title="Reason",
        description="The worker is told this reason.",
    )


class AidAssignIn(Schema):
    lawyer_account: int | None = Field(None, title="Lawyer of a law firm")
    agency: int | None = Field(None, title="Law firm")
    lawyer_name: str = Field("", max_length=50, title="Lawyer's name")


class ProgressIn(Schema):
    note: str = Field(..., min_length=1, max_length=500, title="Progress")


class CloseIn(Schema):
    outcome: Outcome = Field(..., title="Outcome")
    amount_recovered: Decimal | None = Field(
        None, max_digits=12, decimal_places=2, title="Amount recovered (yuan)"
    )
    note: str = Field("", max_length=500, title="Outcome note", description="Optional")


class AssignForm(forms.Form):
    """The lawyer: a partner account of a law firm, or a firm and a name, or a name alone (a
    lawyer of the union's own)."""

    lawyer_account = forms.TypedChoiceField(
        label=_("Lawyer of a law firm"), coerce=int, required=False, empty_value=None
    )
    agency = forms.TypedChoiceField(
        label=_("Law firm"), coerce=int, required=False, empty_value=None
    )
    lawyer_name = forms.CharField(
        label=_("Lawyer's name"),
        max_length=50,
        required=False,
        help_text=_("For a lawyer without an account here, or one of the union's own."),
    )

    def bind(self, *, request, obj):
        blank = [("", "---------")]
        self.fields["lawyer_account"].choices = blank + [
            (a.user_id, f"{a.agency.name} · {a.user.display_name or a.user.username}")
            for a in lawyer_steps.firm_lawyers(request.user)[:200]
        ]
        self.fields["agency"].choices = blank + [
            (f.pk, f.name) for f in lawyer_steps.law_firms(request.user).order_by("name")[:200]
        ]


# --- who ----------------------------------------------------------------------------------------


def own_application(app, user) -> bool:
    return bool(getattr(user, "pk", None)) and app.applicant_user_id == user.pk


def owner_or_staff(app, user) -> bool:
    """The worker herself, or staff who may change it."""
    if own_application(app, user):
        return True
    return restrict(AidApplication, user, "change").filter(pk=app.pk).exists()


def lawyer_or_handler(app, user) -> bool:
    """A partner account of the assigned firm, or staff handling it in their scope."""
    agency = agency_id_of(user)
    if agency is not None:
        return app.lawyer_agency_id == agency
    return restrict(AidApplication, user, actions.HANDLE).filter(pk=app.pk).exists()


# --- why not now --------------------------------------------------------------------------------


def not_assessed(app, user) -> list:
    if not app.hardship:
        return [_("The financial hardship assessment comes first.")]
    return []


def _call(fn):
    def execute(obj, actor, **data):
        return fn(actor=actor, application=obj, **data)

    return execute


aid_states = StateMachine(
    "state",
    [
        Transition(
            "request_correction",
            frozenset({S.SUBMITTED, S.REVIEWING}),
            S.CORRECTION,
            label=_("Ask for the missing documents"),
            permission=REVIEW,
            input=DocumentsIn,
            execute=_call(actions.request_correction),
            style="secondary",
            done=_("The worker is asked for the documents; the clock waits for them."),
        ),
        Transition(
            "resubmit",
            frozenset({S.CORRECTION}),
            S.SUBMITTED,
            label=_("Documents completed: send again"),
            owner=owner_or_staff,
            execute=_call(actions.resubmit),
            faces=frozenset({"console", "api", "portal"}),
            done=_("Sent again: the union decides within 7 days."),
        ),
        Transition(
            "start_review",
            frozenset({S.SUBMITTED}),
            S.REVIEWING,
            label=_("Start the review"),
            permission=REVIEW,
            execute=_call(actions.start_review),
            done=_("Under review: record the hardship assessment, then decide."),
        ),
        Transition(
            "assess_hardship",
            frozenset({S.REVIEWING}),
            S.REVIEWING,
            label=_("Record the hardship assessment"),
            permission="legalaid.assess_aidapplication",
            input=AssessIn,
            execute=_call(actions.assess_hardship),
            style="secondary",
            done=_("The hardship assessment was recorded."),
        ),
        Transition(
            "grant",
            frozenset({S.REVIEWING}),
            S.GRANTED,
            label=_("Grant legal aid"),
            permission=DECIDE,
            input=AidNoteIn,
            check=not_assessed,
            execute=_call(actions.grant),
            done=_("Legal aid granted: assign a lawyer within 3 days."),
        ),
        Transition(
            "refuse",
            frozenset({S.REVIEWING}),
            S.REFUSED,
            label=_("Refuse legal aid"),
            permission=DECIDE,
            input=AidReasonIn,
            execute=_call(actions.refuse),
            style="danger",
            done=_("Refused: the worker is told the reason."),
        ),
        Transition(
            "assign_lawyer",
            frozenset({S.GRANTED}),
            S.ASSIGNED,
            label=_("Assign the lawyer"),
            permission="legalaid.assign_aidapplication",
            input=AidAssignIn,
            form=AssignForm,
            execute=_call(lawyer_steps.assign_lawyer),
            done=_("The lawyer is assigned; the worker is told the firm."),
        ),
        Transition(
            "take_up",
            frozenset({S.ASSIGNED}),
            S.HANDLING,
            label=_("Take up the case"),
            owner=lawyer_or_handler,
            execute=_call(lawyer_steps.take_up),
            done=_("The case is being handled."),
        ),
        Transition(
            "record_progress",
            frozenset({S.HANDLING}),
            S.HANDLING,
            label=_("Record progress"),
            owner=lawyer_or_handler,
            input=ProgressIn,
            execute=_call(lawyer_steps.record_progress),
            style="secondary",
            done=_("The progress was recorded."),
        ),
        Transition(
            "close_case",
            frozenset({S.HANDLING}),
            S.CLOSED,
            label=_("Close the case with its outcome"),
            owner=lawyer_or_handler,
            input=CloseIn,
            execute=_call(lawyer_steps.close_case),
            done=_("The case is closed; the worker is told the outcome."),
        ),
    ],
)


def register_workflows() -> None:
    register(AidApplication, aid_states)
