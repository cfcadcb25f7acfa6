"""Hardship assistance: the only write path for files, applications, budgets and payments.

The review path of an application::

    draft ─submit→ submitted ─first_review→ home_visit ─record_home_visit→ verification
      ─verify→ publicity ─end_publicity→ approval ─approve→ approved ─(all paid)→ closed

From every step in review the case can be returned for correction (→ returned, the submitter
edits and submits again) or rejected (→ rejected), each with a required reason. An upheld
objection during publicity sends the case back to verification.

Money: approving reserves each item's amount in the budget of the nearest org (the union
itself or an ancestor) that has one for the year and aid type; paying moves it from reserved
to paid. Row locks on the item and the budget serialise payments; the partial unique index
on live payments is the backstop (see ``tests/test_payment_race.py``).
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.choices import (
    EDITABLE_STATES,
    IN_REVIEW_STATES,
    NON_MONEY_AID,
    OPEN_APPLICATION_STATES,
    OPEN_FILE_STATES,
    AidType,
    ApplicationState,
    AttachmentKind,
    BatchState,
    Cause,
    Channel,
    CivilAffairsResult,
    FileLevel,
    FileState,
    Housing,
    ItemState,
    ObjectionDecision,
    PaymentState,
    Relation,
    ReviewOutcome,
    Tier,
)
from gonghui.assistance.deadlines import PUBLICITY
from gonghui.assistance.models import (
    AidItem,
    AnnualReview,
    Application,
    Attachment,
    Budget,
    Campaign,
    HardshipFile,
    HouseholdClaim,
    HouseholdMember,
    Objection,
    Payment,
    PaymentBatch,
    ReviewEntry,
    Step,
    Visit,
)
from gonghui.members.choices import CURRENT_STATES
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import highest_covering_depth, restrict
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.platform.pii.fields import index_for
from gonghui.platform.sms.backends import send_sms
from gonghui.platform.validators import IDNumberError, parse_id_number
from gonghui.platform.workflow.base import ActionError, OutOfScope, StateMachine, Transition, action

S = ApplicationState
CENT = Decimal("0.01")
# One aid amount; budgets (a federation's whole year) go up to what the column holds.
MAX_AMOUNT = Decimal("1000000.00")
MAX_BUDGET = Decimal("9999999999.99")
ALLOWED_UPLOAD_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


# --- small helpers ------------------------------------------------------------------------


def parse_amount(
    value, *, field: str = "amount", allow_zero: bool = False, limit: Decimal = MAX_AMOUNT
) -> Decimal:
    """A money amount in yuan with at most two decimals; refuses floats' surprises too."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError, TypeError):
        raise ActionError(
            _("“%(value)s” is not an amount of money."),
            code="invalid_amount",
            params={"value": value},
        ) from None
    if not amount.is_finite():
        raise ActionError(
            _("“%(value)s” is not an amount of money."),
            code="invalid_amount",
            params={"value": value},
        )
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ActionError(_("Amounts have at most two decimals."), code="invalid_amount")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ActionError(_("Amounts must be greater than zero."), code="negative_amount")
    if amount > limit:
        raise ActionError(_("The amount is too large."), code="invalid_amount")
    return amount.quantize(CENT)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ActionError(_("A reason is required."), code="reason_required")
    return reason[:500]


def _display_name(user) -> str:
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    if not full:
        # A member account's name is its person record's (the username is a generated id).
        person = Person.objects.filter(user_id=user.pk).only("name").first()
        full = person.name if person is not None else ""
    return full or getattr(user, "username", "") or ""


def _step(ctx, application: Application, name: str, from_state: str, opinion: str = "") -> Step:
    actor = ctx.actor if getattr(ctx.actor, "pk", None) else None
    return Step.objects.create(
        application=application,
        name=name,
        from_state=from_state,
        to_state=application.state,
        actor=actor,
        actor_name=_display_name(actor),
        org_name=application.org.name,
        opinion=(opinion or "")[:500],
    )


def _number(prefix: str, pk: int, year: int) -> str:
    return f"{prefix}{year}{pk:08d}"


def _notify_applicant(ctx, application: Application, message: str) -> None:
    phone = application.applicant.phone
    if phone:
        ctx.on_commit(lambda: send_sms(phone, message))


def _member_person(actor) -> Person:
    person = Person.objects.filter(user_id=getattr(actor, "pk", None)).first()
    if person is None:
        raise PermissionDenied(_("Only a member with a linked record can apply online."))
    return person


def _wrong_state(application: Application):
    raise ActionError(
        _("This cannot be done while the application is “%(state)s”."),
        code="invalid_transition",
        params={"state": application.get_state_display()},
    )


def _is_owner(actor, application: Application) -> bool:
    return bool(getattr(actor, "pk", None)) and application.applicant.user_id == actor.pk


# --- hardship files -----------------------------------------------------------------------

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
    file.state = FileState.CLOSED
    file.closed_at = timezone.now()
    file.close_reason = reason[:300]
    file.save(update_fields=["state", "closed_at", "close_reason", "updated_at"])
    HouseholdClaim.objects.filter(file=file).delete()


@action("assistance.close_file", permission="assistance.change_hardshipfile")
def close_file(ctx, *, file: HardshipFile, reason: str) -> HardshipFile:
    """撤档: the household leaves hardship. The file is kept (≥ 10 years), read-only."""
    file = ctx.require(file)
    ctx.lock(file)
    reason = _reason(reason)
    if file.state not in OPEN_FILE_STATES:
        raise ActionError(_("The file is already closed."), code="file_closed")
    if file.applications.filter(state__in=OPEN_APPLICATION_STATES - {S.DRAFT}).exists():
        raise ActionError(
            _("Finish or reject the open applications of this file first."),
            code="file_has_open_applications",
        )
    _close_file(file, reason)
    ctx.wrote(file, details={"reason": reason}, recheck=False)
    ctx.org = file.org
    return file


