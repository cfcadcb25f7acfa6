"""Aid applications before review: the state machine of an application, drafting by staff
or by the member, the completeness check, submitting and withdrawing.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions._common import (
    Declared,
    S,
    _is_owner,
    _member_person,
    _number,
    _step,
    _wrong_state,
    parse_amount,
)
from gonghui.assistance.actions.files import _close_file, _write_file
from gonghui.assistance.choices import (
    EDITABLE_STATES,
    NON_MONEY_AID,
    OPEN_APPLICATION_STATES,
    OPEN_FILE_STATES,
    AidType,
    Channel,
    FileState,
    Relation,
)
from gonghui.assistance.models import AidItem, Application, HardshipFile
from gonghui.members.choices import CURRENT_STATES
from gonghui.platform.workflow.base import ActionError, action


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
    """Submit a complete draft (or a corrected returned application) for first review: the
    applicant herself, or union staff holding ``assistance.change_application`` on it."""
    if not _is_owner(ctx.actor, application):
        application = ctx.require(application, "assistance.change_application")
    ctx.lock(application)
    if not application_states.can(application, "submit"):
        _wrong_state(application)
    problems = completeness_problems(application)
    if problems:
        raise ActionError(" ".join(problems), code="incomplete")
    application.submitted_by = ctx.actor
    application.submitted_at = timezone.now()
    application.decision_reason = ""
    return _transition(
        ctx,
        application,
        "submit",
        "",
        ["submitted_by", "submitted_at", "decision_reason"],
        recheck=False,
    )


# The declared transitions of an application (workflows_cases.py): every state change below
# goes through them (``apply``), so a move the declarations do not list is refused.
application_states = Declared(Application)

# Who may act on an application in each review state (return and reject use these too).
STEP_PERMISSION = {
    S.SUBMITTED: "assistance.first_review_application",
    S.HOME_VISIT: "assistance.visit_application",
    S.VERIFICATION: "assistance.verify_application",
    S.PUBLICITY: "assistance.publicise_application",
    S.APPROVAL: "assistance.approve_application",
}


def _transition(ctx, application, name, opinion="", extra_fields=(), *, recheck=None):
    """Move ``application`` by its declared transition ``name`` and record the step."""
    before = application.state
    application_states.apply(ctx, application, name, extra_fields=[*extra_fields, "updated_at"])
    _step(ctx, application, name, before, opinion)
    ctx.wrote(application, recheck=recheck)
    ctx.org = application.org
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
