"""Hardship files (困难职工档案) with their household members, closing a file, and
attachments (uploads sniffed for their real type).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import (
    MAX_UPLOAD_BYTES,
    Declared,
    S,
    _is_owner,
    _number,
    _reason,
    parse_amount,
)
from gonghui.assistance.choices import (
    EDITABLE_STATES,
    OPEN_APPLICATION_STATES,
    OPEN_FILE_STATES,
    AttachmentKind,
    Cause,
    FileLevel,
    FileState,
    Housing,
    Relation,
    Tier,
)
from gonghui.assistance.models import (
    AidItem,
    Application,
    Attachment,
    HardshipFile,
    HouseholdClaim,
    HouseholdMember,
)
from gonghui.assistance.retention import retain_until
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators import IDNumberError, parse_id_number
from gonghui.platform.validators.uploads import UploadError, check_upload
from gonghui.platform.workflow.base import ActionError, action

# The declared transitions of a file (workflows_cases.py): filed by an approval, adjusted by
# the annual review, closed (撤档) by a person or when its only case ends unfiled.
file_states = Declared(HardshipFile)

FILE_FIELDS = {
    "tier": Tier,
    "level": FileLevel,
    "main_cause": Cause,
    "housing": Housing,
}
FILE_TEXT_FIELDS = ("other_cause", "employer_position", "health", "disability", "bank_name")
FILE_MONEY_FIELDS = (
    "personal_monthly_income",
    "household_monthly_income",
    "household_annual_income",
)


def _clean_file_data(data: dict) -> dict:
    clean: dict = {}
    for name, choices in FILE_FIELDS.items():
        if name in data:
            value = data[name] or ""
            if value and value not in choices.values:
                raise ActionError(
                    _("“%(value)s” is not a valid choice."),
                    code="invalid_choice",
                    params={"value": value},
                )
            clean[name] = value
    if "secondary_causes" in data:
        causes = [c for c in (data["secondary_causes"] or []) if c]
        if len(causes) > 3:
            raise ActionError(_("At most three secondary causes."), code="too_many_causes")
        for c in causes:
            if c not in Cause.values:
                raise ActionError(
                    _("“%(value)s” is not a valid choice."),
                    code="invalid_choice",
                    params={"value": c},
                )
        clean["secondary_causes"] = list(dict.fromkeys(causes))
    for name in FILE_TEXT_FIELDS:
        if name in data:
            clean[name] = (data[name] or "").strip()[:200]
    for name in FILE_MONEY_FIELDS:
        if name in data:
            value = data[name]
            clean[name] = (
                None if value in (None, "") else parse_amount(value, field=name, allow_zero=True)
            )
    if "housing_area" in data:
        value = data["housing_area"]
        if value in (None, ""):
            clean["housing_area"] = None
        else:
            try:
                area = Decimal(str(value)).quantize(Decimal("0.1"))
            except (InvalidOperation, ValueError):
                raise ActionError(
                    _("Enter the housing area in square metres."), code="invalid_area"
                ) from None
            if not area.is_finite() or area < 0 or area > 10000:
                raise ActionError(
                    _("Enter the housing area in square metres."), code="invalid_area"
                )
            clean["housing_area"] = area
    if "household_size" in data:
        try:
            size = int(data["household_size"])
        except (TypeError, ValueError):
            size = 0
        if not 1 <= size <= 30:
            raise ActionError(_("The household has 1 to 30 people."), code="invalid_size")
        clean["household_size"] = size
    for name in ("single_parent", "zero_employment"):
        if name in data:
            clean[name] = bool(data[name])
    if "bank_account" in data:
        account = "".join((data["bank_account"] or "").split())
        if account and (not account.isdigit() or not 12 <= len(account) <= 30):
            raise ActionError(
                _("A bank account number has 12 to 30 digits."), code="invalid_bank_account"
            )
        clean["bank_account"] = account
    return clean


@dataclass(frozen=True)
class CleanMember:
    name: str
    relation: str
    id_number: str
    birth_date: date | None
    monthly_income: str
    health: str
    school_or_employer: str


def _clean_household(rows: list[dict]) -> list[CleanMember]:
    members = []
    seen = set()
    for i, row in enumerate(rows or [], start=1):
        name = (row.get("name") or "").strip()
        if not name:
            raise ActionError(
                _("Household member %(n)s has no name."), code="member_name", params={"n": i}
            )
        relation = row.get("relation") or ""
        if relation not in Relation.values:
            raise ActionError(
                _("Household member %(n)s: choose the relation."),
                code="member_relation",
                params={"n": i},
            )
        id_number, birth = "", row.get("birth_date") or None
        if (row.get("id_number") or "").strip():
            try:
                parsed = parse_id_number(row["id_number"])
            except IDNumberError:
                raise ActionError(
                    _("Household member %(n)s: the ID number is not valid."),
                    code="member_id",
                    params={"n": i},
                ) from None
            id_number = parsed.number
            birth = parsed.birth_date
            if id_number in seen:
                raise ActionError(_("The same ID number is listed twice."), code="member_dup")
            seen.add(id_number)
        income = row.get("monthly_income")
        income_text = ""
        if income not in (None, ""):
            income_text = str(parse_amount(income, allow_zero=True))
        members.append(
            CleanMember(
                name=name[:50],
                relation=relation,
                id_number=id_number,
                birth_date=birth,
                monthly_income=income_text,
                health=(row.get("health") or "").strip()[:200],
                school_or_employer=(row.get("school_or_employer") or "").strip()[:200],
            )
        )
    return members


def _claim_household(file: HardshipFile) -> None:
    """Rewrite the household claims of an open file; refuse a person already in another one."""
    HouseholdClaim.objects.filter(file=file).delete()
    if file.state not in OPEN_FILE_STATES:
        return
    indexes = {file.applicant.id_index}
    indexes |= {m.id_index for m in file.household.all() if m.id_index}
    indexes.discard("")
    indexes.discard(None)
    try:
        with transaction.atomic():
            HouseholdClaim.objects.bulk_create(
                [HouseholdClaim(id_index=ix, file=file) for ix in sorted(indexes)]
            )
    except IntegrityError:
        raise ActionError(
            _("Someone in this household already belongs to another open hardship file."),
            code="household_has_open_file",
        ) from None


def _write_file(ctx, file: HardshipFile | None, *, org, applicant, data, household):
    clean = _clean_file_data(data)
    creating = file is None
    if creating:
        file = HardshipFile(
            org=org,
            applicant=applicant,
            number=uuid.uuid4().hex,
            created_by=ctx.actor,
            main_cause=clean.get("main_cause") or Cause.OTHER,
        )
    elif file.state not in OPEN_FILE_STATES:
        raise ActionError(_("A closed file cannot be changed."), code="file_closed")
    for name, value in clean.items():
        setattr(file, name, value)
    try:
        with transaction.atomic():
            file.save()
    except IntegrityError:
        raise ActionError(
            _("This person already has an open hardship file."), code="applicant_has_open_file"
        ) from None
    if creating:
        file.number = _number("KN", file.pk, timezone.localdate().year)
        file.save(update_fields=["number"])
    if household is not None:
        members = _clean_household(household)
        applicant_ix = applicant.id_index
        for m in members:
            if m.id_number and index_for("id_number", m.id_number) == applicant_ix:
                raise ActionError(
                    _("The applicant is listed as their own household member."),
                    code="member_is_applicant",
                )
        existing = list(file.household.all())
        # Changed lists overwrite row by row (ids stay stable for the aid items naming a
        # child); rows beyond the new list are removed while the file is open.
        for i, m in enumerate(members):
            row = existing[i] if i < len(existing) else HouseholdMember(file=file)
            for name in (
                "name",
                "relation",
                "id_number",
                "birth_date",
                "monthly_income",
                "health",
                "school_or_employer",
            ):
                setattr(row, name, getattr(m, name))
            row.save()
        surplus = [row.pk for row in existing[len(members) :]]
        if surplus:
            if AidItem.objects.filter(beneficiary_id__in=surplus).exists():
                raise ActionError(
                    _("A child named in an aid item cannot be removed from the household."),
                    code="member_in_use",
                )
            # Rows of an open file being edited, not archived records: removed for real.
            HouseholdMember.objects.filter(pk__in=surplus).delete()
        file.household_size = max(file.household_size, len(members) + 1)
        file.save(update_fields=["household_size"])
    _claim_household(file)
    return file


@action("assistance.save_file", permission="assistance.add_hardshipfile")
def save_file(
    ctx,
    *,
    org: Org,
    applicant: Person,
    data: dict,
    household=None,
    file: HardshipFile | None = None,
) -> HardshipFile:
    """Create or change a hardship file as union staff."""
    if file is not None:
        file = ctx.require(file, "assistance.change_hardshipfile")
        ctx.lock(file)
        org, applicant = file.org, file.applicant
    else:
        org = ctx.require(org, "assistance.add_hardshipfile")
    file = _write_file(
        ctx,
        file,
        org=org,
        applicant=applicant,
        data=data,
        household=household,
    )
    ctx.wrote(file, details={"number": file.number}, recheck="assistance.view_hardshipfile")
    ctx.org = org
    return file


def _close_file(file: HardshipFile, reason: str) -> None:
    if not file_states.can(file, "close"):
        raise ActionError(_("The file is already closed."), code="file_closed")
    file.state = FileState.CLOSED
    file.closed_at = timezone.now()
    file.close_reason = reason[:300]
    file.retain_until = retain_until(file.closed_at)  # then erased (retention.py)
    file.save(update_fields=["state", "closed_at", "close_reason", "retain_until", "updated_at"])
    HouseholdClaim.objects.filter(file=file).delete()


def has_open_applications(file: HardshipFile) -> bool:
    """A case of the file is in progress (a draft does not count: it is closed with it)."""
    return file.applications.filter(state__in=OPEN_APPLICATION_STATES - {S.DRAFT}).exists()


@action("assistance.close_file", permission="assistance.change_hardshipfile")
def close_file(ctx, *, file: HardshipFile, reason: str) -> HardshipFile:
    """撤档: the household leaves hardship. The file is kept (≥ 10 years), read-only."""
    file = ctx.require(file)
    ctx.lock(file)
    reason = _reason(reason)
    if not file_states.can(file, "close"):
        raise ActionError(_("The file is already closed."), code="file_closed")
    if has_open_applications(file):
        raise ActionError(
            _("Finish or reject the open applications of this file first."),
            code="file_has_open_applications",
        )
    _close_file(file, reason)
    ctx.wrote(file, details={"reason": reason}, recheck=False)
    ctx.org = file.org
    return file


def _store_attachment(ctx, *, file, application, kind, upload) -> Attachment:
    if kind not in AttachmentKind.values:
        raise ActionError(_("Choose the kind of document."), code="invalid_choice")
    try:
        checked = check_upload(upload, limit=MAX_UPLOAD_BYTES)
    except UploadError as exc:
        raise ActionError(exc.message, code=exc.code) from None
    att = Attachment(
        file=file,
        application=application,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=ctx.actor,
    )
    att.content.save(uuid.uuid4().hex + checked.extension, upload, save=False)
    att.save()
    return att


@action("assistance.upload_attachment", permission=None)
def upload_attachment(
    ctx, *, file: HardshipFile, kind: str, upload, application: Application | None = None
) -> Attachment:
    """Attach a supporting document: the member to their own open case, staff in scope."""
    if application is not None and _is_owner(ctx.actor, application):
        if application.state not in EDITABLE_STATES:
            raise ActionError(
                _(
                    "Documents can be added while the application is a draft or "
                    "returned for correction."
                ),
                code="not_editable",
            )
        file = application.file
    else:
        file = ctx.require(file, "assistance.change_hardshipfile")
    if file.state not in OPEN_FILE_STATES:
        raise ActionError(_("A closed file cannot be changed."), code="file_closed")
    att = _store_attachment(ctx, file=file, application=application, kind=kind, upload=upload)
    ctx.wrote(att, details={"kind": kind, "size": att.size}, recheck=False)
    ctx.org = file.org
    return att