# --- attachments --------------------------------------------------------------------------


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def _store_attachment(ctx, *, file, application, kind, upload) -> Attachment:
    if kind not in AttachmentKind.values:
        raise ActionError(_("Choose the kind of document."), code="invalid_choice")
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ActionError(_("The uploaded file is empty."), code="empty_upload")
    if size > MAX_UPLOAD_BYTES:
        raise ActionError(_("Files may be at most 10 MB."), code="upload_too_large")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = _sniff(head)
    if content_type is None:
        raise ActionError(_("Upload a PDF, JPEG or PNG file."), code="upload_type")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = (getattr(upload, "name", "") or "document").rsplit("/", 1)[-1][:200]
    att = Attachment(
        file=file,
        application=application,
        kind=kind,
        original_name=original,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=ctx.actor,
    )
    att.content.save(uuid.uuid4().hex + ALLOWED_UPLOAD_TYPES[content_type], upload, save=False)
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


# --- applications -------------------------------------------------------------------------


def _write_items(application: Application, items: list[dict]) -> None:
    if not items:
        raise ActionError(_("Choose at least one kind of aid."), code="no_items")
    household = {m.pk: m for m in application.file.household.all()}
    seen = set()
    rows = []
    for raw in items:
        aid_type = raw.get("aid_type") or ""
        if aid_type not in AidType.values:
            raise ActionError(
                _("“%(value)s” is not a valid choice."),
                code="invalid_choice",
                params={"value": aid_type},
            )
        beneficiary = raw.get("beneficiary")
        beneficiary_id = getattr(beneficiary, "pk", beneficiary) or None
        if beneficiary_id is not None:
            try:
                beneficiary_id = int(beneficiary_id)
            except (TypeError, ValueError):
                beneficiary_id = -1
            if beneficiary_id not in household:
                raise ActionError(_("Choose a child from the household."), code="beneficiary")
        if aid_type == AidType.EDUCATION:
            if beneficiary_id is None:
                raise ActionError(
                    _("School aid is given per child: choose the child."), code="beneficiary"
                )
            if household[beneficiary_id].relation not in (Relation.CHILD, Relation.GRANDCHILD):
                raise ActionError(
                    _("School aid is for a child of the household."), code="beneficiary"
                )
        key = (aid_type, beneficiary_id)
        if key in seen:
            raise ActionError(_("The same aid is requested twice."), code="duplicate_item")
        seen.add(key)
        amount = None
        if aid_type not in NON_MONEY_AID:
            amount = parse_amount(raw.get("amount_requested"))
        rows.append(
            AidItem(
                application=application,
                aid_type=aid_type,
                beneficiary_id=beneficiary_id,
                school=(raw.get("school") or "").strip()[:100],
                amount_requested=amount,
                note=(raw.get("note") or "").strip()[:300],
            )
        )
    # Items of a draft are replaced; nothing refers to them before submission.
    AidItem.objects.filter(application=application).delete()
    AidItem.objects.bulk_create(rows)


def _new_application(ctx, file: HardshipFile, channel: str, situation: str) -> Application:
    if file.state not in OPEN_FILE_STATES:
        raise ActionError(_("A closed file cannot be changed."), code="file_closed")
    if file.applications.filter(state__in=OPEN_APPLICATION_STATES).exists():
        raise ActionError(
            _("This household already has an application in progress."),
            code="application_in_progress",
        )
    application = Application.objects.create(
        number=uuid.uuid4().hex,
        file=file,
        org=file.org,
        applicant=file.applicant,
        channel=channel,
        year=timezone.localdate().year,
        situation=(situation or "").strip()[:4000],
        created_by=ctx.actor,
    )
    application.number = _number("BF", application.pk, application.year)
    application.save(update_fields=["number"])
    return application


@action("assistance.save_application", permission="assistance.add_application")
def save_application(
    ctx,
    *,
    file: HardshipFile,
    items: list[dict],
    situation: str = "",
    application: Application | None = None,
) -> Application:
    """Staff enter (or edit the draft of) an application on the worker's behalf."""
    if application is None:
        file = ctx.require(file, "assistance.change_hardshipfile")
        ctx.lock(file)
        application = _new_application(ctx, file, Channel.STAFF, situation)
        _step(ctx, application, "create", "", "")
    else:
        application = ctx.require(application, "assistance.change_application")
        ctx.lock(application)
        if application.state not in EDITABLE_STATES:
            raise ActionError(
                _("Only a draft or a returned application can be changed."), code="not_editable"
            )
        application.situation = (situation or "").strip()[:4000]
        application.save(update_fields=["situation", "updated_at"])
    _write_items(application, items)
    ctx.wrote(application, details={"number": application.number, "items": len(items)})
    ctx.org = application.org
    return application


def _beneficiary_rows(file: HardshipFile, items: list[dict]) -> list[dict]:
    """The portal names a school-aid child by its position in the household list sent with
    the same draft (``beneficiary_row``, 0-based), since new rows have no id yet.
    ``_write_file`` writes the list in order onto the file's rows ordered by id."""
    if not any("beneficiary_row" in raw for raw in items or []):
        return items
    rows = list(file.household.all())
    resolved = []
    for raw in items:
        raw = dict(raw)
        if "beneficiary_row" in raw:
            index = raw.pop("beneficiary_row")
            try:
                position = int(index)
                if position < 0:
                    raise IndexError(position)
                raw["beneficiary"] = rows[position].pk
            except (IndexError, TypeError, ValueError):
                raise ActionError(
                    _("Choose a child from the household."), code="beneficiary"
                ) from None
        resolved.append(raw)
    return resolved


@action("assistance.member_save_application", permission=None)
def member_save_application(
    ctx, *, file_data: dict, household: list[dict], items: list[dict], situation: str = ""
) -> Application:
    """The worker's own draft in the portal: their file (created on first use) and one
    application, saved as often as they like until they submit it."""
    person = _member_person(ctx.actor)
    membership = person.memberships.filter(state__in=CURRENT_STATES).select_related("org").first()
    if membership is None:
        raise ActionError(
            _("Online applications are for union members. Ask your union to apply for you."),
            code="not_a_member",
        )
    file = (
        HardshipFile.objects.select_for_update()
        .filter(applicant=person, state__in=OPEN_FILE_STATES)
        .first()
    )
    application = None
    if file is not None:
        application = (
            file.applications.select_for_update().filter(state__in=OPEN_APPLICATION_STATES).first()
        )
        if application is not None and application.state not in EDITABLE_STATES:
            raise ActionError(
                _("Your application is being reviewed and cannot be changed now."),
                code="not_editable",
            )
        if file.state != FileState.DRAFT:
            # A filed household applies again: the file's data is kept by the union.
            file_data, household = {}, None
    if application is not None and household is not None:
        # The draft's items are replaced below: they must not keep a removed child's row.
        AidItem.objects.filter(application=application).update(beneficiary=None)
    file = _write_file(
        ctx,
        file,
        org=membership.org,
        applicant=person,
        data=file_data,
        household=household,
    )
    if application is None:
        application = _new_application(ctx, file, Channel.PORTAL, situation)
        _step(ctx, application, "create", "", "")
    else:
        application.situation = (situation or "").strip()[:4000]
        application.save(update_fields=["situation", "updated_at"])
    _write_items(application, _beneficiary_rows(file, items))
    ctx.wrote(application, details={"number": application.number}, recheck=False)
    ctx.org = application.org
    return application


