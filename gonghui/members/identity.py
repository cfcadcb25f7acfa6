"""Who a join claims to be, and what it may change (issue #11, finding 1).

The rule: nothing that arrives through an unauthenticated channel changes a person's verified
contact data. The public join proves only that the applicant holds the phone they typed; the
name and ID number are anyone's to type. So a join whose ID matches a person on file with a
*different* phone is a "returning member" claim, and it is approved only after proof:

* the person confirms it at ``/m/`` after logging in with the phone on file (an SMS code to
  that phone is the proof), or
* staff check the ID card in person and record that they did.

The person on file is told by SMS as soon as such a claim arrives, and again when the phone
on file changes. When the phone changes, the account of the old phone loses the record.

The public join answers the same whether or not the ID is a member (finding 7): the answer
about an existing membership goes to the phone on file, and staff are told "a member
elsewhere" without the union's name unless that union is in their own scope.

This module holds the findings the reviewer sees, the proof actions and the phone change;
``members.actions`` calls it. It imports nothing from ``members.actions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.members.choices import CURRENT_STATES, IdentityProof, JoinRequestState
from gonghui.members.models import JoinRequest, Membership, Person
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii.masking import mask_name, mask_phone
from gonghui.platform.sms.outbox import queue_sms
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.platform.workflow.transitions import machine_for

# The codes of what a reviewer is told about an application (``join_findings``).
PHONE_DIFFERS = "phone_differs"
ALREADY_MEMBER = "already_member"
PHONE_OF_ANOTHER = "phone_of_another"
OTHER_CLAIM = "other_claim"
PROVED = "proved"

# One "someone used your ID" SMS per ID and day: each join needs its own SMS code, but a
# determined sender should still not be able to flood the person on file.
NOTICE_TTL = 24 * 3600


def notify(phone: str, message: str):
    """Queue ``message`` to ``phone`` in the SMS outbox now, in the caller's transaction, and
    return the on_commit callback that sends it once that commits."""
    return queue_sms(phone, message)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    blocks_approval: bool


def person_on_file(id_index: str) -> Person | None:
    return Person.objects.filter(id_index=id_index).first()


def phone_differs(person: Person | None, phone_index: str) -> bool:
    """The claim names a person on file whose phone is another one (or none at all)."""
    return person is not None and person.phone_index != phone_index


def proved(request: JoinRequest) -> bool:
    return bool(request.identity_proof)


def current_membership_in_scope(user, membership: Membership) -> bool:
    return user is not None and restrict(Membership, user, "view").filter(pk=membership.pk).exists()


def already_member_message(user, membership: Membership) -> str:
    """What staff are told of a current membership elsewhere: its union only if they see it."""
    if current_membership_in_scope(user, membership):
        return gettext(
            "This person is already a member of %(org)s: start a transfer instead of a new "
            "membership."
        ) % {"org": membership.org.name}
    return gettext(
        "This person is already a member of another union: she can ask for a transfer at /m/, "
        "or the receiving union starts one after checking her ID card."
    )


def join_findings(requests, user) -> dict[int, list[Finding]]:
    """What the reviewer must know about each application, for a page of them at once:
    four queries whatever the page size."""
    requests = [r for r in requests if r.state == JoinRequestState.PENDING]
    if not requests:
        return {}
    id_indexes = {r.id_index for r in requests}
    phone_indexes = {r.phone_index for r in requests}
    people = {p.id_index: p for p in Person.objects.filter(id_index__in=id_indexes)}
    current = {
        m.person.id_index: m
        for m in Membership.objects.filter(
            person__id_index__in=id_indexes, state__in=CURRENT_STATES
        ).select_related("org", "person")
    }
    phone_owners: dict[str, set[str]] = {}
    for id_index, phone_index in Person.objects.filter(phone_index__in=phone_indexes).values_list(
        "id_index", "phone_index"
    ):
        phone_owners.setdefault(phone_index, set()).add(id_index)
    claims: dict[str, set[int]] = {}
    for pk, id_index in JoinRequest.objects.filter(
        id_index__in=id_indexes, state=JoinRequestState.PENDING
    ).values_list("pk", "id_index"):
        claims.setdefault(id_index, set()).add(pk)
    out: dict[int, list[Finding]] = {}
    for r in requests:
        found: list[Finding] = []
        membership = current.get(r.id_index)
        if membership is not None:
            found.append(Finding(ALREADY_MEMBER, already_member_message(user, membership), True))
        person = people.get(r.id_index)
        # A current member moves by transfer: proof of a new phone would not make this
        # application approvable, so only the membership is named.
        if membership is None and phone_differs(person, r.phone_index):
            if proved(r):
                found.append(
                    Finding(
                        PROVED,
                        gettext("Returning member with a new phone; identity proved: %(how)s.")
                        % {"how": IdentityProof(r.identity_proof).label},
                        False,
                    )
                )
            else:
                found.append(
                    Finding(
                        PHONE_DIFFERS,
                        gettext(
                            "Returning member: this phone is not the one on file. Approve only "
                            "after she confirms from the phone on file, or after you check her "
                            "ID card in person. The phone on file was told by SMS."
                        ),
                        True,
                    )
                )
        if phone_owners.get(r.phone_index, set()) - {r.id_index}:
            found.append(
                Finding(
                    PHONE_OF_ANOTHER,
                    gettext("This phone number is on file for another person."),
                    False,
                )
            )
        if claims.get(r.id_index, set()) - {r.pk}:
            found.append(
                Finding(
                    OTHER_CLAIM,
                    gettext(
                        "Another open application gives this ID number with a different phone."
                    ),
                    False,
                )
            )
        if found:
            out[r.pk] = found
    return out


def approval_blockers(request: JoinRequest, user) -> list[Finding]:
    """Why ``request`` cannot be approved now (empty if it can)."""
    found = join_findings([request], user).get(request.pk, [])
    return [f for f in found if f.blocks_approval]


def check_approvable(request: JoinRequest, user) -> None:
    """Raise the first reason ``request`` cannot be approved now."""
    for finding in approval_blockers(request, user):
        raise ActionError(finding.message, code=finding.code)


def may_auto_approve(request: JoinRequest) -> bool:
    """An auto-approving channel admits only a claim that changes nobody's data."""
    return not approval_blockers(request, None)


