"""Union building: founding (建会), committee terms (换届), the three teams (三支队伍) and the
duty lists with their responsibility letters (四类责任清单).

The actions below are the only write path for these models; the console calls them. The
scoped reads the console needs (terms due, letters not signed) sit at the end.
"""

from __future__ import annotations

import datetime
import re

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.actions import create_org
from gonghui.orgs.choices import ALLOWED_CHILDREN, OrgKind, OrgStatus
from gonghui.orgs.models import (
    DUTY_LEVEL_KINDS,
    DutyItem,
    DutyLetter,
    DutyList,
    DutyListState,
    FoundingApplication,
    FoundingKind,
    FoundingState,
    Official,
    OfficialPosition,
    Org,
    Team,
    TeamMember,
    Term,
    TermLength,
)
from gonghui.platform.access.scoping import clear_cache, grant_scopes, restrict, subtree_q
from gonghui.platform.validators import MobileError, USCCError, check_uscc, normalize_mobile
from gonghui.platform.workflow.base import ActionError, StateMachine, Transition, action

DUE_WITHIN_DAYS = 90
UNION_AUTHORITY = "8"  # GB 32100 registration authority of trade unions

founding_states = StateMachine(
    "state",
    [
        Transition(
            "submit",
            frozenset({FoundingState.DRAFT, FoundingState.RETURNED}),
            FoundingState.SUBMITTED,
            _("Submit for review"),
        ),
        Transition(
            "approve",
            frozenset({FoundingState.SUBMITTED}),
            FoundingState.APPROVED,
            _("Approve and register"),
        ),
        Transition(
            "return",
            frozenset({FoundingState.SUBMITTED}),
            FoundingState.RETURNED,
            _("Return for changes"),
        ),
        Transition(
            "reject", frozenset({FoundingState.SUBMITTED}), FoundingState.REJECTED, _("Reject")
        ),
    ],
)

duty_list_states = StateMachine(
    "state",
    [
        Transition(
            "publish",
            frozenset({DutyListState.DRAFT}),
            DutyListState.PUBLISHED,
            _("Publish"),
        )
    ],
)

# Positions typed in Chinese on paper forms and imports map to the stored codes.
POSITION_ALIASES = {
    "主席": OfficialPosition.CHAIR,
    "工会主席": OfficialPosition.CHAIR,
    "副主席": OfficialPosition.VICE_CHAIR,
    "委员": OfficialPosition.COMMITTEE_MEMBER,
    "经审会主任": OfficialPosition.AUDIT_CHAIR,
    "经审委员会主任": OfficialPosition.AUDIT_CHAIR,
    "经审委员": OfficialPosition.AUDIT_MEMBER,
    "女职工委员会主任": OfficialPosition.WOMEN_CHAIR,
    "女职工委员": OfficialPosition.WOMEN_MEMBER,
}


def _position(value: str) -> str:
    value = (value or "").strip()
    if value in OfficialPosition.values:
        return value
    if value in POSITION_ALIASES:
        return POSITION_ALIASES[value]
    for choice in OfficialPosition:
        if str(choice.label).lower() == value.lower():
            return choice.value
    raise ActionError(
        _("Unknown position “%(position)s”."), code="invalid_position", params={"position": value}
    )


def parse_committee(value) -> list[dict]:
    """The proposed committee as ``[{"name", "position"}]``, from a list of dicts or from text
    with one ``name, position`` per line (position as code, English or Chinese title)."""
    if not value:
        return []
    if isinstance(value, str):
        rows = []
        for line in value.splitlines():
            line = line.strip()
            if not line:
                continue
            parts = re.split(r"\s*[,，|\t]\s*|\s+", line, maxsplit=1)
            if len(parts) != 2:
                raise ActionError(
                    _("Write each committee member as “name, position”."),
                    code="invalid_committee",
                )
            rows.append({"name": parts[0], "position": parts[1]})
        value = rows
    committee = []
    for row in value:
        name = str(row.get("name", "")).strip()
        if not name:
            raise ActionError(_("Each committee member needs a name."), code="invalid_committee")
        committee.append({"name": name, "position": _position(str(row.get("position", "")))})
    return committee