def completeness_problems(application: Application) -> list[str]:
    """What is missing before the application can be submitted (shown to the applicant)."""
    file = application.file
    problems = []
    items = list(application.items.all())
    if not items:
        problems.append(gettext("Choose at least one kind of aid."))
    if not file.main_cause:
        problems.append(gettext("Give the main cause of hardship."))
    if file.household_monthly_income is None:
        problems.append(gettext("Give the household's monthly income."))
    if any(i.aid_type not in NON_MONEY_AID for i in items):
        if not file.bank_account or not file.bank_name:
            problems.append(gettext("Give the bank and account the aid is paid to."))
    if not application.situation.strip():
        problems.append(gettext("Describe the household's situation."))
    return problems


@action("assistance.submit_application", permission=None)
def submit_application(ctx, *, application: Application) -> Application:
    """Submit a complete draft (or a corrected returned application) for first review."""
    if not _is_owner(ctx.actor, application):
        application = ctx.require(application, "assistance.change_application")
    ctx.lock(application)
    problems = completeness_problems(application)
    if problems:
        raise ActionError(" ".join(problems), code="incomplete")
    before = application.state
    if before not in EDITABLE_STATES:
        _wrong_state(application)
    application.state = S.SUBMITTED
    application.submitted_by = ctx.actor
    application.submitted_at = timezone.now()
    application.decision_reason = ""
    application.save(
        update_fields=["state", "submitted_by", "submitted_at", "decision_reason", "updated_at"]
    )
    _step(ctx, application, "submit", before)
    ctx.wrote(application, details={"transition": f"{before}→submitted"}, recheck=False)
    ctx.org = application.org
    return application


application_states = StateMachine(
    "state",
    [
        Transition("first_review", frozenset({S.SUBMITTED}), S.HOME_VISIT),
        Transition("home_visit", frozenset({S.HOME_VISIT}), S.VERIFICATION),
        Transition("verify", frozenset({S.VERIFICATION}), S.PUBLICITY),
        Transition("end_publicity", frozenset({S.PUBLICITY}), S.APPROVAL),
        Transition("objection_upheld", frozenset({S.PUBLICITY}), S.VERIFICATION),
        Transition("approve", frozenset({S.APPROVAL}), S.APPROVED),
        Transition("complete", frozenset({S.APPROVED}), S.CLOSED),
        Transition("return", IN_REVIEW_STATES, S.RETURNED),
        Transition("reject", IN_REVIEW_STATES, S.REJECTED),
        Transition("withdraw", frozenset({S.DRAFT, S.RETURNED, S.SUBMITTED}), S.WITHDRAWN),
    ],
)

# Who may act on an application in each review state (return and reject use these too).
STEP_PERMISSION = {
    S.SUBMITTED: "assistance.first_review_application",
    S.HOME_VISIT: "assistance.visit_application",
    S.VERIFICATION: "assistance.verify_application",
    S.PUBLICITY: "assistance.publicise_application",
    S.APPROVAL: "assistance.approve_application",
}


def _transition(ctx, application, name, opinion="", extra_fields=()):
    before = application.state
    application_states.apply(ctx, application, name, extra_fields=[*extra_fields, "updated_at"])
    _step(ctx, application, name, before, opinion)
    ctx.wrote(application)
    ctx.org = application.org
    return application


@action("assistance.first_review", permission="assistance.first_review_application")
def first_review(ctx, *, application: Application, opinion: str = "") -> Application:
    """初审 by the grassroots union: the case goes on to the home visit."""
    application = ctx.require(application)
    ctx.lock(application)
    application.first_reviewed_by = ctx.actor
    application.first_reviewed_at = timezone.now()
    return _transition(
        ctx, application, "first_review", opinion, ["first_reviewed_by", "first_reviewed_at"]
    )


@action("assistance.record_home_visit", permission="assistance.visit_application")
def record_home_visit(
    ctx,
    *,
    application: Application,
    visit_date: date,
    visitors: str,
    findings: str,
    authorisation=None,
) -> Application:
    """入户调查: who visited when, what they found, and the signed income-check authorisation."""
    application = ctx.require(application)
    ctx.lock(application)
    if not application_states.can(application, "home_visit"):
        _wrong_state(application)
    if visit_date is None or visit_date > timezone.localdate():
        raise ActionError(_("Give the date of the visit (not in the future)."), code="visit_date")
    visitors = (visitors or "").strip()
    findings = (findings or "").strip()
    if not visitors or len(findings) < 2:
        raise ActionError(_("Name the visitors and record what they found."), code="visit_report")
    if authorisation is not None:
        _store_attachment(
            ctx,
            file=application.file,
            application=application,
            kind=AttachmentKind.INCOME_AUTHORISATION,
            upload=authorisation,
        )
    if not application.file.attachments.filter(kind=AttachmentKind.INCOME_AUTHORISATION).exists():
        raise ActionError(
            _("Upload the signed income-check authorisation."), code="authorisation_missing"
        )
    application.visit_date = visit_date
    application.visitors = visitors[:200]
    application.visit_findings = findings[:4000]
    return _transition(
        ctx, application, "home_visit", findings[:500], ["visit_date", "visitors", "visit_findings"]
    )


