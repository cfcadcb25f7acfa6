"""Writes to the org tree and the employer register. The only write path.

The org's status moves by the declared transitions of :data:`org_status` (dissolve, mark
merged, reactivate): their labels, permission, input and the reasons they cannot run now
(``check``) are declared once here and give the console's buttons and the API's endpoints
(registered from ``OrgsConfig.ready()``). :func:`change_org_status` is the one action behind
all three and keeps its own guards."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_
from ninja import Field, Schema

from gonghui.orgs.choices import ALLOWED_CHILDREN, OrgKind, OrgStatus
from gonghui.orgs.models import Employer, Org
from gonghui.platform.feeds import summaries
from gonghui.platform.validators import check_uscc
from gonghui.platform.workflow.base import ActionError, StateMachine, Transition, action

ORG_FIELDS = (
    "name",
    "short_name",
    "uscc",
    "region_code",
    "address",
    "contact_name",
    "contact_phone",
    "founded_on",
    "note",
)


def _clean_uscc(value: str, *, confirmed: bool = False) -> str:
    if not value:
        return ""
    try:
        result = check_uscc(value)
    except ValueError as exc:
        raise ActionError(
            _("The unified social credit code is malformed."), code="invalid_uscc"
        ) from exc
    if not (result.checksum_ok and result.org_code_ok) and not confirmed:
        raise ActionError(
            _(
                "The unified social credit code fails its checksum. Check it against the "
                "national enterprise credit system and confirm to keep it."
            ),
            code="uscc_checksum",
        )
    return result.code


def _check_region(value: str) -> str:
    value = (value or "").strip()
    if value and not (len(value) == 6 and value.isdigit()):
        raise ActionError(_("The region code must be 6 digits (GB/T 2260)."), code="invalid_region")
    return value


@action("orgs.create_org", permission="orgs.add_org")
def create_org(
    ctx, *, parent: Org | None, kind: str, name: str, uscc_confirmed=False, **fields
) -> Org:
    """Add an org under ``parent`` (or a new root, which nobody but a fresh install does)."""
    unknown = set(fields) - set(ORG_FIELDS)
    if unknown:
        raise TypeError(f"unknown org fields: {sorted(unknown)}")
    name = (name or "").strip()
    if not name:
        raise ActionError(_("The name is required."), code="required")
    if kind not in OrgKind.values:
        raise ActionError(_("Unknown organisation kind."), code="invalid_kind")
    fields["uscc"] = _clean_uscc(fields.get("uscc", ""), confirmed=uscc_confirmed)
    fields["region_code"] = _check_region(fields.get("region_code", ""))
    if fields["uscc"] and Org.objects.filter(uscc=fields["uscc"]).exists():
        raise ActionError(
            _("Another organisation already has this credit code."), code="duplicate_uscc"
        )
    if parent is None:
        if Org.objects.exists():
            raise ActionError(_("An organisation needs a parent."), code="parent_required")
        org = Org.objects.add_root({"kind": kind, "name": name, **fields})
    else:
        parent = ctx.require(parent)
        ctx.lock(parent)
        if parent.status != OrgStatus.ACTIVE:
            raise ActionError(_("The parent organisation is not active."), code="parent_inactive")
        if kind not in ALLOWED_CHILDREN[OrgKind(parent.kind)]:
            raise ActionError(
                _("A %(child)s cannot be placed under a %(parent)s."),
                code="invalid_parent_kind",
                params={"child": OrgKind(kind).label, "parent": OrgKind(parent.kind).label},
            )
        org = Org.objects.add_child(parent, {"kind": kind, "name": name, **fields})
    summaries.org_changed(None, org)
    ctx.wrote(org, details={"name": name, "kind": kind, "parent": parent.name if parent else None})
    return org


@action("orgs.update_org", permission="orgs.change_org")
def update_org(ctx, *, org: Org, uscc_confirmed=False, **changes) -> Org:
    """Change an org's own fields (not its place in the tree: that is :func:`move_org`)."""
    unknown = set(changes) - set(ORG_FIELDS)
    if unknown:
        raise TypeError(f"unknown org fields: {sorted(unknown)}")
    org = ctx.require(org)
    ctx.lock(org)
    if "name" in changes and not (changes["name"] or "").strip():
        raise ActionError(_("The name is required."), code="required")
    if "uscc" in changes:
        changes["uscc"] = _clean_uscc(changes["uscc"], confirmed=uscc_confirmed)
        if changes["uscc"] and Org.objects.filter(uscc=changes["uscc"]).exclude(pk=org.pk).exists():
            raise ActionError(
                _("Another organisation already has this credit code."), code="duplicate_uscc"
            )
    if "region_code" in changes:
        changes["region_code"] = _check_region(changes["region_code"])
    changed = [f for f, v in changes.items() if getattr(org, f) != v]
    before = summaries.org_snapshot(org)
    for field, value in changes.items():
        setattr(org, field, value)
    if changed:
        org.save(update_fields=[*changed, "updated_at"])
        summaries.org_changed(before, org)
    masked = {f: ("***" if f == "contact_phone" else str(changes[f])) for f in changed}
    ctx.wrote(org, details={"changed": masked})
    return org