def format_committee(committee) -> str:
    labels = dict(OfficialPosition.choices)
    return "\n".join(
        f"{row['name']}, {labels.get(row['position'], row['position'])}" for row in committee or []
    )


def _clean_phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_mobile(value)
    except MobileError as exc:
        raise ActionError(_("Enter a valid mobile number."), code="invalid_phone") from exc


def _check_years(years) -> int:
    try:
        years = int(years)
    except (TypeError, ValueError):
        years = 0
    if years not in TermLength.values:
        raise ActionError(_("A term lasts 3 or 5 years."), code="invalid_term_length")
    return years


def _require_active(org: Org) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise ActionError(_("The organisation is not active."), code="org_inactive")


# --- founding (建会) ----------------------------------------------------------------------------

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


def _check_complete(application: FoundingApplication) -> None:
    """The guards shared by submit and approve: what a registration needs."""
    _check_parent(application.parent, application.kind)
    if application.kind == FoundingKind.GRASSROOTS:
        if application.employer is None:
            raise ActionError(
                _("A grassroots union needs the employer it is founded in."),
                code="employer_required",
            )
        if application.employer.org.kind == OrgKind.GRASSROOTS:
            raise ActionError(
                _("This employer already has a union: %(org)s."),
                code="employer_has_union",
                params={"org": application.employer.org.name},
            )
    elif not application.area_description:
        raise ActionError(
            _("Describe the area or industry the federation covers."), code="area_required"
        )
    if not application.proposed_chair:
        raise ActionError(_("Name the proposed chair."), code="chair_required")
    if application.meeting_date is None:
        raise ActionError(_("Give the date of the founding meeting."), code="meeting_required")
    if application.member_count < 1:
        raise ActionError(_("Give the number of members."), code="members_required")


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


# --- terms and officials (换届) ------------------------------------------------------------------


def _create_official(ctx, term: Term, row: dict, started_on: datetime.date) -> Official:
    name = (row.get("name") or "").strip()
    if not name:
        raise ActionError(_("The name is required."), code="required")
    official = Official.objects.create(
        org=term.org,
        term=term,
        name=name,
        position=_position(row.get("position", "")),
        full_time=bool(row.get("full_time", False)),
        phone=_clean_phone(row.get("phone", "")),
        started_on=started_on,
    )
    ctx.wrote(official)
    return official


@action("orgs.start_term", permission="orgs.add_term")
def start_term(
    ctx,
    *,
    org: Org,
    started_on: datetime.date,
    years: int = TermLength.FIVE,
    note: str = "",
    officials: list[dict] | tuple = (),
) -> Term:
    """Open a new term for ``org`` after its election; the current term closes the day the new
    one starts and its serving officials end with it."""
    org = ctx.require(org, "orgs.add_term")
    ctx.lock(org)
    _require_active(org)
    if org.kind == OrgKind.HOLDING_POOL:
        raise ActionError(_("A holding pool has no committee."), code="no_committee")
    if started_on is None:
        raise ActionError(_("Give the start date."), code="required")
    years = _check_years(years)
    current = Term.objects.select_for_update().filter(org=org, is_current=True).first()
    if current is not None:
        if started_on <= current.started_on:
            raise ActionError(
                _("The new term must start after the current one (%(date)s)."),
                code="term_order",
                params={"date": current.started_on},
            )
        current.is_current = False
        current.closed_on = started_on
        current.save(update_fields=["is_current", "closed_on"])
        Official.objects.filter(term=current, ended_on__isnull=True).update(ended_on=started_on)
        ctx.wrote(current)
    number = (Term.objects.filter(org=org).aggregate(n=Max("number"))["n"] or 0) + 1
    term = Term.objects.create(
        org=org, number=number, started_on=started_on, years=years, note=(note or "").strip()
    )
    for row in officials:
        _create_official(ctx, term, row, started_on)
    ctx.primary = term
    ctx.org = org
    ctx.wrote(
        term,
        details={
            "number": number,
            "started_on": str(started_on),
            "closed": current.number if current else None,
        },
    )
    return term


