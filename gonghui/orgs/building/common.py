"""What the union-building actions share: the position codes typed on paper forms, the
committee text format, and the small guards (a mobile number, a term length, an active org)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from gonghui.orgs.choices import OrgStatus
from gonghui.orgs.models import OfficialPosition, Org, TermLength
from gonghui.platform.validators import MobileError, normalize_mobile
from gonghui.platform.workflow.base import ActionError

DUE_WITHIN_DAYS = 90
UNION_AUTHORITY = "8"  # GB 32100 registration authority of trade unions

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