@action("orgs.move_org", permission="orgs.change_org")
def move_org(ctx, *, org: Org, new_parent: Org) -> Org:
    """Move ``org`` with its subtree under ``new_parent``. Both must be in the actor's scope,
    and the org must still be in scope afterwards (checked after the move)."""
    org = ctx.require(org)
    new_parent = ctx.require(new_parent)
    ctx.lock(org, new_parent)
    if new_parent.path.startswith(org.path):
        raise ActionError(_("An organisation cannot be moved under itself."), code="cycle")
    if org.kind not in ALLOWED_CHILDREN[OrgKind(new_parent.kind)]:
        raise ActionError(
            _("This kind of organisation cannot be placed there."), code="invalid_parent_kind"
        )
    old_parent = Org.objects.get_parent(org)
    old_path = org.path
    Org.objects.move(org, new_parent, pos="last-child")
    org = Org.objects.get(pk=org.pk)
    summaries.org_moved(org, old_path)
    ctx.wrote(org, details={"from": old_parent.name if old_parent else None, "to": new_parent.name})
    return org


# Apps whose rows hang on an org register fn(org) -> None, raising ActionError while it still
# holds something (the members app: members, join applications, incoming transfers). The org
# tree is below those apps: it asks, they answer (register_close_check from AppConfig.ready()).
_close_checks: list = []


def register_close_check(check) -> None:
    if check not in _close_checks:
        _close_checks.append(check)


def _check_nothing_orphaned(org: Org) -> None:
    """Refuse to close an org that still holds rows of another app: they would be left with a
    union that no longer exists."""
    for check in _close_checks:
        check(org)


@action("orgs.change_org_status", permission="orgs.change_org")
def change_org_status(ctx, *, org: Org, transition: str, reason: str = "") -> Org:
    """Dissolve, mark merged or reactivate. An org with active children cannot be closed."""
    org = ctx.require(org)
    ctx.lock(org)
    if transition in ("dissolve", "mark_merged"):
        if Org.objects.get_children(org).filter(status=OrgStatus.ACTIVE).exists():
            raise ActionError(
                _("Close or move its subordinate organisations first."), code="has_children"
            )
        _check_nothing_orphaned(org)
        if not (reason or "").strip():
            raise ActionError(_("A reason is required."), code="reason_required")
    org_status.apply(ctx, org, transition, extra_fields=["updated_at"])
    ctx.wrote(org, details={"reason": reason})
    return org


# --- the org's declared transitions ---------------------------------------------------------


class CloseOrgIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=500,
        title=N_("Reason"),
        description=N_("Why the union is closed (kept in the audit log)."),
    )


class ReactivateOrgIn(Schema):
    reason: str = Field("", max_length=500, title=N_("Reason"))


def close_reasons(org: Org, user=None) -> list:
    """Why ``org`` cannot be dissolved or marked merged now: active subordinate orgs, and what
    the apps registered with :func:`register_close_check` still hold (members, pending join
    applications, incoming transfers). One ``exists()`` here plus each registered check's
    (the members app's stop at the first thing found); never a query per row."""
    reasons = []
    if Org.objects.get_children(org).filter(status=OrgStatus.ACTIVE).exists():
        reasons.append(_("Close or move its subordinate organisations first."))
    for check in _close_checks:
        try:
            check(org)
        except ActionError as exc:
            reasons.extend(exc.messages)
    return reasons