@action("orgs.appoint_official", permission="orgs.add_official")
def appoint_official(
    ctx,
    *,
    term: Term,
    name: str,
    position: str,
    started_on: datetime.date,
    full_time: bool = False,
    phone: str = "",
) -> Official:
    """Add an office holder to a current term (a by-election or a co-opted member)."""
    term = ctx.require(term, "orgs.add_official")
    if not term.is_current:
        raise ActionError(_("Officials are added to the current term only."), code="term_closed")
    if started_on is None or started_on < term.started_on:
        raise ActionError(_("An official cannot start before the term does."), code="invalid_start")
    row = {"name": name, "position": position, "full_time": full_time, "phone": phone}
    official = _create_official(ctx, term, row, started_on)
    ctx.org = term.org
    ctx.details.update({"position": official.position, "term": term.number})
    return official


@action("orgs.end_official", permission="orgs.change_official")
def end_official(ctx, *, official: Official, ended_on: datetime.date) -> Official:
    """An official leaves office before the term ends."""
    official = ctx.require(official)
    ctx.lock(official)
    if official.ended_on is not None:
        raise ActionError(_("This official has already left office."), code="already_ended")
    if ended_on is None or ended_on < official.started_on:
        raise ActionError(_("The end date is before the start date."), code="invalid_end")
    official.ended_on = ended_on
    official.save(update_fields=["ended_on"])
    ctx.org = official.org
    ctx.wrote(official, details={"ended_on": str(ended_on)})
    return official


# --- the three teams (三支队伍) ------------------------------------------------------------------

TEAM_MEMBER_FIELDS = ("name", "phone", "employer_name")


@action("orgs.appoint_team_member", permission="orgs.add_teammember")
def appoint_team_member(
    ctx,
    *,
    org: Org,
    team: str,
    name: str,
    appointed_on: datetime.date,
    phone: str = "",
    employer_name: str = "",
) -> TeamMember:
    """Appoint a safety informant, labour-law supervisor or labour-protection inspector."""
    org = ctx.require(org, "orgs.add_teammember")
    _require_active(org)
    if team not in Team.values:
        raise ActionError(_("Unknown team."), code="invalid_team")
    name = (name or "").strip()
    if not name:
        raise ActionError(_("The name is required."), code="required")
    if appointed_on is None:
        raise ActionError(_("Give the appointment date."), code="required")
    member = TeamMember.objects.create(
        org=org,
        team=team,
        name=name,
        phone=_clean_phone(phone),
        employer_name=(employer_name or "").strip(),
        appointed_on=appointed_on,
    )
    ctx.org = org
    ctx.wrote(member, details={"team": team})
    return member


@action("orgs.update_team_member", permission="orgs.change_teammember")
def update_team_member(ctx, *, member: TeamMember, **changes) -> TeamMember:
    """Correct a team member's name, phone or employer."""
    unknown = set(changes) - set(TEAM_MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"unknown team member fields: {sorted(unknown)}")
    member = ctx.require(member)
    ctx.lock(member)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ActionError(_("The name is required."), code="required")
    if "phone" in changes:
        changes["phone"] = _clean_phone(changes["phone"])
    changed = [f for f, v in changes.items() if getattr(member, f) != v]
    for field, value in changes.items():
        setattr(member, field, value)
    if changed:
        member.save(update_fields=changed)
    ctx.org = member.org
    ctx.wrote(member, details={"changed": sorted(changed)})
    return member


@action("orgs.end_team_member", permission="orgs.change_teammember")
def end_team_member(ctx, *, member: TeamMember, ended_on: datetime.date) -> TeamMember:
    """End a team member's appointment."""
    member = ctx.require(member)
    ctx.lock(member)
    if member.ended_on is not None:
        raise ActionError(_("This appointment has already ended."), code="already_ended")
    if ended_on is None or ended_on < member.appointed_on:
        raise ActionError(_("The end date is before the appointment."), code="invalid_end")
    member.ended_on = ended_on
    member.save(update_fields=["ended_on"])
    ctx.org = member.org
    ctx.wrote(member, details={"ended_on": str(ended_on)})
    return member


