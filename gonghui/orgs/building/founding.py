"""Founding (建会): the founding application's declared transitions (submit, approve, return,
reject) and the actions that create, change and decide an application. Approving registers
the union: the org, its credit code, its first term and officials."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_
from ninja import Field, Schema

from gonghui.orgs.actions import create_org
from gonghui.orgs.building.common import (
    UNION_AUTHORITY,
    _check_years,
    _clean_phone,
    _require_active,
    parse_committee,
)
from gonghui.orgs.choices import ALLOWED_CHILDREN, OrgKind
from gonghui.orgs.models import (
    FoundingApplication,
    FoundingKind,
    FoundingState,
    Official,
    OfficialPosition,
    Org,
    Term,
)
from gonghui.platform.access.scoping import clear_cache
from gonghui.platform.validators import USCCError, check_uscc
from gonghui.platform.workflow.base import ActionError, StateMachine, Transition, action

FOUNDING_FIELDS = (
    "name",
    "kind",
    "employer",
    "area_description",
    "proposed_chair",
    "committee",
    "meeting_date",
    "term_years",
    "member_count",
    "contact_name",
    "contact_phone",
)


def _check_parent(parent: Org, kind: str) -> None:
    _require_active(parent)
    if kind not in FoundingKind.values:
        raise ActionError(_("Unknown organisation kind."), code="invalid_kind")
    if kind not in ALLOWED_CHILDREN[OrgKind(parent.kind)]:
        raise ActionError(
            _("A %(child)s cannot be placed under a %(parent)s."),
            code="invalid_parent_kind",
            params={"child": OrgKind(kind).label, "parent": OrgKind(parent.kind).label},
        )


def _apply_founding_fields(ctx, application: FoundingApplication, fields: dict) -> list[str]:
    unknown = set(fields) - set(FOUNDING_FIELDS)
    if unknown:
        raise TypeError(f"unknown founding fields: {sorted(unknown)}")
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ActionError(_("The name is required."), code="required")
    if "committee" in fields:
        fields["committee"] = parse_committee(fields["committee"])
    if "contact_phone" in fields:
        fields["contact_phone"] = _clean_phone(fields["contact_phone"])
    if "term_years" in fields:
        fields["term_years"] = _check_years(fields["term_years"])
    if fields.get("employer") is not None:
        fields["employer"] = ctx.require(fields["employer"], "orgs.view_employer")
        open_states = (FoundingState.DRAFT, FoundingState.SUBMITTED, FoundingState.RETURNED)
        others = FoundingApplication.objects.filter(
            employer=fields["employer"], state__in=open_states
        ).exclude(pk=application.pk)
        if others.exists():
            raise ActionError(
                _("This employer already has an open founding application."),
                code="duplicate_application",
            )
    for key in ("area_description", "proposed_chair", "contact_name"):
        if key in fields:
            fields[key] = (fields[key] or "").strip()
    changed = [f for f, v in fields.items() if getattr(application, f) != v]
    for field, value in fields.items():
        setattr(application, field, value)
    return changed


def founding_problems(application: FoundingApplication) -> list[ActionError]:
    """What a registration still lacks, in the order the guards ask (empty: complete). Reads
    the parent, the employer and the employer's org (select them with the application)."""
    problems = []
    try:
        _check_parent(application.parent, application.kind)
    except ActionError as exc:
        problems.append(exc)
    if application.kind == FoundingKind.GRASSROOTS:
        if application.employer is None:
            problems.append(
                ActionError(
                    _("A grassroots union needs the employer it is founded in."),
                    code="employer_required",
                )
            )
        elif application.employer.org.kind == OrgKind.GRASSROOTS:
            problems.append(
                ActionError(
                    _("This employer already has a union: %(org)s."),
                    code="employer_has_union",
                    params={"org": application.employer.org.name},
                )
            )
    elif not application.area_description:
        problems.append(
            ActionError(
                _("Describe the area or industry the federation covers."), code="area_required"
            )
        )
    if not application.proposed_chair:
        problems.append(ActionError(_("Name the proposed chair."), code="chair_required"))
    if application.meeting_date is None:
        problems.append(
            ActionError(_("Give the date of the founding meeting."), code="meeting_required")
        )
    if application.member_count < 1:
        problems.append(ActionError(_("Give the number of members."), code="members_required"))
    return problems


def _check_complete(application: FoundingApplication) -> None:
    """The guard shared by submit and approve: what a registration needs."""
    problems = founding_problems(application)
    if problems:
        raise problems[0]


def incomplete_reasons(application: FoundingApplication, user=None) -> list[str]:
    """``check`` of submit and approve: every problem at once, so the button says them all."""
    return [message for problem in founding_problems(application) for message in problem]


# --- the declared transitions -----------------------------------------------------------------