def tell_person_on_file(*, ctx, request: JoinRequest, person: Person | None) -> None:
    """Someone applied with this ID: tell the phone on file when it is not the applicant's.

    Sent on commit; at most once a day per ID."""
    if person is None or not person.phone or person.phone_index == request.phone_index:
        return
    if not cache.add(f"members:id-notice:{request.id_index}", 1, timeout=NOTICE_TTL):
        return
    member = Membership.objects.filter(person=person, state__in=CURRENT_STATES).exists()
    if member:
        message = gettext(
            "[gonghui] Someone applied to join %(org)s with your ID number and the phone "
            "%(phone)s. You are already a member and need not join again; to move, log in at "
            "/m/ and ask for a transfer. If this was not you, tell your union."
        )
    else:
        message = gettext(
            "[gonghui] Someone applied to join %(org)s with your ID number and the phone "
            "%(phone)s. If it was you, log in at /m/ with this phone and confirm; if not, "
            "log in and answer that it was not you."
        )
    ctx.on_commit(
        notify(
            person.phone, message % {"org": request.org.name, "phone": mask_phone(request.phone)}
        )
    )


def set_phone(ctx, person: Person, phone: str) -> None:
    """Change the phone on file (the caller has proof): the old phone's account loses the
    record, and the old phone is told."""
    if person.phone == phone:
        return
    old = person.phone
    person.phone = phone
    fields = ["phone", "phone_index"]
    if person.user_id is not None:
        person.user = None
        fields.append("user")
    person.save(update_fields=[*fields, "updated_at"])
    ctx.details["phone_changed"] = {"from": mask_phone(old), "to": mask_phone(phone)}
    if old:
        ctx.on_commit(
            notify(
                old,
                gettext(
                    "[gonghui] The mobile number on your union record was changed to %(phone)s. "
                    "If you did not ask for this, tell your union at once."
                )
                % {"phone": mask_phone(phone)},
            )
        )