@action("assistance.verify", permission="assistance.verify_application")
def verify(
    ctx,
    *,
    application: Application,
    civil_affairs_result: str,
    checked_on: date | None,
    tier: str = "",
    level: str = "",
    note: str = "",
    opinion: str = "",
    today: date | None = None,
) -> Application:
    """核实 by a county-level (or higher) assistance centre, with the civil-affairs income check
    entered by hand; the case then goes into publicity from ``today`` (the day of
    verification) for the PUBLICITY rule's working days on the holiday calendar."""
    application = ctx.require(application)
    depth = highest_covering_depth(ctx.actor, ctx.permission, application.org)
    if depth is None or depth > settings.GONGHUI_ASSISTANCE_VERIFY_DEPTH:
        raise PermissionDenied(
            _("Verification is made by a district-level or higher assistance centre.")
        )
    ctx.lock(application)
    if civil_affairs_result not in CivilAffairsResult.values:
        raise ActionError(
            _("Record the result of the civil-affairs income check."), code="civil_affairs_result"
        )
    if civil_affairs_result == CivilAffairsResult.INELIGIBLE:
        raise ActionError(
            _("The income check found the household ineligible: reject the application."),
            code="ineligible",
        )
    if civil_affairs_result == CivilAffairsResult.ELIGIBLE and checked_on is None:
        raise ActionError(_("Give the date of the income check."), code="checked_on")
    file = application.file
    ctx.lock(file)
    tier = tier or file.tier
    if tier not in Tier.values:
        raise ActionError(_("Classify the household's hardship tier."), code="tier")
    level = level or file.level or FileLevel.CITY
    if level not in FileLevel.values:
        raise ActionError(
            _("“%(value)s” is not a valid choice."), code="invalid_choice", params={"value": level}
        )
    file.tier, file.level = tier, level
    file.save(update_fields=["tier", "level", "updated_at"])
    today = today or timezone.localdate()
    application.verified_by = ctx.actor
    application.verified_at = timezone.now()
    application.civil_affairs_result = civil_affairs_result
    application.civil_affairs_checked_on = checked_on
    application.civil_affairs_note = (note or "").strip()[:300]
    application.publicity_start = today
    try:
        # Working days of the holiday calendar (春节, 国庆 and 调休 weekends included).
        application.publicity_end = PUBLICITY.due(today)
    except CalendarYearMissing as exc:
        raise ActionError(exc.message, code="calendar_year_missing") from exc
    return _transition(
        ctx,
        application,
        "verify",
        opinion,
        [
            "verified_by",
            "verified_at",
            "civil_affairs_result",
            "civil_affairs_checked_on",
            "civil_affairs_note",
            "publicity_start",
            "publicity_end",
        ],
    )


@action("assistance.record_objection", permission="assistance.publicise_application")
def record_objection(
    ctx,
    *,
    application: Application,
    content: str,
    raised_by: str = "",
    received_on: date | None = None,
) -> Objection:
    """An objection received during publicity (公示异议)."""
    application = ctx.require(application)
    ctx.lock(application)
    if application.state != S.PUBLICITY:
        raise ActionError(
            _("Objections are recorded while the case is in publicity."), code="not_in_publicity"
        )
    content = (content or "").strip()
    if len(content) < 2:
        raise ActionError(_("Record what the objection says."), code="objection_content")
    objection = Objection.objects.create(
        application=application,
        content=content[:4000],
        raised_by=(raised_by or "").strip()[:100],
        received_on=received_on or timezone.localdate(),
        recorded_by=ctx.actor,
    )
    _step(ctx, application, "objection", application.state, content[:500])
    ctx.wrote(objection)
    ctx.org = application.org
    return objection


@action("assistance.decide_objection", permission="assistance.publicise_application")
def decide_objection(ctx, *, objection: Objection, upheld: bool, note: str) -> Objection:
    """Decide an objection; an upheld one sends the case back to verification."""
    objection = ctx.require(objection)
    application = objection.application
    ctx.lock(application)
    ctx.lock(objection)
    if objection.decision != ObjectionDecision.PENDING:
        raise ActionError(_("This objection has already been decided."), code="decided")
    note = _reason(note)
    objection.decision = ObjectionDecision.UPHELD if upheld else ObjectionDecision.DISMISSED
    objection.decision_note = note[:300]
    objection.decided_by = ctx.actor
    objection.decided_at = timezone.now()
    objection.save()
    if upheld:
        if application.state != S.PUBLICITY:
            raise ActionError(_("The case is no longer in publicity."), code="not_in_publicity")
        application.publicity_start = application.publicity_end = None
        _transition(
            ctx, application, "objection_upheld", note, ["publicity_start", "publicity_end"]
        )
    ctx.wrote(objection, details={"upheld": bool(upheld)})
    ctx.org = application.org
    return objection


@action("assistance.end_publicity", permission="assistance.publicise_application")
def end_publicity(ctx, *, application: Application, today: date | None = None) -> Application:
    """Publicity has run its working days without an open objection: on to approval."""
    application = ctx.require(application)
    ctx.lock(application)
    today = today or timezone.localdate()
    if application.state == S.PUBLICITY:
        if application.publicity_end and today <= application.publicity_end:
            raise ActionError(
                _("Publicity runs until %(date)s."),
                code="publicity_running",
                params={"date": application.publicity_end.isoformat()},
            )
        if application.objections.filter(decision=ObjectionDecision.PENDING).exists():
            raise ActionError(_("Decide the open objections first."), code="open_objections")
    return _transition(ctx, application, "end_publicity", "")


def required_approval_depth(total: Decimal) -> int:
    """The org depth an approver's grant must reach for ``total`` (settings table)."""
    for limit, depth in settings.GONGHUI_ASSISTANCE_APPROVAL_LEVELS:
        if limit is None or total <= Decimal(str(limit)):
            return int(depth)
    return 1


def budget_for(org: Org, year: int, aid_type: str) -> Budget | None:
    """The budget of the nearest org (itself, then up the tree) for the year and aid type."""
    steplen = Org.steplen
    paths = [org.path[:n] for n in range(len(org.path), 0, -steplen)]
    budgets = {
        b.org.path: b
        for b in Budget.objects.select_related("org").filter(
            year=year, aid_type=aid_type, org__path__in=paths
        )
    }
    for path in paths:
        if path in budgets:
            return budgets[path]
    return None


def _already_granted(application: Application, item: AidItem) -> bool:
    """The same aid (for school aid: for the same child) was granted to the applicant in
    another application of the same year and not returned unpaid."""
    qs = AidItem.objects.filter(
        application__applicant_id=application.applicant_id,
        application__year=application.year,
        aid_type=item.aid_type,
        state__in=[ItemState.APPROVED, ItemState.IN_BATCH, ItemState.PAID],
    ).exclude(application_id=application.pk)
    if item.beneficiary_id:
        child_ix = item.beneficiary.id_index
        qs = (
            qs.filter(beneficiary__id_index=child_ix)
            if child_ix
            else qs.filter(beneficiary_id=item.beneficiary_id)
        )
    return qs.exists()