class ApproveFoundingIn(Schema):
    certificate_no: str = Field(
        ..., min_length=1, max_length=64, title=N_("Legal-person certificate number")
    )
    union_uscc: str = Field(
        ...,
        min_length=1,
        max_length=20,
        title=N_("Union's unified social credit code"),
        description=N_("A union's credit code starts with 8 (registered by the trade unions)."),
    )
    uscc_confirmed: bool = Field(
        False, title=N_("I checked this credit code in the national system")
    )


class ReturnFoundingIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=1000,
        title=N_("Reason"),
        description=N_("What the applicants must correct before they submit again."),
    )


class RejectFoundingIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=1000,
        title=N_("Reason"),
        description=N_("Why the union cannot be founded. The application is closed for good."),
    )


# The API has no founding endpoints: these transitions are offered on the console.
CONSOLE = frozenset({"console"})

founding_states = StateMachine(
    "state",
    [
        Transition(
            "submit",
            frozenset({FoundingState.DRAFT, FoundingState.RETURNED}),
            FoundingState.SUBMITTED,
            label=_("Send to the federation for review"),
            permission="orgs.change_foundingapplication",
            check=incomplete_reasons,
            execute=lambda obj, actor: submit_founding_application(actor=actor, application=obj),
            faces=CONSOLE,
            done=_("The application was sent to the federation for review."),
        ),
        Transition(
            "approve",
            frozenset({FoundingState.SUBMITTED}),
            FoundingState.APPROVED,
            label=_("Approve and register"),
            permission="orgs.approve_foundingapplication",
            input=ApproveFoundingIn,
            check=incomplete_reasons,
            execute=lambda obj, actor, **data: approve_founding_application(
                actor=actor, application=obj, **data
            ),
            faces=CONSOLE,
            intro=_(
                "Approving registers the union under this federation with its credit code, "
                "opens its first term with the proposed chair and committee as officials, and "
                "moves the employer to it."
            ),
            done=_("The union is registered with its first term and officials."),
        ),
        Transition(
            "return",
            frozenset({FoundingState.SUBMITTED}),
            FoundingState.RETURNED,
            label=_("Return for changes"),
            permission="orgs.approve_foundingapplication",
            input=ReturnFoundingIn,
            execute=lambda obj, actor, **data: return_founding_application(
                actor=actor, application=obj, **data
            ),
            faces=CONSOLE,
            style="secondary",
            done=_("The application was returned to the applicants for changes."),
        ),
        Transition(
            "reject",
            frozenset({FoundingState.SUBMITTED}),
            FoundingState.REJECTED,
            label=_("Refuse the founding"),
            permission="orgs.approve_foundingapplication",
            input=RejectFoundingIn,
            execute=lambda obj, actor, **data: reject_founding_application(
                actor=actor, application=obj, **data
            ),
            faces=CONSOLE,
            style="danger",
            done=_("The founding was refused."),
        ),
    ],
)


# --- the actions ------------------------------------------------------------------------------


@action("orgs.create_founding_application", permission="orgs.add_foundingapplication")
def create_founding_application(ctx, *, parent: Org, name: str, kind: str, **fields):
    """Start a draft founding application under the federation that will review it."""
    parent = ctx.require(parent, "orgs.add_foundingapplication")
    _check_parent(parent, kind)
    application = FoundingApplication(parent=parent, kind=kind)
    _apply_founding_fields(ctx, application, {"name": name, **fields})
    application.save()
    ctx.org = parent
    ctx.wrote(application, details={"name": application.name, "kind": kind})
    return application


@action("orgs.update_founding_application", permission="orgs.change_foundingapplication")
def update_founding_application(ctx, *, application: FoundingApplication, **changes):
    """Change a draft or returned application."""
    application = ctx.require(application)
    ctx.lock(application)
    if application.state not in (FoundingState.DRAFT, FoundingState.RETURNED):
        raise ActionError(
            _("Only a draft or returned application can be changed."), code="not_editable"
        )
    if "kind" in changes:
        _check_parent(application.parent, changes["kind"])
    changed = _apply_founding_fields(ctx, application, changes)
    if changed:
        application.save()
    ctx.org = application.parent
    ctx.wrote(application, details={"changed": sorted(changed)})
    return application


@action("orgs.submit_founding_application", permission="orgs.change_foundingapplication")
def submit_founding_application(ctx, *, application: FoundingApplication):
    """Send the application to its federation for review."""
    application = ctx.require(application)
    ctx.lock(application)
    _check_complete(application)
    application.submitted_at = timezone.now()
    application.reason = ""
    founding_states.apply(
        ctx, application, "submit", extra_fields=["submitted_at", "reason", "updated_at"]
    )
    ctx.org = application.parent
    ctx.wrote(application)
    return application