def _status_change(name: str):
    def execute(obj, actor, **data):
        return change_org_status(actor=actor, org=obj, transition=name, **data)

    return execute


org_status = StateMachine(
    "status",
    [
        Transition(
            "dissolve",
            frozenset({OrgStatus.ACTIVE}),
            OrgStatus.DISSOLVED,
            label=_("Mark as dissolved"),
            permission="orgs.change_org",
            input=CloseOrgIn,
            check=close_reasons,
            execute=_status_change("dissolve"),
            style="danger",
            done=_("The union is recorded as dissolved."),
        ),
        Transition(
            "mark_merged",
            frozenset({OrgStatus.ACTIVE}),
            OrgStatus.MERGED,
            label=_("Mark as merged"),
            permission="orgs.change_org",
            input=CloseOrgIn,
            check=close_reasons,
            execute=_status_change("mark_merged"),
            style="danger",
            done=_("The union is recorded as merged."),
        ),
        Transition(
            "reactivate",
            frozenset({OrgStatus.DISSOLVED, OrgStatus.MERGED}),
            OrgStatus.ACTIVE,
            label=_("Restore as active"),
            permission="orgs.change_org",
            input=ReactivateOrgIn,
            execute=_status_change("reactivate"),
            style="secondary",
            done=_("The union is active again."),
        ),
    ],
)


EMPLOYER_FIELDS = (
    "name",
    "uscc",
    "industry_section",
    "ownership",
    "headcount",
    "region_code",
    "address",
)


@action("orgs.register_employer", permission="orgs.add_employer")
def register_employer(ctx, *, org: Org, uscc_confirmed=False, **fields) -> Employer:
    """Register an employer under the union responsible for it."""
    unknown = set(fields) - set(EMPLOYER_FIELDS)
    if unknown:
        raise TypeError(f"unknown employer fields: {sorted(unknown)}")
    org = ctx.require(org, "orgs.view_org")
    if not (fields.get("name") or "").strip():
        raise ActionError(_("The name is required."), code="required")
    fields["uscc"] = _clean_uscc(fields.get("uscc", ""), confirmed=uscc_confirmed)
    if not fields["uscc"]:
        raise ActionError(_("The unified social credit code is required."), code="required")
    if Employer.objects.filter(uscc=fields["uscc"]).exists():
        raise ActionError(
            _("An employer with this credit code is already registered."), code="duplicate_uscc"
        )
    fields["region_code"] = _check_region(fields.get("region_code", ""))
    employer = Employer.objects.create(org=org, uscc_checksum_confirmed=uscc_confirmed, **fields)
    ctx.wrote(employer, details={"name": employer.name, "uscc": employer.uscc})
    return employer


@action("orgs.update_employer", permission="orgs.change_employer")
def update_employer(
    ctx, *, employer: Employer, org: Org | None = None, uscc_confirmed=False, **changes
) -> Employer:
    unknown = set(changes) - set(EMPLOYER_FIELDS)
    if unknown:
        raise TypeError(f"unknown employer fields: {sorted(unknown)}")
    employer = ctx.require(employer)
    ctx.lock(employer)
    if "uscc" in changes:
        changes["uscc"] = _clean_uscc(changes["uscc"], confirmed=uscc_confirmed)
        if Employer.objects.filter(uscc=changes["uscc"]).exclude(pk=employer.pk).exists():
            raise ActionError(
                _("An employer with this credit code is already registered."), code="duplicate_uscc"
            )
        changes["uscc_checksum_confirmed"] = uscc_confirmed
    if "region_code" in changes:
        changes["region_code"] = _check_region(changes["region_code"])
    if org is not None and org.pk != employer.org_id:
        changes["org"] = ctx.require(org, "orgs.view_org")
    for field, value in changes.items():
        setattr(employer, field, value)
    employer.save()
    ctx.wrote(employer, details={"changed": sorted(changes)})
    return employer