@action("assistance.approve", permission="assistance.approve_application")
def approve(ctx, *, application: Application, amounts: dict, opinion: str = "") -> Application:
    """审批: grant each item (an amount up to the request, 0 = not granted), reserve the money,
    file the household. The approver may not be who submitted or first-reviewed the case."""
    application = ctx.require(application)
    ctx.lock(application)
    if application.state != S.APPROVAL:
        _wrong_state(application)
    actor_id = getattr(ctx.actor, "pk", None)
    if actor_id in {
        application.submitted_by_id,
        application.first_reviewed_by_id,
        application.created_by_id,
    }:
        raise PermissionDenied(
            _("You submitted or first-reviewed this case: another person must approve it.")
        )
    items = list(application.items.select_for_update().order_by("pk"))
    granted: dict[int, Decimal] = {}
    for item in items:
        if item.aid_type in NON_MONEY_AID:
            continue
        raw = amounts.get(item.pk, amounts.get(str(item.pk)))
        if raw is None or raw == "":
            raise ActionError(
                _("Give an amount for every item (0 if not granted)."), code="amount_missing"
            )
        amount = parse_amount(raw, allow_zero=True)
        if amount > item.amount_requested:
            raise ActionError(
                _("%(aid)s: more than the %(requested)s yuan requested."),
                code="over_requested",
                params={"aid": item.get_aid_type_display(), "requested": item.amount_requested},
            )
        granted[item.pk] = amount
    for item in items:
        if granted.get(item.pk) and _already_granted(application, item):
            raise ActionError(
                _("%(aid)s was already granted to this household in %(year)s."),
                code="already_granted",
                params={"aid": item.get_aid_type_display(), "year": application.year},
            )
    total = sum(granted.values(), Decimal("0"))
    has_referral = any(i.aid_type in NON_MONEY_AID for i in items)
    if total == 0 and not has_referral:
        raise ActionError(
            _("Nothing is granted: reject the application instead."), code="nothing_granted"
        )
    need = required_approval_depth(total)
    depth = highest_covering_depth(ctx.actor, ctx.permission, application.org)
    if depth is None or depth > need:
        raise PermissionDenied(
            gettext("%(total)s yuan must be approved at a higher level.") % {"total": total}
        )
    # Reserve in the budgets, locked in primary-key order.
    wanted: dict[int, Budget] = {}
    by_item: dict[int, Budget] = {}
    for item in items:
        if granted.get(item.pk):
            budget = budget_for(application.org, application.year, item.aid_type)
            if budget is None:
                raise ActionError(
                    _("There is no %(year)s budget for %(aid)s at this union or above."),
                    code="no_budget",
                    params={"year": application.year, "aid": item.get_aid_type_display()},
                )
            wanted[budget.pk] = budget
            by_item[item.pk] = budget
    locked = {
        b.pk: b for b in Budget.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    }
    for item in items:
        if item.pk in by_item:
            budget = locked[by_item[item.pk].pk]
            amount = granted[item.pk]
            if budget.remaining < amount:
                raise ActionError(
                    _("Over budget: %(aid)s has %(remaining)s yuan left for %(year)s."),
                    code="over_budget",
                    params={
                        "aid": item.get_aid_type_display(),
                        "remaining": budget.remaining,
                        "year": budget.year,
                    },
                )
            budget.reserved += amount
            budget.save(update_fields=["reserved"])
            item.amount_approved = amount
            item.budget = budget
            item.state = ItemState.APPROVED
        elif item.aid_type in NON_MONEY_AID:
            item.state = ItemState.REFERRED
        else:
            item.amount_approved = Decimal("0.00")
            item.state = ItemState.REJECTED
        item.save(update_fields=["amount_approved", "budget", "state"])
    file = application.file
    ctx.lock(file)
    if file.state == FileState.DRAFT:
        file.state = FileState.FILED
        file.filed_at = timezone.now()
        file.next_review_due = timezone.localdate() + timedelta(days=365)
        file.save(update_fields=["state", "filed_at", "next_review_due", "updated_at"])
    application.approved_by = ctx.actor
    application.approved_at = timezone.now()
    application.approval_depth = need
    application.decision_reason = (opinion or "").strip()[:500]
    _transition(
        ctx,
        application,
        "approve",
        opinion,
        ["approved_by", "approved_at", "approval_depth", "decision_reason"],
    )
    ctx.details.update({"total": str(total)})
    if total == 0:
        application.closed_at = timezone.now()
        _transition(ctx, application, "complete", "", ["closed_at"])
    _notify_applicant(
        ctx,
        application,
        gettext("[Union] Your aid application %(number)s is approved: %(total)s yuan.")
        % {"number": application.number, "total": total},
    )
    return application


@action("assistance.return_application", permission=None)
def return_application(ctx, *, application: Application, reason: str) -> Application:
    """退回补正 at any review step, with a reason; the submitter corrects and submits again."""
    application = _require_step(ctx, application)
    reason = _reason(reason)
    application.decision_reason = reason
    _transition(ctx, application, "return", reason, ["decision_reason"])
    _notify_applicant(
        ctx,
        application,
        gettext("[Union] Your aid application %(number)s needs correction: %(reason)s")
        % {"number": application.number, "reason": reason[:60]},
    )
    return application


@action("assistance.reject_application", permission=None)
def reject_application(ctx, *, application: Application, reason: str) -> Application:
    """不予帮扶 at any review step, with a reason. A household never filed has its draft file
    closed with the same reason."""
    application = _require_step(ctx, application)
    reason = _reason(reason)
    application.decision_reason = reason
    application.approved_by = ctx.actor
    application.approved_at = timezone.now()
    _transition(
        ctx, application, "reject", reason, ["decision_reason", "approved_by", "approved_at"]
    )
    _close_unfiled(application, reason)
    _notify_applicant(
        ctx,
        application,
        gettext("[Union] Your aid application %(number)s was not approved: %(reason)s")
        % {"number": application.number, "reason": reason[:60]},
    )
    return application


