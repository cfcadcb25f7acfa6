"""Declared transitions of join requests, transfers and memberships (issue #12 §1, ADR 0013).

Each move is written once here: its outcome-phrased label, the permission it needs for the
very object (or an ``owner`` test), its input, the reasons it cannot run now (``check``) and
the one action it calls. The console (``TransitionAdmin`` pages and ``workflow/buttons.html``),
the API (``add_transition_routes``) and the portal (``workflow/portal_buttons.html``) are built
from these declarations; the actions move a state only through them (``actions.people.move``).

* A join request is admitted (同意入会) or not (不予批准) by a holder of
  ``members.approve_joinrequest``. An application that names a person on file with another
  phone is shown with 同意入会 disabled and the identity finding as its reason until it is
  proved: by staff who saw the ID card (``check_identity``, a move that keeps the state
  pending, console and API) or by the person on file herself at /m/ (是我本人 / 不是我,
  ``confirm_claim`` and ``disown_claim``, portal only, offered to her alone).
* A transfer waits for the sending union where the setting asks for it (同意转出), then for
  the receiving union (同意转入): each step is offered to its own side only (a grant over the
  other union carries the same permission, so the side is an ``owner`` test on the union's
  org). Either side refuses (不同意转会); the member herself (portal) or a union holding
  ``members.change_transfer`` withdraws it.
* A membership is retained, ends (退会, 自动退会, 开除) or is reinstated by a holder of
  ``members.change_membership``, and is sent to another union by a holder of
  ``members.add_transfer``. What a transfer does to the membership (transferring, then
  transferred or back) is the transfer actions', declared here with no face.

The checks are cheap: a membership elsewhere is one ``exists()``, the receiving union's state
is read from the row already loaded, and the identity findings are those
``identity.join_findings`` computed for the page (``obj.findings``, the console and the API
attach them) or, when absent, computed once for the object and kept on it. The side tests of
a transfer read the user's grants cached for the request (no query).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from gonghui.members import actions, identity
from gonghui.members.choices import (
    CURRENT_STATES,
    IdentityProof,
    JoinRequestState,
    MembershipState,
    TransferInitiator,
    TransferState,
)
from gonghui.members.models import JoinRequest, Membership, Transfer
from gonghui.members.transfer_target import TransferOutForm
from gonghui.platform.access.scoping import grant_scopes
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.transitions import StateMachine, Transition, register

J = JoinRequestState
T = TransferState
M = MembershipState
OPEN_TRANSFER = frozenset({T.PENDING_SENDER, T.PENDING_RECEIVER})


# --- inputs (the API body and the console/portal form) ---------------------------------------


class MembershipReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, title="Reason")


class IdentityCheckIn(Schema):
    note: str = Field(
        ...,
        min_length=1,
        max_length=200,
        title="What you checked",
        description="For example: the original ID card, at the union office.",
    )


class StateNoteIn(Schema):
    reason: str = Field("", max_length=200, title="Reason", description="Optional")


class EndIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=200,
        title="Reason",
        description="Kept with the membership history.",
    )


class TransferIn(Schema):
    to_org: str = Field(
        ...,
        min_length=1,
        max_length=200,
        title="Receiving union",
        description="Its number or its exact name: an active union that holds members.",
    )
    employer_name: str = Field("", max_length=200, title="New employer or platform")
    reason: str = Field("", max_length=300, title="Reason")


# --- who: the side of a transfer, the member herself ------------------------------------------


def covers(user, perm: str, *orgs) -> bool:
    """Whether a grant of ``user`` carrying ``perm`` covers one of ``orgs`` (what ``restrict``
    reads, without a query: the grants are cached on the user for the request)."""
    for scope in grant_scopes(user):
        if perm not in scope.permissions:
            continue
        for org in orgs:
            if scope.org_id == org.pk or (
                scope.include_descendants and org.path.startswith(scope.path)
            ):
                return True
    return False


def sending_side(transfer, user) -> bool:
    return covers(user, "members.approve_transfer", transfer.from_org)


def receiving_side(transfer, user) -> bool:
    return covers(user, "members.approve_transfer", transfer.to_org)


def own_transfer(transfer, user) -> bool:
    return bool(getattr(user, "pk", None)) and transfer.membership.person.user_id == user.pk


def may_cancel(transfer, user) -> bool:
    """The member herself, or a union on either side holding ``members.change_transfer``
    (what ``actions.cancel_transfer`` accepts)."""
    return covers(
        user, "members.change_transfer", transfer.from_org, transfer.to_org
    ) or own_transfer(transfer, user)


def claim_on_my_record(request, user) -> bool:
    """The application names the person of this member account with another phone, and the
    account is the one of the phone on file (``identity.claims_on_my_record``)."""
    return identity.claims_on_my_record(user).filter(pk=request.pk).exists()


# --- why not now ------------------------------------------------------------------------------


def findings(request, user) -> list:
    """The identity findings of ``request`` for ``user``: those already computed for the page
    (``request.findings``), else computed once and kept on the object."""
    found = getattr(request, "findings", None)
    if found is None:
        found = identity.join_findings([request], user).get(request.pk, [])
        request.findings = found
    return found


def approval_blockers(request, user) -> list:
    """``identity.check_approvable``'s reasons, before the button is pressed."""
    return [f.message for f in findings(request, user) if f.blocks_approval]


