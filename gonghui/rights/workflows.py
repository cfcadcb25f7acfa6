"""Declared transitions of a 12351 ticket (one StateMachine over ``Ticket.state``).

受理 (``take_call``/``file_ticket`` create it) → 分类定级 ``classify`` → 派单 ``dispatch`` (down
the tree, within the dispatcher's subtree; the union it went to may dispatch further down) →
签收 ``accept`` or 退回 ``return_ticket`` with a reason (back to the dispatcher, who 改派) →
办理 (``request_extension`` → ``approve_extension``/``refuse_extension`` by a union above) →
办结反馈 ``resolve`` → 回访 ``visit_back`` by the hotline or ``rate`` by the worker on /m/
(``reopen`` 重办 when she is not satisfied) → 质检 ``quality_check`` (a sample, and every
不满意) → 结案 ``close``. An operator answers a 问题咨询 on the call: ``answer_close``.

The handling union's own steps (签收, 退回, 延期申请, 办结) are offered to a grant at that very
union (``at_handling_org``): the union above sees the ticket in its subtree and may dispatch it
again, but does not sign for it in the township's place. An extension is decided by a grant
strictly above the handling union (``above_handling_org``).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.platform.access.scoping import grant_scopes
from gonghui.platform.workflow.transitions import StateMachine, Transition, register
from gonghui.rights import actions
from gonghui.rights.answers import AnswerSelect, answer_choices
from gonghui.rights.choices import CONSULTATION, Complexity, Extension, Rating, TicketState
from gonghui.rights.models import Ticket

S = TicketState
HANDLE = "rights.handle_ticket"
APPROVE = "rights.approve_ticket"


# --- inputs -------------------------------------------------------------------------------------


class ClassifyIn(Schema):
    category: str = Field(..., min_length=1, max_length=40, title="Category")
    complexity: Complexity = Field(..., title="Complexity")
    is_petition: bool = Field(False, title="Petition matter (信访事项)")


class DispatchIn(Schema):
    to_org: int = Field(..., title="Dispatch to")
    note: str = Field("", max_length=300, title="Note to the union")


class TicketReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, title="Reason")


class TicketOptionalReasonIn(Schema):
    reason: str = Field("", max_length=300, title="Opinion", description="Optional")


class ResolveIn(Schema):
    reply: str = Field(
        ...,
        min_length=1,
        max_length=2000,
        title="Reply to the worker",
        description="What was done and the result: the worker reads it on her phone.",
    )
    arrears_recovered: Decimal | None = Field(
        None, ge=0, max_digits=10, decimal_places=2, title="Wage arrears recovered (yuan)"
    )
    arrears_workers: int = Field(0, ge=0, le=100000, title="Workers paid their arrears")


class VisitIn(Schema):
    rating: Rating = Field(..., title="Satisfaction")
    note: str = Field("", max_length=300, title="What the worker said")


class TicketRateIn(Schema):
    rating: Rating = Field(..., title="How satisfied are you?")
    comment: str = Field("", max_length=300, title="Comment", description="Optional")


class TicketNoteIn(Schema):
    note: str = Field(..., min_length=1, max_length=300, title="Quality check finding")


class TicketAnswerIn(Schema):
    answer: int | None = Field(
        None,
        title="Answer from the knowledge base",
        description="Its reply is the answer's text unless a reply is given.",
    )
    reply: str = Field("", max_length=2000, title="Answer given on the call")


# --- forms whose choices depend on the ticket ---------------------------------------------------


def category_choices():
    return [(c.code, str(c)) for c in actions.active_categories()]


class ClassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    complexity = forms.ChoiceField(label=_("Complexity"), choices=Complexity.choices)
    is_petition = forms.BooleanField(label=_("Petition matter (信访事项)"), required=False)

    def bind(self, *, request, obj):
        self.fields["category"].choices = category_choices()
        self.fields["category"].initial = obj.category.code
        self.fields["complexity"].initial = obj.complexity
        self.fields["is_petition"].initial = obj.is_petition


class AnswerForm(forms.Form):
    """Answer on the call: an answer of the 问答库 (its text is the reply), or her own words."""

    answer = forms.TypedChoiceField(
        label=_("Answer from the knowledge base"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=AnswerSelect,
    )
    reply = forms.CharField(
        label=_("Answer given on the call"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("Leave it empty to send the chosen answer as it is."),
    )

    def bind(self, *, request, obj):
        self.fields["answer"].choices = answer_choices(self.fields["answer"].widget)

    def clean(self):
        data = super().clean()
        if not data.get("answer") and not (data.get("reply") or "").strip():
            raise forms.ValidationError(_("Choose an answer or write one."))
        return data


class DispatchForm(forms.Form):
    to_org = forms.TypedChoiceField(label=_("Dispatch to"), coerce=int)
    note = forms.CharField(
        label=_("Note to the union"),
        required=False,
        max_length=300,
        widget=forms.Textarea({"rows": 2}),
    )

    def bind(self, *, request, obj):
        targets = actions.dispatch_targets(obj, request.user)[:500]
        depth = obj.org.depth
        self.fields["to_org"].choices = [
            (o.pk, "\u3000" * (o.depth - depth - 1) + o.name) for o in targets
        ]


# --- who ----------------------------------------------------------------------------------------


def at_handling_org(ticket, user) -> bool:
    """A grant carrying the handling permission at the union the ticket is at."""
    return any(s.org_id == ticket.org_id and HANDLE in s.permissions for s in grant_scopes(user))


def above_handling_org(ticket, user) -> bool:
    """A grant carrying the approval permission strictly above the handling union."""
    path = ticket.org.path
    return any(
        APPROVE in s.permissions
        and s.include_descendants
        and path.startswith(s.path)
        and path != s.path
        for s in grant_scopes(user)
    )


def own_ticket(ticket, user) -> bool:
    return bool(getattr(user, "pk", None)) and ticket.caller_user_id == user.pk


# --- why not now --------------------------------------------------------------------------------


def nowhere_to_dispatch(ticket, user) -> list:
    if not actions.dispatch_targets(ticket, user).exists():
        return [_("There is no union below this one in your area to dispatch to.")]
    return []


def extension_taken(ticket, user) -> list:
    if ticket.extension in (Extension.PENDING, Extension.GRANTED):
        return [_("An extension was already asked for.")]
    return []


def no_pending_extension(ticket, user) -> list:
    if ticket.extension != Extension.PENDING:
        return [_("No extension is waiting for a decision.")]
    return []


def not_unsatisfied(ticket, user) -> list:
    if ticket.rating != Rating.UNSATISFIED:
        return [_("Only a ticket the worker is not satisfied with is handled again.")]
    return []


def quality_not_due(ticket, user) -> list:
    if not ticket.quality_required:
        return [_("This ticket was not sampled for a quality check.")]
    if ticket.quality_checked_at is not None:
        return [_("The quality check is done.")]
    return []


def quality_first(ticket, user) -> list:
    if ticket.quality_required and ticket.quality_checked_at is None:
        return [_("The quality check comes first.")]
    return []


def not_consultation(ticket, user) -> list:
    if ticket.category.root.code != CONSULTATION:
        return [_("Only a consultation can be answered and closed at intake.")]
    return []


# --- the machine --------------------------------------------------------------------------------


def _call(fn, **fixed):
    def execute(obj, actor, **data):
        return fn(actor=actor, ticket=obj, **fixed, **data)

    return execute


ticket_states = StateMachine(
    "state",
    [
        Transition(
            "classify",
            frozenset({S.RECEIVED}),
            S.CLASSIFIED,
            label=_("Classify"),
            permission="rights.change_ticket",
            input=ClassifyIn,
            form=ClassifyForm,
            execute=_call(actions.classify),
            done=_("Classified: dispatch it to the union that will handle it."),
        ),
        Transition(
            "answer_close",
            frozenset({S.RECEIVED}),
            S.CLOSED,
            label=_("Answered on the call: close"),
            permission="rights.change_ticket",
            input=TicketAnswerIn,
            form=AnswerForm,
            check=not_consultation,
            execute=_call(actions.answer_and_close),
            style="secondary",
            done=_("The consultation was answered and closed."),
        ),
        Transition(
            "dispatch",
            frozenset({S.CLASSIFIED, S.DISPATCHED}),
            S.DISPATCHED,
            label=_("Dispatch"),
            permission="rights.dispatch_ticket",
            input=DispatchIn,
            form=DispatchForm,
            check=nowhere_to_dispatch,
            execute=_call(actions.dispatch),
            done=_("Dispatched: the union is told to sign for it."),
        ),
        Transition(
            "accept",
            frozenset({S.DISPATCHED}),
            S.HANDLING,
            label=_("Sign for"),
            permission=HANDLE,
            owner=at_handling_org,
            execute=_call(actions.accept),
            done=_("Signed for: the ticket is being handled by your union."),
        ),
        Transition(
            "return_ticket",
            frozenset({S.DISPATCHED}),
            S.CLASSIFIED,
            label=_("Return to the dispatcher"),
            permission=HANDLE,
            owner=at_handling_org,
            input=TicketReasonIn,
            execute=_call(actions.return_ticket),
            style="danger",
            done=_("Returned: the dispatching union dispatches it again."),
        ),
        Transition(
            "request_extension",
            frozenset({S.HANDLING}),
            S.HANDLING,
            label=_("Ask for more time"),
            permission=HANDLE,
            owner=at_handling_org,
            input=TicketReasonIn,
            check=extension_taken,
            execute=_call(actions.request_extension),
            style="secondary",
            done=_("The union above decides on the extension."),
        ),
        Transition(
            "approve_extension",
            frozenset({S.HANDLING}),
            S.HANDLING,
            label=_("Grant the extension"),
            permission=APPROVE,
            owner=above_handling_org,
            input=TicketOptionalReasonIn,
            check=no_pending_extension,
            execute=_call(actions.approve_extension),
            style="secondary",
            done=_("The extension was granted."),
        ),
        Transition(
            "refuse_extension",
            frozenset({S.HANDLING}),
            S.HANDLING,
            label=_("Refuse the extension"),
            permission=APPROVE,
            owner=above_handling_org,
            input=TicketReasonIn,
            check=no_pending_extension,
            execute=_call(actions.refuse_extension),
            style="danger",
            done=_("The extension was refused."),
        ),
        Transition(
            "resolve",
            frozenset({S.HANDLING}),
            S.RESOLVED,
            label=_("Resolved: reply to the worker"),
            permission=HANDLE,
            owner=at_handling_org,
            input=ResolveIn,
            execute=_call(actions.resolve),
            done=_("Resolved: the worker reads the reply and is visited back."),
        ),
        Transition(
            "visit_back",
            frozenset({S.RESOLVED}),
            S.VISITED,
            label=_("Record the visit back"),
            permission="rights.visit_ticket",
            input=VisitIn,
            execute=_call(actions.visit_back),
            done=_("The visit back was recorded."),
        ),
        Transition(
            "rate",
            frozenset({S.RESOLVED}),
            S.VISITED,
            label=_("Rate the handling"),
            owner=own_ticket,
            input=TicketRateIn,
            execute=_call(actions.rate),
            faces=frozenset({"portal"}),
            done=_("Thank you: your rating was recorded."),
        ),
        Transition(
            "reopen",
            frozenset({S.VISITED}),
            S.HANDLING,
            label=_("Handle again"),
            permission="rights.visit_ticket",
            input=TicketReasonIn,
            check=not_unsatisfied,
            execute=_call(actions.reopen),
            style="secondary",
            done=_("The ticket went back to the handling union."),
        ),
        Transition(
            "quality_check",
            frozenset({S.VISITED}),
            S.VISITED,
            label=_("Record the quality check"),
            permission="rights.visit_ticket",
            input=TicketNoteIn,
            check=quality_not_due,
            execute=_call(actions.quality_check),
            style="secondary",
            done=_("The quality check was recorded."),
        ),
        Transition(
            "close",
            frozenset({S.VISITED}),
            S.CLOSED,
            label=_("Close the ticket"),
            permission="rights.visit_ticket",
            check=quality_first,
            execute=_call(actions.close),
            done=_("The ticket is closed."),
        ),
    ],
)


def register_workflows() -> None:
    register(Ticket, ticket_states)