def _check_union_uscc(value: str) -> str:
    try:
        result = check_uscc(value or "")
    except USCCError as exc:
        raise ActionError(
            _("The unified social credit code is malformed."), code="invalid_uscc"
        ) from exc
    if result.registration_authority != UNION_AUTHORITY:
        raise ActionError(
            _("A union's credit code starts with 8 (registered by the trade unions)."),
            code="uscc_not_union",
        )
    return result.code


@action("orgs.approve_founding_application", permission="orgs.approve_foundingapplication")
def approve_founding_application(
    ctx,
    *,
    application: FoundingApplication,
    certificate_no: str,
    union_uscc: str,
    uscc_confirmed: bool = False,
):
    """Register the union: create the org under the reviewing federation with its credit code,
    record the legal-person certificate, move the employer to it, and open its first term
    with the proposed chair and committee as officials."""
    application = ctx.require(application)
    ctx.lock(application)
    if not founding_states.can(application, "approve"):
        raise ActionError(
            _("Only a submitted application can be approved."), code="invalid_transition"
        )
    _check_complete(application)
    certificate_no = (certificate_no or "").strip()
    if not certificate_no:
        raise ActionError(
            _("Enter the legal-person certificate number."), code="certificate_required"
        )
    if FoundingApplication.objects.filter(certificate_no=certificate_no).exists():
        raise ActionError(
            _("Another union already has this certificate number."), code="duplicate_certificate"
        )
    uscc = _check_union_uscc(union_uscc)
    parent = application.parent
    employer = application.employer
    region = (employer.region_code if employer else "") or parent.region_code
    # The same code path as adding an org by hand: kind, parent, credit-code checks, audit.
    org = create_org(
        actor=ctx.actor,
        parent=parent,
        kind=application.kind,
        name=application.name,
        uscc=uscc,
        uscc_confirmed=uscc_confirmed,
        region_code=region,
        founded_on=application.meeting_date,
        contact_name=application.contact_name,
        contact_phone=application.contact_phone,
        note=str(_("Legal-person certificate No. %(no)s") % {"no": certificate_no}),
    )
    # The per-request cache of subtree org ids predates the new org; rows written under it
    # below would fail the scope re-check against the stale list.
    clear_cache(ctx.actor)
    if employer is not None:
        employer = ctx.require(employer, "orgs.view_employer")
        ctx.lock(employer)
        employer.org = org
        employer.save(update_fields=["org", "updated_at"])
        ctx.wrote(employer, recheck="orgs.view_employer")
    term = Term.objects.create(
        org=org, number=1, started_on=application.meeting_date, years=application.term_years
    )
    ctx.wrote(term)
    officials = [{"name": application.proposed_chair, "position": OfficialPosition.CHAIR}]
    officials += [
        row
        for row in application.committee
        if not (row["position"] == OfficialPosition.CHAIR and row["name"] == officials[0]["name"])
    ]
    for row in officials:
        official = Official.objects.create(
            org=org,
            term=term,
            name=row["name"],
            position=row["position"],
            started_on=application.meeting_date,
        )
        ctx.wrote(official)
    application.org = org
    application.certificate_no = certificate_no
    application.union_uscc = org.uscc
    application.decided_at = timezone.now()
    application.decided_by = ctx.actor
    application.reason = ""
    founding_states.apply(
        ctx,
        application,
        "approve",
        extra_fields=[
            "org",
            "certificate_no",
            "union_uscc",
            "decided_at",
            "decided_by",
            "reason",
            "updated_at",
        ],
    )
    ctx.primary = application
    ctx.org = parent
    ctx.wrote(
        application,
        details={"org": org.name, "certificate_no": certificate_no, "uscc": org.uscc},
    )
    return application


def _decide_with_reason(ctx, application, transition: str, reason: str):
    application = ctx.require(application)
    ctx.lock(application)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("A reason is required."), code="reason_required")
    application.reason = reason
    application.decided_at = timezone.now()
    application.decided_by = ctx.actor
    founding_states.apply(
        ctx,
        application,
        transition,
        extra_fields=["reason", "decided_at", "decided_by", "updated_at"],
    )
    ctx.org = application.parent
    ctx.wrote(application, details={"reason": reason})
    return application


@action("orgs.return_founding_application", permission="orgs.approve_foundingapplication")
def return_founding_application(ctx, *, application: FoundingApplication, reason: str):
    """Send the application back to the applicants to correct; a reason is required."""
    return _decide_with_reason(ctx, application, "return", reason)


@action("orgs.reject_founding_application", permission="orgs.approve_foundingapplication")
def reject_founding_application(ctx, *, application: FoundingApplication, reason: str):
    """Refuse the application for good; a reason is required."""
    return _decide_with_reason(ctx, application, "reject", reason)
