"""Committee terms (换届), their officials and the three teams (三支队伍): the actions that
open a term after an election, appoint and end officials, and appoint, correct and end team
members. None of these rows has a state field: they are dated, not moved."""

from __future__ import annotations

import datetime

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.building.common import (
    _check_years,
    _clean_phone,
    _position,
    _require_active,
)
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Official, Org, Team, TeamMember, Term, TermLength
from gonghui.platform.workflow.base import ActionError, action

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