def _close_unfiled(application: Application, reason: str) -> None:
    file = HardshipFile.objects.select_for_update().get(pk=application.file_id)
    if (
        file.state == FileState.DRAFT
        and not file.applications.filter(state__in=OPEN_APPLICATION_STATES)
        .exclude(pk=application.pk)
        .exists()
    ):
        _close_file(file, reason)


def _require_step(ctx, application: Application) -> Application:
    """Scope and lock for return/reject: the permission is the one of the current step."""
    perm = STEP_PERMISSION.get(application.state)
    if perm is None:
        _wrong_state(application)
    if not ctx.has(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    application = ctx.require(application, perm)
    ctx.lock(application)
    if STEP_PERMISSION.get(application.state) != perm:
        _wrong_state(application)
    return application


@action("assistance.withdraw_application", permission=None)
def withdraw_application(ctx, *, application: Application, reason: str = "") -> Application:
    """The applicant (or the staff who entered it) withdraws before review starts."""
    if not _is_owner(ctx.actor, application):
        application = ctx.require(application, "assistance.change_application")
    ctx.lock(application)
    reason = (reason or "").strip()[:500]
    _transition(ctx, application, "withdraw", reason)
    _close_unfiled(application, reason or gettext("Application withdrawn"))
    return application


# --- budgets and payments -----------------------------------------------------------------


@action("assistance.set_budget", permission="assistance.add_budget")
def set_budget(ctx, *, org: Org, year: int, aid_type: str, amount, note: str = "") -> Budget:
    """Create a budget or change its amount; never below what is already approved or paid."""
    org = ctx.require(org, "assistance.add_budget")
    if aid_type not in AidType.values or aid_type in NON_MONEY_AID:
        raise ActionError(_("Budgets are for aid paid in money."), code="invalid_choice")
    if not 2000 <= int(year) <= 2100:
        raise ActionError(_("Give a valid year."), code="invalid_year")
    amount = parse_amount(amount, allow_zero=True, limit=MAX_BUDGET)
    budget, created = Budget.objects.select_for_update().get_or_create(
        org=org, year=year, aid_type=aid_type, defaults={"amount": amount, "note": note[:200]}
    )
    if not created:
        if amount < budget.reserved + budget.paid:
            raise ActionError(
                _("%(used)s yuan is already approved or paid from this budget."),
                code="below_used",
                params={"used": budget.reserved + budget.paid},
            )
        before = budget.amount
        budget.amount = amount
        budget.note = note[:200] or budget.note
        budget.save(update_fields=["amount", "note"])
        ctx.details["before"] = str(before)
    ctx.wrote(budget, details={"amount": str(amount), "year": year, "aid": aid_type})
    ctx.org = org
    return budget


@action("assistance.create_batch", permission="assistance.add_paymentbatch")
def create_batch(ctx, *, org: Org, items) -> PaymentBatch:
    """A payment batch of approved items in scope; each gets one pending payment."""
    org = ctx.require(org, "assistance.add_paymentbatch")
    items = list(items)
    if not items:
        raise ActionError(_("Choose the approved items to pay."), code="no_items")
    in_scope = restrict(AidItem, ctx.actor, "assistance.pay_aiditem").filter(
        pk__in=[getattr(i, "pk", i) for i in items]
    )
    rows = list(in_scope.select_for_update().order_by("pk"))
    if len(rows) != len(items):
        raise OutOfScope("item not in scope")
    batch = PaymentBatch.objects.create(number=uuid.uuid4().hex, org=org, created_by=ctx.actor)
    batch.number = _number("ZF", batch.pk, timezone.localdate().year)
    batch.save(update_fields=["number"])
    payments = []
    for item in rows:
        if item.state != ItemState.APPROVED or not item.amount_approved:
            raise ActionError(
                _("Only approved, unpaid items can be paid (item %(id)s)."),
                code="not_payable",
                params={"id": item.pk},
            )
        if not item.application.file.bank_account:
            raise ActionError(
                _("Application %(number)s has no bank account."),
                code="no_bank_account",
                params={"number": item.application.number},
            )
        item.state = ItemState.IN_BATCH
        item.save(update_fields=["state"])
        payments.append(Payment(item=item, batch=batch, amount=item.amount_approved))
    try:
        with transaction.atomic():
            Payment.objects.bulk_create(payments)
    except IntegrityError:
        raise ActionError(_("An item is already being paid."), code="already_paying") from None
    ctx.wrote(
        batch, details={"items": len(payments), "total": str(sum(p.amount for p in payments))}
    )
    ctx.org = org
    return batch


@dataclass
class BankFile:
    filename: str
    content_type: str
    content: bytes
    rows: int


BANK_FILE_HEADER = ["序号", "收款人", "收款账号", "开户银行", "金额(元)", "用途", "业务编号"]


@action("assistance.export_bank_file", permission="assistance.export_paymentbatch")
def export_bank_file(ctx, *, batch: PaymentBatch, fmt: str = "xlsx") -> BankFile:
    """The bank's payment file: the only place full account numbers leave the database."""
    batch = ctx.require(batch, "assistance.export_paymentbatch")
    ctx.lock(batch)
    payments = list(
        batch.payments.filter(state=PaymentState.PENDING)
        .select_related("item__application__file", "item__application__applicant")
        .order_by("pk")
    )
    if not payments:
        raise ActionError(_("The batch has nothing left to pay."), code="empty_batch")
    rows = []
    for n, p in enumerate(payments, start=1):
        app = p.item.application
        rows.append(
            [
                n,
                app.applicant.name,
                app.file.bank_account,
                app.file.bank_name,
                f"{p.amount:.2f}",
                f"{p.item.get_aid_type_display()}",
                f"{app.number}-{p.item.pk}",
            ]
        )
    if fmt == "csv":
        import csv
        import io

        from gonghui.platform.security.cells import csv_row

        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(BANK_FILE_HEADER)
        for row in rows:
            # Account numbers as text so spreadsheet programs do not round them; the other
            # cells through csv_row (stored names must not run as formulas).
            writer.writerow([*csv_row(row[:2]), f"\t{row[2]}", *csv_row(row[3:])])
        content = ("\ufeff" + buf.getvalue()).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        import io

        from openpyxl import Workbook

        from gonghui.platform.security.cells import xlsx_row

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("付款清单")
        ws.append(BANK_FILE_HEADER)
        for row in rows:
            ws.append(xlsx_row(ws, row))
        buf = io.BytesIO()
        wb.save(buf)
        content = buf.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise ActionError(_("Unknown file format."), code="invalid_format")
    if batch.state == BatchState.OPEN:
        batch.state = BatchState.EXPORTED
    batch.exported_at = timezone.now()
    batch.exported_by = ctx.actor
    batch.save(update_fields=["state", "exported_at", "exported_by"])
    ctx.wrote(
        batch,
        details={"rows": len(rows), "format": fmt, "total": str(sum(p.amount for p in payments))},
    )
    ctx.org = batch.org
    return BankFile(f"{batch.number}.{fmt}", content_type, content, len(rows))


def _settle_batch(batch_id: int | None) -> None:
    if batch_id is None:
        return
    if not Payment.objects.filter(batch_id=batch_id, state=PaymentState.PENDING).exists():
        PaymentBatch.objects.filter(pk=batch_id).update(state=BatchState.DONE)


def _maybe_complete(ctx, application: Application) -> None:
    open_items = application.items.filter(state__in=[ItemState.APPROVED, ItemState.IN_BATCH])
    if application.state == S.APPROVED and not open_items.exists():
        application.closed_at = timezone.now()
        before = application.state
        application_states.apply(ctx, application, "complete", extra_fields=["closed_at"])
        _step(ctx, application, "complete", before)


@action("assistance.record_payment", permission="assistance.pay_aiditem")
def record_payment(ctx, *, item: AidItem, bank_reference: str) -> Payment:
    """The bank paid an item: settle its payment, move the money from reserved to paid.

    The item row is locked first, so of any number of concurrent calls exactly one pays; the
    rest see it paid and are refused. The unique index on live payments is the backstop."""
    item = ctx.require(item)
    ctx.lock(item)
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise ActionError(_("Give the bank's reference for the payment."), code="reference")
    if item.state == ItemState.PAID:
        raise ActionError(_("This item has already been paid."), code="already_paid")
    if item.state not in (ItemState.APPROVED, ItemState.IN_BATCH) or not item.amount_approved:
        raise ActionError(
            _("Only approved, unpaid items can be paid (item %(id)s)."),
            code="not_payable",
            params={"id": item.pk},
        )
    payment = item.payments.filter(state=PaymentState.PENDING).first()
    if payment is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(item=item, amount=item.amount_approved)
        except IntegrityError:
            raise ActionError(_("This item has already been paid."), code="already_paid") from None
    budget = Budget.objects.select_for_update().get(pk=item.budget_id)
    budget.reserved -= payment.amount
    budget.paid += payment.amount
    budget.save(update_fields=["reserved", "paid"])
    payment.state = PaymentState.PAID
    payment.bank_reference = bank_reference[:64]
    payment.settled_at = timezone.now()
    payment.settled_by = ctx.actor
    payment.save(update_fields=["state", "bank_reference", "settled_at", "settled_by"])
    item.state = ItemState.PAID
    item.paid_at = payment.settled_at
    item.save(update_fields=["state", "paid_at"])
    _settle_batch(payment.batch_id)
    application = Application.objects.select_for_update().get(pk=item.application_id)
    _maybe_complete(ctx, application)
    ctx.wrote(
        payment,
        details={"amount": str(payment.amount), "item": item.pk, "reference": bank_reference[:64]},
    )
    ctx.org = application.org
    return payment


@action("assistance.record_payment_failure", permission="assistance.pay_aiditem")
def record_payment_failure(ctx, *, item: AidItem, reason: str) -> Payment:
    """The bank returned a payment: the item is approved (and reserved) again, to be re-paid."""
    item = ctx.require(item)
    ctx.lock(item)
    reason = _reason(reason)
    payment = item.payments.filter(state=PaymentState.PENDING).first()
    if item.state != ItemState.IN_BATCH or payment is None:
        raise ActionError(_("Only a payment sent to the bank can fail."), code="not_pending")
    payment.state = PaymentState.FAILED
    payment.failure_reason = reason[:300]
    payment.settled_at = timezone.now()
    payment.settled_by = ctx.actor
    payment.save(update_fields=["state", "failure_reason", "settled_at", "settled_by"])
    item.state = ItemState.APPROVED
    item.save(update_fields=["state"])
    _settle_batch(payment.batch_id)
    ctx.wrote(payment, details={"item": item.pk, "reason": reason})
    ctx.org = item.application.org
    return payment


# --- annual review ------------------------------------------------------------------------

MIN_SPOT_CHECK = Decimal("0.30")


@action("assistance.start_annual_review", permission="assistance.add_annualreview")
def start_annual_review(
    ctx, *, org: Org, year: int, seed: str = "", ratio: Decimal | str = MIN_SPOT_CHECK
) -> AnnualReview:
    """年度复核: list every filed file in the subtree and draw ≥ 30 % for spot checks. The seed
    is recorded, so anyone can redraw the same sample (:func:`draw_sample`)."""
    org = ctx.require(org, "assistance.add_annualreview")
    ratio = Decimal(str(ratio))
    if not MIN_SPOT_CHECK <= ratio <= 1:
        raise ActionError(
            _("Spot-check at least %(percent)s%% of the files."),
            code="ratio",
            params={"percent": int(MIN_SPOT_CHECK * 100)},
        )
    if AnnualReview.objects.filter(org=org, year=year).exists():
        raise ActionError(
            _("This year's review of this union already exists."), code="review_exists"
        )
    seed = (seed or "").strip() or secrets.token_hex(8)
    files = list(
        restrict(HardshipFile, ctx.actor, "assistance.review_hardshipfile")
        .filter(org__path__startswith=org.path, state__in=[FileState.FILED, FileState.ADJUSTED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    review = AnnualReview.objects.create(
        org=org, year=year, seed=seed, sample_ratio=ratio, created_by=ctx.actor
    )
    sample = set(draw_sample(files, seed, ratio))
    ReviewEntry.objects.bulk_create(
        [ReviewEntry(review=review, file_id=pk, spot_check=pk in sample) for pk in files]
    )
    ctx.wrote(review, details={"files": len(files), "spot_checks": len(sample), "seed": seed})
    ctx.org = org
    return review


def draw_sample(file_ids: list[int], seed: str, ratio: Decimal) -> list[int]:
    """The spot-check draw: ⌈ratio·n⌉ ids chosen by a PRNG seeded with ``seed``."""
    ids = sorted(file_ids)
    k = math.ceil(Decimal(len(ids)) * Decimal(str(ratio)))
    # Not a secret: the spot-check draw must be reproducible from its published seed (S311).
    return sorted(random.Random(seed).sample(ids, k)) if ids else []  # noqa: S311 # nosec B311


@action("assistance.decide_review_entry", permission="assistance.change_reviewentry")
def decide_review_entry(
    ctx, *, entry: ReviewEntry, outcome: str, new_tier: str = "", note: str = ""
) -> ReviewEntry:
    """Keep, re-tier or close one file in the annual review."""
    entry = ctx.require(entry)
    ctx.lock(entry)
    file = HardshipFile.objects.select_for_update().get(pk=entry.file_id)
    if entry.outcome != ReviewOutcome.PENDING:
        raise ActionError(_("This file has already been reviewed."), code="decided")
    if file.state not in (FileState.FILED, FileState.ADJUSTED):
        raise ActionError(_("A closed file cannot be changed."), code="file_closed")
    if outcome == ReviewOutcome.KEEP:
        file.next_review_due = timezone.localdate() + timedelta(days=365)
        file.save(update_fields=["next_review_due", "updated_at"])
    elif outcome == ReviewOutcome.CHANGE_TIER:
        if new_tier not in Tier.values or new_tier == file.tier:
            raise ActionError(_("Choose the new tier."), code="tier")
        file.tier = new_tier
        file.state = FileState.ADJUSTED
        file.next_review_due = timezone.localdate() + timedelta(days=365)
        file.save(update_fields=["tier", "state", "next_review_due", "updated_at"])
        entry.new_tier = new_tier
    elif outcome == ReviewOutcome.CLOSE:
        note = _reason(note)
        if file.applications.filter(state__in=OPEN_APPLICATION_STATES - {S.DRAFT}).exists():
            raise ActionError(
                _("Finish or reject the open applications of this file first."),
                code="file_has_open_applications",
            )
        _close_file(file, note)
    else:
        raise ActionError(_("Choose an outcome."), code="invalid_choice")
    entry.outcome = outcome
    entry.note = (note or "").strip()[:300]
    entry.decided_by = ctx.actor
    entry.decided_at = timezone.now()
    entry.save()
    ctx.wrote(entry, details={"outcome": outcome, "file": file.number})
    ctx.org = file.org
    return entry


# --- campaigns and condolence visits ------------------------------------------------------


@action("assistance.save_campaign", permission="assistance.add_campaign")
def save_campaign(
    ctx,
    *,
    org: Org,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    budget="0",
    description: str = "",
    campaign: Campaign | None = None,
) -> Campaign:
    if campaign is not None:
        campaign = ctx.require(campaign, "assistance.change_campaign")
        ctx.lock(campaign)
    else:
        org = ctx.require(org, "assistance.add_campaign")
        campaign = Campaign(org=org, created_by=ctx.actor)
    name = (name or "").strip()
    if not name:
        raise ActionError(_("Give the campaign a name."), code="name")
    from gonghui.assistance.choices import CampaignKind

    if kind not in CampaignKind.values:
        raise ActionError(
            _("“%(value)s” is not a valid choice."), code="invalid_choice", params={"value": kind}
        )
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ActionError(_("The campaign ends after it starts."), code="period")
    campaign.name = name[:100]
    campaign.kind = kind
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    campaign.budget = parse_amount(budget, allow_zero=True, limit=MAX_BUDGET)
    campaign.description = (description or "").strip()[:4000]
    campaign.save()
    ctx.wrote(campaign, details={"name": campaign.name, "budget": str(campaign.budget)})
    ctx.org = campaign.org
    return campaign


@dataclass(frozen=True)
class CleanVisit:
    recipient: str
    head_count: int
    cash: Decimal
    goods_value: Decimal
    visited_on: date
    leaders: str
    note: str


def clean_visit(
    *,
    recipient,
    head_count,
    cash,
    goods_value,
    visited_on,
    leaders="",
    note="",
    campaign: Campaign | None = None,
) -> CleanVisit:
    """Validation shared by the form, the API and the Excel import."""
    recipient = (recipient or "").strip()
    if not recipient:
        raise ActionError(_("Name the person or group visited."), code="recipient")
    try:
        count = int(str(head_count).strip() or "1")
    except (TypeError, ValueError):
        raise ActionError(
            _("The head count is a whole number of people."), code="head_count"
        ) from None
    if not 1 <= count <= 100000:
        raise ActionError(_("The head count is a whole number of people."), code="head_count")
    cash = parse_amount(cash if cash not in (None, "") else "0", allow_zero=True)
    goods = parse_amount(goods_value if goods_value not in (None, "") else "0", allow_zero=True)
    if cash == 0 and goods == 0:
        raise ActionError(_("Give the cash or the value of the goods."), code="nothing_given")
    if not isinstance(visited_on, date):
        raise ActionError(_("Give the date of the visit."), code="visited_on")
    if visited_on > timezone.localdate():
        raise ActionError(_("The visit date is in the future."), code="visited_on")
    if campaign is not None and not campaign.starts_on <= visited_on <= campaign.ends_on:
        raise ActionError(_("The visit is outside the campaign's period."), code="period")
    return CleanVisit(
        recipient[:200],
        count,
        cash,
        goods,
        visited_on,
        (leaders or "").strip()[:200],
        (note or "").strip()[:300],
    )


@action("assistance.record_visit", permission="assistance.add_visit")
def record_visit(
    ctx, *, org: Org, campaign: Campaign | None = None, person: Person | None = None, **fields
) -> Visit:
    """慰问 of one person (head count 1) or a group (head count = 人次)."""
    org = ctx.require(org, "assistance.add_visit")
    if person is not None:
        person = ctx.require(person, "members.view_person")
        fields.setdefault("recipient", person.name)
        fields["head_count"] = 1
    data = clean_visit(campaign=campaign, **fields)
    visit = Visit.objects.create(
        org=org, campaign=campaign, person=person, created_by=ctx.actor, **data.__dict__
    )
    ctx.wrote(
        visit,
        details={
            "cash": str(data.cash),
            "goods": str(data.goods_value),
            "head_count": data.head_count,
        },
    )
    ctx.org = org
    return visit