# --- duty lists and responsibility letters (四类责任清单) ---------------------------------------


def _clean_items(items) -> list[str]:
    if isinstance(items, str):
        items = items.splitlines()
    return [text.strip() for text in items or () if text and text.strip()]


def _replace_items(duty_list: DutyList, items: list[str]) -> None:
    duty_list.items.all().delete()
    DutyItem.objects.bulk_create(
        DutyItem(list=duty_list, order=i, text=text) for i, text in enumerate(items, start=1)
    )


@action("orgs.create_duty_list", permission="orgs.add_dutylist")
def create_duty_list(ctx, *, org: Org, level: str, year: int, title: str, items=()) -> DutyList:
    """Draft a duty-list template for one org level and year, published by a federation."""
    org = ctx.require(org, "orgs.add_dutylist")
    _require_active(org)
    if org.kind in (OrgKind.GRASSROOTS, OrgKind.HOLDING_POOL):
        raise ActionError(
            _("Duty lists are published by a federation."), code="publisher_not_federation"
        )
    if level not in DUTY_LEVEL_KINDS:
        raise ActionError(_("Unknown level."), code="invalid_level")
    title = (title or "").strip()
    if not title:
        raise ActionError(_("The title is required."), code="required")
    if not year or not 2000 <= int(year) <= 2100:
        raise ActionError(_("Enter a valid year."), code="invalid_year")
    if DutyList.objects.filter(org=org, level=level, year=year).exists():
        raise ActionError(
            _("This organisation already has a list for this level and year."),
            code="duplicate_list",
        )
    duty_list = DutyList.objects.create(org=org, level=level, year=int(year), title=title)
    _replace_items(duty_list, _clean_items(items))
    ctx.org = org
    ctx.wrote(duty_list, details={"level": level, "year": int(year)})
    return duty_list


@action("orgs.update_duty_list", permission="orgs.change_dutylist")
def update_duty_list(ctx, *, duty_list: DutyList, title: str | None = None, items=None):
    """Change the title or the duties of a draft list."""
    duty_list = ctx.require(duty_list)
    ctx.lock(duty_list)
    if duty_list.state != DutyListState.DRAFT:
        raise ActionError(_("A published list cannot be changed."), code="published")
    if title is not None:
        title = title.strip()
        if not title:
            raise ActionError(_("The title is required."), code="required")
        duty_list.title = title
        duty_list.save(update_fields=["title"])
    if items is not None:
        _replace_items(duty_list, _clean_items(items))
    ctx.org = duty_list.org
    ctx.wrote(duty_list)
    return duty_list


@action("orgs.publish_duty_list", permission="orgs.change_dutylist")
def publish_duty_list(ctx, *, duty_list: DutyList) -> DutyList:
    """Publish the list: from now on the orgs of its level sign it, and it is frozen."""
    duty_list = ctx.require(duty_list)
    ctx.lock(duty_list)
    if not duty_list.items.exists():
        raise ActionError(_("A list needs at least one duty."), code="empty_list")
    duty_list.published_at = timezone.now()
    duty_list_states.apply(ctx, duty_list, "publish", extra_fields=["published_at"])
    ctx.org = duty_list.org
    ctx.wrote(duty_list)
    return duty_list