def identity_check_needed(request, user) -> list:
    if request.identity_proof:
        return [
            _("The identity is already proved: %(how)s.")
            % {"how": IdentityProof(request.identity_proof).label}
        ]
    if not any(f.code == identity.PHONE_DIFFERS for f in findings(request, user)):
        return [
            _(
                "Only an application whose mobile number is not the one on file needs an "
                "in-person check."
            )
        ]
    return []


def receiving_union_state(transfer, user) -> list:
    problem = actions.member_org_problem(transfer.to_org)
    if problem == "org_inactive":
        return [_("The receiving union is not active.")]
    if problem == "invalid_member_org":
        return [_("The receiving union cannot hold members.")]
    return []


def member_elsewhere(membership, user) -> list:
    taken = (
        Membership.objects.filter(person_id=membership.person_id, state__in=CURRENT_STATES)
        .exclude(pk=membership.pk)
        .exists()
    )
    return [_("This person is already a member of another union.")] if taken else []


# --- what runs ----------------------------------------------------------------------------------


def _state_change(name: str):
    def execute(obj, actor, reason: str = ""):
        return actions.change_membership_state(
            actor=actor, membership=obj, transition=name, reason=reason
        )

    return execute


def _transfer_out(obj, actor, to_org: str, employer_name: str = "", reason: str = ""):
    org = actions.find_receiving_org(to_org)
    if org is None:
        raise ActionError(
            _("Enter the exact name or number of an active receiving union."),
            code="invalid_org",
        )
    return actions.request_transfer(
        actor=actor,
        membership=obj,
        to_org=org,
        initiated_by=TransferInitiator.SENDER,
        employer_name=employer_name,
        reason=reason,
    )


# --- the machines -----------------------------------------------------------------------------

PENDING = frozenset({J.PENDING})

join_request_states = StateMachine(
    "state",
    [
        Transition(
            "approve",
            PENDING,
            J.APPROVED,
            label=_("Admit as a member"),
            permission="members.approve_joinrequest",
            check=approval_blockers,
            execute=lambda obj, actor: actions.approve_join_request(actor=actor, request=obj),
            done=_("Admitted: the applicant is a member now and is told so by SMS."),
        ),
        Transition(
            "check_identity",
            PENDING,
            J.PENDING,
            label=_("Identity checked in person"),
            permission="members.approve_joinrequest",
            input=IdentityCheckIn,
            check=identity_check_needed,
            execute=lambda obj, actor, note: identity.record_identity_check(
                actor=actor, request=obj, note=note
            ),
            style="secondary",
            done=_("The in-person check is recorded. The application can be approved."),
            intro=_(
                "The applicant's mobile number is not the one on file. Ask her to come with her "
                "ID card, compare the card with her face and with the name and number of the "
                "application, then say what you checked. Approving will replace the number on "
                "file; the old number is told by SMS."
            ),
        ),
        Transition(
            "reject",
            PENDING,
            J.REJECTED,
            label=_("Do not admit"),
            permission="members.approve_joinrequest",
            input=MembershipReasonIn,
            execute=lambda obj, actor, reason: actions.reject_join_request(
                actor=actor, request=obj, reason=reason
            ),
            style="danger",
            done=_("The application was rejected."),
            intro=_("The applicant is told the reason by SMS."),
        ),
        # The person on file, logged in at /m/ with the phone on file, answers a claim on
        # her record: hers (the proof the reviewer waits for) or not (refused at once).
        Transition(
            "confirm_claim",
            PENDING,
            J.PENDING,
            label=_("Yes, it was me"),
            owner=claim_on_my_record,
            execute=lambda obj, actor: identity.confirm_join_claim(actor=actor, request=obj),
            faces=frozenset({"portal"}),
            done=_(
                "Thank you. The union can now approve the application; your mobile number on "
                "file will then change to the new one."
            ),
        ),
        Transition(
            "disown_claim",
            PENDING,
            J.REJECTED,
            label=_("No, it was not me"),
            owner=claim_on_my_record,
            execute=lambda obj, actor: identity.disown_join_claim(actor=actor, request=obj),
            faces=frozenset({"portal"}),
            style="secondary",
            done=_(
                "The application was refused and the union can see that you did not make it. "
                "Your record is unchanged."
            ),
        ),
    ],
)