# --- proof ----------------------------------------------------------------------------------


def _pending(request: JoinRequest) -> None:
    if request.state != JoinRequestState.PENDING:
        raise ActionError(_("This application has already been decided."), code="decided")


@action("members.record_identity_check", permission="members.approve_joinrequest")
def record_identity_check(ctx, *, request: JoinRequest, note: str) -> JoinRequest:
    """Staff checked the applicant's ID card in person: the claim may now be approved."""
    request = ctx.require(request)
    ctx.lock(request)
    _pending(request)
    note = " ".join((note or "").split())
    if not note:
        raise ActionError(
            _("Say what you checked (for example: the original ID card, at the union office)."),
            code="note_required",
        )
    request.identity_proof = IdentityProof.IN_PERSON
    request.identity_proved_at = timezone.now()
    request.identity_proved_by = ctx.actor
    request.identity_note = note[:200]
    request.save(
        update_fields=[
            "identity_proof",
            "identity_proved_at",
            "identity_proved_by",
            "identity_note",
        ]
    )
    ctx.wrote(request, details={"proof": IdentityProof.IN_PERSON, "note": note[:200]})
    ctx.org = request.org
    return request


def claims_on_my_record(user):
    """Open applications naming the person of this member account with another phone: what
    she is asked to confirm or disown at ``/m/``. Only for the account of the phone on file."""
    person = Person.objects.filter(user=user).first() if getattr(user, "pk", None) else None
    if person is None or person.phone_index != getattr(user, "phone_index", None):
        return JoinRequest.objects.none()
    return (
        JoinRequest.objects.filter(id_index=person.id_index, state=JoinRequestState.PENDING)
        .exclude(phone_index=person.phone_index)
        .filter(identity_proof="")
        .select_related("org")
    )


def _own_claim(ctx, request: JoinRequest) -> JoinRequest:
    if not claims_on_my_record(ctx.actor).filter(pk=request.pk).exists():
        raise OutOfScope("not a claim on the actor's own record")
    ctx.lock(request)
    _pending(request)
    return request


@action("members.confirm_join_claim", permission=None)
def confirm_join_claim(ctx, *, request: JoinRequest) -> JoinRequest:
    """The person on file, logged in with the phone on file, says the application is hers."""
    request = _own_claim(ctx, request)
    request.identity_proof = IdentityProof.PHONE_ON_FILE
    request.identity_proved_at = timezone.now()
    request.identity_proved_by = ctx.actor
    request.save(update_fields=["identity_proof", "identity_proved_at", "identity_proved_by"])
    ctx.wrote(request, details={"proof": IdentityProof.PHONE_ON_FILE}, recheck=False)
    ctx.org = request.org
    return request


@action("members.disown_join_claim", permission=None)
def disown_join_claim(ctx, *, request: JoinRequest) -> JoinRequest:
    """The person on file says she did not apply: the application is refused."""
    request = _own_claim(ctx, request)
    reason = gettext("The person on file says she did not apply.")
    request.reason = reason
    request.decided_at = timezone.now()
    request.decided_by = ctx.actor
    # The declared "disown_claim" of members/workflows.py (found through the registry: this
    # module imports nothing from members.actions or workflows).
    machine_for(JoinRequest).apply(
        ctx, request, "disown_claim", extra_fields=["reason", "decided_at", "decided_by"]
    )
    ctx.wrote(request, details={"disowned": True, "name": mask_name(request.name)}, recheck=False)
    ctx.org = request.org
    ctx.on_commit(
        notify(
            request.phone,
            gettext("[gonghui] Your application to join %(org)s was not approved.")
            % {"org": request.org.name},
        )
    )
    return request