def _ancestor_paths(path: str) -> list[str]:
    steplen = Org.steplen
    return [path[: steplen * i] for i in range(1, len(path) // steplen + 1)]


def lists_for_org(org: Org, year: int | None = None):
    """Published lists that ``org`` signs: its level's, from itself or a federation above."""
    levels = [level for level, kinds in DUTY_LEVEL_KINDS.items() if org.kind in kinds]
    qs = DutyList.objects.filter(
        state=DutyListState.PUBLISHED, level__in=levels, org__path__in=_ancestor_paths(org.path)
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs


@action("orgs.sign_duty_letter", permission="orgs.add_dutyletter")
def sign_duty_letter(
    ctx,
    *,
    org: Org,
    duty_list: DutyList,
    signed_on: datetime.date,
    signed_by: str,
    file=None,
) -> DutyLetter:
    """Record that ``org`` signed the responsibility letter for a published duty list."""
    org = ctx.require(org, "orgs.add_dutyletter")
    ctx.lock(org)
    _require_active(org)
    # The list belongs to a federation above the org, usually outside the signer's scope:
    # it is checked against the org's own ancestry instead of ``restrict``.
    if not lists_for_org(org).filter(pk=duty_list.pk).exists():
        raise ActionError(
            _("This duty list is not published for this organisation."), code="list_not_for_org"
        )
    signed_by = (signed_by or "").strip()
    if not signed_by:
        raise ActionError(_("Give the name of the person who signed."), code="required")
    if signed_on is None:
        raise ActionError(_("Give the signing date."), code="required")
    if DutyLetter.objects.filter(org=org, list=duty_list).exists():
        raise ActionError(
            _("This organisation has already signed this list."), code="already_signed"
        )
    letter = DutyLetter(
        org=org, list=duty_list, year=duty_list.year, signed_on=signed_on, signed_by=signed_by
    )
    if file:
        letter.file = file
    letter.save()
    ctx.org = org
    ctx.wrote(letter, details={"list": duty_list.pk, "year": duty_list.year})
    return letter


# --- scoped reads -----------------------------------------------------------------------------


def terms_due(user, *, today: datetime.date | None = None, within: int = DUE_WITHIN_DAYS):
    """Current terms in the user's scope that end within ``within`` days or are overdue."""
    today = today or timezone.localdate()
    return (
        Term.objects.restrict(user, "view")
        .filter(is_current=True, ends_on__lte=today + datetime.timedelta(days=within))
        .select_related("org")
        .order_by("ends_on")
    )


def terms_overdue(user, *, today: datetime.date | None = None):
    today = today or timezone.localdate()
    return terms_due(user, today=today, within=0).filter(ends_on__lt=today)


def signable_lists(user, year: int | None = None):
    """Published lists the user may record letters against: those of federations in their
    scope and of the federations above their grants."""
    paths: set[str] = set()
    for scope in grant_scopes(user):
        if "orgs.add_dutyletter" in scope.permissions:
            paths.update(_ancestor_paths(scope.path))
    visible = restrict(Org, user, "orgs.view_dutyletter").values("pk")
    qs = DutyList.objects.filter(state=DutyListState.PUBLISHED).filter(
        Q(org__path__in=sorted(paths)) | Q(org__in=visible)
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs.select_related("org").order_by("-year", "level", "org__path")


def unsigned_letters(user, year: int) -> list[dict]:
    """For each published list of ``year`` that reaches the user's scope, the active orgs of
    its level in the user's scope (and under the publisher) that have not signed it."""
    scope = restrict(Org, user, "orgs.view_dutyletter")
    rows = []
    lists = (
        DutyList.objects.filter(state=DutyListState.PUBLISHED, year=year)
        .select_related("org")
        .order_by("level", "org__path")
    )
    for duty_list in lists:
        orgs = (
            scope.filter(subtree_q("path", duty_list.org.path))
            .filter(status=OrgStatus.ACTIVE, kind__in=DUTY_LEVEL_KINDS[duty_list.level])
            .exclude(pk__in=DutyLetter.objects.filter(list=duty_list).values("org_id"))
            .order_by("path")
        )
        for org in orgs:
            rows.append({"list": duty_list, "org": org})
    return rows


__all__ = [
    "appoint_official",
    "appoint_team_member",
    "approve_founding_application",
    "create_duty_list",
    "create_founding_application",
    "end_official",
    "end_team_member",
    "publish_duty_list",
    "reject_founding_application",
    "return_founding_application",
    "sign_duty_letter",
    "start_term",
    "submit_founding_application",
    "update_duty_list",
    "update_founding_application",
    "update_team_member",
]