transfer_states = StateMachine(
    "state",
    [
        Transition(
            "approve_sending",
            frozenset({T.PENDING_SENDER}),
            T.PENDING_RECEIVER,
            label=_("Let the member go"),
            permission="members.approve_transfer",
            owner=sending_side,
            check=receiving_union_state,
            execute=lambda obj, actor: actions.approve_transfer_sending(actor=actor, transfer=obj),
            done=_("The member may go: the receiving union decides next."),
        ),
        Transition(
            "approve_receiving",
            frozenset({T.PENDING_RECEIVER}),
            T.APPROVED,
            label=_("Accept the member"),
            permission="members.approve_transfer",
            owner=receiving_side,
            check=receiving_union_state,
            execute=lambda obj, actor: actions.approve_transfer(actor=actor, transfer=obj),
            done=_("The transfer was approved."),
            intro=_(
                "The membership in the sending union ends as transferred; a new one starts "
                "here with a new card, and the member is told by SMS."
            ),
        ),
        Transition(
            "reject",
            OPEN_TRANSFER,
            T.REJECTED,
            label=_("Refuse the transfer"),
            permission="members.approve_transfer",
            input=MembershipReasonIn,
            execute=lambda obj, actor, reason: actions.reject_transfer(
                actor=actor, transfer=obj, reason=reason
            ),
            style="danger",
            done=_("The transfer was rejected."),
        ),
        Transition(
            "cancel",
            OPEN_TRANSFER,
            T.CANCELLED,
            label=_("Cancel this transfer request"),
            permission="members.change_transfer",
            owner=may_cancel,
            execute=lambda obj, actor: actions.cancel_transfer(actor=actor, transfer=obj),
            faces=frozenset({"console", "api", "portal"}),
            style="secondary",
            done=_("The transfer request was withdrawn."),
        ),
    ],
)

CURRENT = frozenset({M.ACTIVE, M.RETAINED})

membership_states = StateMachine(
    "state",
    [
        Transition(
            "transfer",
            CURRENT,
            M.TRANSFERRING,
            label=_("Move to another union"),
            permission="members.add_transfer",
            input=TransferIn,
            form=TransferOutForm,  # the console picks the union by search (100k orgs)
            execute=_transfer_out,
            style="secondary",
            done=_("The transfer was requested."),
            intro=_(
                "The receiving union accepts or refuses; until then the membership is transferring."
            ),
        ),
        Transition(
            "retain",
            frozenset({M.ACTIVE}),
            M.RETAINED,
            label=_("Retain (retired)"),
            permission="members.change_membership",
            input=StateNoteIn,
            execute=_state_change("retain"),
            style="secondary",
            done=_("The membership state was changed."),
        ),
        Transition(
            "withdraw",
            CURRENT,
            M.WITHDRAWN,
            label=_("Allow to leave the union"),
            permission="members.change_membership",
            input=EndIn,
            execute=_state_change("withdraw"),
            style="secondary",
            done=_("The membership state was changed."),
        ),
        Transition(
            "lapse",
            frozenset({M.ACTIVE}),
            M.LAPSED,
            label=_("Deem to have left (lapsed)"),
            permission="members.change_membership",
            input=EndIn,
            execute=_state_change("lapse"),
            style="secondary",
            done=_("The membership state was changed."),
        ),
        Transition(
            "reinstate",
            frozenset({M.LAPSED, M.RETAINED}),
            M.ACTIVE,
            label=_("Reinstate"),
            permission="members.change_membership",
            input=StateNoteIn,
            check=member_elsewhere,
            execute=_state_change("reinstate"),
            done=_("The membership state was changed."),
        ),
        Transition(
            "expel",
            frozenset({M.ACTIVE, M.RETAINED, M.LAPSED}),
            M.EXPELLED,
            label=_("Expel"),
            permission="members.change_membership",
            input=EndIn,
            execute=_state_change("expel"),
            style="danger",
            done=_("The membership state was changed."),
        ),
        # Moved by the transfer actions only: approved by the receiving union, or refused or
        # withdrawn (the membership stays where it was).
        Transition(
            "complete_transfer", frozenset({M.TRANSFERRING}), M.TRANSFERRED, faces=frozenset()
        ),
        Transition("stay", frozenset({M.TRANSFERRING}), M.ACTIVE, faces=frozenset()),
    ],
)


def register_workflows() -> None:
    register(JoinRequest, join_request_states)
    register(Transfer, transfer_states)
    register(Membership, membership_states)
