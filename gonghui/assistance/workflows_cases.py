"""Declared transitions of hardship cases (issue #12 §1, ADR 0013): an aid application's
state, an objection's decision and a hardship file's state.

Each move is written once here: its code name (the same in the API path, the step, the audit
event and the tests), its outcome-phrased label, who may take it for this very application,
its input (:mod:`gonghui.assistance.case_inputs`), the reasons it cannot run now (``check``)
and the one action it calls. The console's case page, the API (one ``POST …/{id}/{name}``
each) and the worker's portal offer these and nothing else; the actions move a state only
through them (``actions.application_states.apply``).

Who may act on an application:

* ``submit`` and ``withdraw`` (撤回申请): the applicant herself (the portal) or union staff
  holding ``assistance.change_application`` on it (console, API);
* each review step its own permission (``actions.STEP_PERMISSION``); returning (退回补正) and
  refusing (不予救助) take the permission of the step the case is at;
* ``approve`` (批准): an approver whose grant reaches the level of the **verified** total and
  who did not make the case. An approver below that level is offered ``escalate`` (报上级审批)
  instead and sees 批准 disabled with the reason: she cannot cut the case down to her level.

Every ``check`` answers from the user's cached grants and at most one or two reads (the
items for the verified total, the open objections, the latest step).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.assistance import actions
from gonghui.assistance.case_inputs import (
    ApproveForm,
    ApproveIn,
    CloseFileIn,
    DecisionNoteIn,
    EscalateForm,
    EscalateIn,
    HomeVisitForm,
    HomeVisitIn,
    OpinionIn,
    ReasonIn,
    VerifyForm,
    VerifyIn,
    WithdrawIn,
)
from gonghui.assistance.choices import (
    IN_REVIEW_STATES,
    OPEN_FILE_STATES,
    ApplicationState,
    FileState,
    ObjectionDecision,
)
from gonghui.assistance.models import Application, HardshipFile, Objection
from gonghui.platform.access.scoping import grant_scopes
from gonghui.platform.api.errors import conflict_codes
from gonghui.platform.workflow.transitions import StateMachine, Transition, register

S = ApplicationState
CHANGE = "assistance.change_application"
PUBLICISE = "assistance.publicise_application"
APPROVE = "assistance.approve_application"

CONSOLE_API = frozenset({"console", "api"})
EVERY_FACE = frozenset({"console", "api", "portal"})
NO_FACE = frozenset()  # moved by another action (an approval, a payment, an objection)


# --- who -----------------------------------------------------------------------------------------


def covers(user, perm: str, org) -> bool:
    """A grant of ``user`` carrying ``perm`` covers ``org`` (what ``restrict`` reads, from the
    grants cached on the user for the request: no query)."""
    for scope in grant_scopes(user):
        if perm not in scope.permissions:
            continue
        if scope.org_id == org.pk or (
            scope.include_descendants and org.path.startswith(scope.path)
        ):
            return True
    return False


def own(application: Application, user) -> bool:
    return bool(getattr(user, "pk", None)) and application.applicant.user_id == user.pk


def applicant_or_staff(application: Application, user) -> bool:
    """Submit and withdraw: the applicant, or staff holding ``change_application`` on it (what
    ``submit_application`` and ``withdraw_application`` accept)."""
    return own(application, user) or covers(user, CHANGE, application.org)


def step_holder(application: Application, user) -> bool:
    """Return and refuse: the permission of the step the case is at."""
    perm = actions.STEP_PERMISSION.get(application.state)
    return perm is not None and covers(user, perm, application.org)


def refers_up(application: Application, user) -> bool:
    """An approver on the case whose grant is below the level of its verified total."""
    return covers(user, APPROVE, application.org) and actions.below_level(application, user)


def publicist(objection: Objection, user) -> bool:
    return covers(user, PUBLICISE, objection.application.org)


# --- why not now ---------------------------------------------------------------------------------


def incomplete(application: Application, user) -> list:
    """What the applicant still has to give before the case can be submitted."""
    return actions.completeness_problems(application)


def below_verify_level(application: Application, user) -> list:
    if covers(user, "assistance.verify_application", application.org) and not actions.may_verify(
        user, application
    ):
        return [actions.VERIFY_LEVEL]
    return []


def publicity_running(application: Application, user) -> list:
    """公示 runs its working days, and every objection must be decided, before it ends."""
    reasons = []
    end = application.publicity_end
    if end and timezone.localdate() <= end:
        reasons.append(_("Publicity runs until %(date)s.") % {"date": end.isoformat()})
    if actions.has_open_objections(application):
        reasons.append(actions.OBJECTION_OPEN)
    return reasons


def approval_blockers(application: Application, user) -> list:
    """Maker-checker, and the level of the verified total (批准 stays disabled with it)."""
    if not covers(user, APPROVE, application.org):
        return []  # the action refuses (403): no reasons to give
    if actions.made_by(application, user):
        return [actions.MAKER]
    reason = actions.above_level(application, user)
    return [reason] if reason else []


def escalation_blockers(application: Application, user) -> list:
    if actions.made_by(application, user):
        return [actions.MAKER]
    latest = application.steps.order_by("-at", "-id").values_list("name", "actor_id").first()
    if latest == ("escalate", getattr(user, "pk", None)):
        return [_("You have referred this case to the higher level: it waits for them.")]
    return []


def no_longer_in_publicity(objection: Objection, user) -> list:
    if objection.application.state != S.PUBLICITY:
        return [_("The case is no longer in publicity.")]
    return []


def open_applications(file: HardshipFile, user) -> list:
    if actions.has_open_applications(file):
        return [_("Finish or reject the open applications of this file first.")]
    return []


# --- what runs -----------------------------------------------------------------------------------


def _submit(obj, actor):
    return actions.submit_application(actor=actor, application=obj)


def _first_review(obj, actor, opinion=""):
    return actions.first_review(actor=actor, application=obj, opinion=opinion)


def _home_visit(obj, actor, visit_date, visitors, findings, authorisation=None):
    return actions.record_home_visit(
        actor=actor,
        application=obj,
        visit_date=visit_date,
        visitors=visitors,
        findings=findings,
        authorisation=authorisation,
    )


def _verify(
    obj,
    actor,
    civil_affairs_result,
    checked_on=None,
    tier="",
    level="",
    note="",
    opinion="",
    amounts=None,
    cut_reason="",
):
    return actions.verify(
        actor=actor,
        application=obj,
        civil_affairs_result=civil_affairs_result or "",
        checked_on=checked_on,
        tier=tier or "",
        level=level or "",
        note=note or "",
        opinion=opinion or "",
        amounts=amounts,
        cut_reason=cut_reason or "",
    )


def _end_publicity(obj, actor):
    return actions.end_publicity(actor=actor, application=obj)


def _approve(obj, actor, amounts, opinion=""):
    return actions.approve(actor=actor, application=obj, amounts=dict(amounts), opinion=opinion)


def _escalate(obj, actor, opinion, amounts=None):
    return actions.escalate_application(
        actor=actor, application=obj, opinion=opinion, amounts=amounts
    )


def _return(obj, actor, reason):
    return actions.return_application(actor=actor, application=obj, reason=reason)


def _reject(obj, actor, reason):
    return actions.reject_application(actor=actor, application=obj, reason=reason)


def _withdraw(obj, actor, reason=""):
    return actions.withdraw_application(actor=actor, application=obj, reason=reason)


def _decide(upheld: bool):
    def execute(obj, actor, note):
        return actions.decide_objection(actor=actor, objection=obj, upheld=upheld, note=note)

    return execute


def _close(obj, actor, reason):
    return actions.close_file(actor=actor, file=obj, reason=reason)


# --- the machines --------------------------------------------------------------------------------

EDITABLE = frozenset({S.DRAFT, S.RETURNED})

application_states = StateMachine(
    "state",
    [
        Transition(
            "submit",
            EDITABLE,
            S.SUBMITTED,
            label=_("Submit for review"),
            permission=CHANGE,
            owner=applicant_or_staff,
            check=incomplete,
            execute=_submit,
            faces=EVERY_FACE,
            done=_("The application was submitted."),
        ),
        Transition(
            "first_review",
            frozenset({S.SUBMITTED}),
            S.HOME_VISIT,
            label=_("First review passed"),
            permission="assistance.first_review_application",
            input=OpinionIn,
            execute=_first_review,
            done=_("First review recorded: the case goes to the home visit."),
        ),
        Transition(
            "home_visit",
            frozenset({S.HOME_VISIT}),
            S.VERIFICATION,
            label=_("Home visit done"),
            permission="assistance.visit_application",
            input=HomeVisitIn,
            form=HomeVisitForm,
            execute=_home_visit,
            done=_("The home visit was recorded: the case goes to verification."),
        ),
        Transition(
            "verify",
            frozenset({S.VERIFICATION}),
            S.PUBLICITY,
            label=_("Verification passed"),
            permission="assistance.verify_application",
            input=VerifyIn,
            form=VerifyForm,
            check=below_verify_level,
            execute=_verify,
            done=_("Verified: the case is in publicity."),
            intro=_(
                "Record the civil-affairs income check and the amount verified for each aid. "
                "Less than requested needs a reason. The verified total decides at which "
                "level the case is approved."
            ),
        ),
        Transition(
            "end_publicity",
            frozenset({S.PUBLICITY}),
            S.APPROVAL,
            label=_("Publicity period over"),
            permission=PUBLICISE,
            check=publicity_running,
            execute=_end_publicity,
            done=_("Publicity ended: the case awaits approval."),
        ),
        # Deciding an objection as upheld sends the case back (the objection's ``uphold``).
        Transition(
            "objection_upheld",
            frozenset({S.PUBLICITY}),
            S.VERIFICATION,
            label=_("Objection upheld: the case is checked again"),
            faces=NO_FACE,
        ),
        Transition(
            "approve",
            frozenset({S.APPROVAL}),
            S.APPROVED,
            label=_("Approve"),
            permission=APPROVE,
            input=ApproveIn,
            form=ApproveForm,
            check=approval_blockers,
            execute=_approve,
            done=_("The application was approved."),
        ),
        Transition(
            "escalate",
            frozenset({S.APPROVAL}),
            S.APPROVAL,
            label=_("Refer to the higher level for approval"),
            permission=APPROVE,
            owner=refers_up,
            input=EscalateIn,
            form=EscalateForm,
            check=escalation_blockers,
            execute=_escalate,
            style="secondary",
            done=_("The case was referred to the higher level for approval."),
            intro=_(
                "The verified total is above your approval level. Give your opinion and the "
                "amounts you propose: the higher approver reads them in the case's steps."
            ),
        ),
        # The last payment closes the case (actions.money), or an approval granting nothing.
        Transition(
            "complete", frozenset({S.APPROVED}), S.CLOSED, label=_("Completed"), faces=NO_FACE
        ),
        Transition(
            "return",
            IN_REVIEW_STATES,
            S.RETURNED,
            label=_("Return for correction"),
            owner=step_holder,
            input=ReasonIn,
            execute=_return,
            style="secondary",
            done=_("The application was returned for correction."),
            intro=_("The applicant is told the reason by SMS and may correct and resubmit."),
        ),
        Transition(
            "reject",
            IN_REVIEW_STATES,
            S.REJECTED,
            label=_("Refuse aid"),
            owner=step_holder,
            input=ReasonIn,
            execute=_reject,
            style="danger",
            done=_("The application was rejected."),
            intro=_("The applicant is told the reason by SMS. The decision is final."),
        ),
        Transition(
            "withdraw",
            frozenset({S.DRAFT, S.RETURNED, S.SUBMITTED}),
            S.WITHDRAWN,
            label=pgettext_lazy("application", "Withdraw"),
            permission=CHANGE,
            owner=applicant_or_staff,
            input=WithdrawIn,
            execute=_withdraw,
            faces=EVERY_FACE,
            style="danger",
            done=_("The application was withdrawn."),
        ),
    ],
)

D = ObjectionDecision

objection_states = StateMachine(
    "decision",
    [
        Transition(
            "uphold",
            frozenset({D.PENDING}),
            D.UPHELD,
            label=_("Objection upheld"),
            permission=PUBLICISE,
            owner=publicist,
            input=DecisionNoteIn,
            check=no_longer_in_publicity,
            execute=_decide(True),
            style="secondary",
            done=_("The objection was upheld: the case goes back to verification."),
        ),
        Transition(
            "dismiss",
            frozenset({D.PENDING}),
            D.DISMISSED,
            label=_("Objection dismissed"),
            permission=PUBLICISE,
            owner=publicist,
            input=DecisionNoteIn,
            execute=_decide(False),
            done=_("The objection was dismissed."),
        ),
    ],
)

F = FileState

file_states = StateMachine(
    "state",
    [
        # 先建档，后帮扶: the first approval files the household (actions.approve).
        Transition("file", frozenset({F.DRAFT}), F.FILED, label=_("Filed"), faces=NO_FACE),
        # 年度复核 re-tiers a file (actions.decide_review_entry).
        Transition(
            "adjust",
            frozenset({F.FILED, F.ADJUSTED}),
            F.ADJUSTED,
            label=_("Adjusted"),
            faces=NO_FACE,
        ),
        # 撤档: by hand, by the annual review, or when the only case of a draft file ends.
        # Console only: a closed file is read by reviewers alone, so the API (whose answer is
        # the file as it is now) has no close endpoint.
        Transition(
            "close",
            frozenset(OPEN_FILE_STATES),
            F.CLOSED,
            label=_("Close the file"),
            permission="assistance.change_hardshipfile",
            input=CloseFileIn,
            check=open_applications,
            execute=_close,
            faces=frozenset({"console"}),
            style="danger",
            done=_("The file was closed."),
        ),
    ],
)


def register_workflows() -> None:
    """From ``AssistanceConfig.ready()``: the case machines, and the refusals that are a
    conflict with the case's present state (409)."""
    register(Application, application_states)
    register(Objection, objection_states)
    register(HardshipFile, file_states)
    conflict_codes(
        "decided",
        "not_in_publicity",
        "not_editable",
        "open_objections",
        "publicity_running",
        "file_closed",
        "file_has_open_applications",
        "application_in_progress",
        "applicant_has_open_file",
        "household_has_open_file",
    )
