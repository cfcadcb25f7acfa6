"""The lawyer's part of legal aid: the union assigns a law firm's lawyer (or names one of its
own), and the lawyer takes the case up, records progress, reads the applicant's contact for a
stated purpose and closes the case with its outcome. The helpers (the declared machine, the
timeline, the worker's SMS) are the ones of ``actions.py``.

A partner account holds no legal-aid permission in its role (its grant sits at the city: a
permission there would open the city's own applications), so the lawyer's steps name no
permission and read the application through ``restrict(actor, HANDLE)``, which the partner
scope (``partner_scope.py``) opens for the applications assigned to the account's firm and the
org tree opens for staff.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import restrict
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.rights.choices import PartnerKind
from gonghui.rights.legalaid.actions import HANDLE, S, _load, _move, _sms, _text
from gonghui.rights.legalaid.choices import Outcome
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.models import PartnerAgency, PartnerAgent

MAX_AMOUNT = Decimal("9999999999.99")


def law_firms(user):
    """The law firms ``user`` may assign (active, kept by a union in the user's scope)."""
    return restrict(PartnerAgency, user, "view").filter(kind=PartnerKind.LAW_FIRM, active=True)


def firm_lawyers(user):
    """The partner accounts of those firms: (user id, display name, firm)."""
    return (
        restrict(PartnerAgent, user, "view")
        .filter(agency__in=law_firms(user), user__is_active=True)
        .select_related("user", "agency")
        .order_by("agency__name", "user__display_name")
    )


def _firm(actor, agency_id) -> PartnerAgency:
    agency = restrict(PartnerAgency, actor, "view").filter(pk=agency_id, active=True).first()
    if agency is None:
        raise ActionError(_("Choose a law firm from the list."), code="invalid_agency")
    if agency.kind != PartnerKind.LAW_FIRM:
        raise ActionError(
            _("%(agency)s is not a law firm: only a law firm's lawyer can be assigned."),
            code="not_law_firm",
            params={"agency": agency.name},
        )
    return agency


@action("legalaid.assign_lawyer", permission="legalaid.assign_aidapplication")
def assign_lawyer(ctx, *, application, lawyer_account=None, agency=None, lawyer_name=""):
    """指派律师: a partner account of a law firm (its firm follows), or a lawyer named by the
    union (with the firm, when there is one)."""
    app = _load(ctx, application)
    lawyer_user, firm = None, None
    name = _text(lawyer_name, "lawyer_name", 50, required=False)
    if lawyer_account:
        agent = (
            restrict(PartnerAgent, ctx.actor, "view")
            .filter(user_id=lawyer_account, user__is_active=True)
            .select_related("user")
            .first()
        )
        if agent is None:
            raise ActionError(_("Choose a lawyer from the list."), code="invalid_lawyer")
        firm = _firm(ctx.actor, agent.agency_id)
        lawyer_user = agent.user
        name = name or agent.user.display_name or agent.user.username
    elif agency:
        firm = _firm(ctx.actor, agency)
    if not name and lawyer_user is None:
        raise ActionError(
            _("Choose a lawyer of a law firm or enter the lawyer's name."), code="no_lawyer"
        )
    app.lawyer_user, app.lawyer_agency, app.lawyer_name = lawyer_user, firm, name
    app.assigned_at = timezone.now()
    _move(
        ctx,
        app,
        "assign_lawyer",
        "lawyer_user",
        "lawyer_agency",
        "lawyer_name",
        "assigned_at",
        note=firm.name if firm else "",
    )
    _sms(ctx, app, "assign_lawyer", firm=firm.name if firm else app.org.name)
    return app


def _lawyer_load(ctx, application):
    """The application as the lawyer (or the handling union's staff) may work on it."""
    app = restrict(AidApplication, ctx.actor, HANDLE).filter(pk=application.pk).first()
    if app is None:
        raise OutOfScope("not assigned to the actor's firm nor in the actor's scope")
    ctx.lock(app)
    return app


@action("legalaid.reveal_contact")
def reveal_contact(ctx, *, application, purpose):
    """The assigned firm's lawyer (or the handling union's staff) reads the applicant's full
    name and phone to contact her, for a stated purpose; the audit event records who, when
    and why. Screens otherwise show them masked."""
    purpose = _text(purpose, "purpose", 200)
    app = restrict(AidApplication, ctx.actor, HANDLE).filter(pk=application.pk).first()
    if app is None or app.state not in (S.ASSIGNED, S.HANDLING):
        raise OutOfScope("not a case the actor acts in")
    ctx.primary, ctx.org = app, app.org
    ctx.details.update({"number": app.number, "fields": "name,phone", "purpose": purpose})
    return {"name": app.applicant_name, "phone": app.applicant_phone}


@action("legalaid.take_up")
def take_up(ctx, *, application):
    app = _lawyer_load(ctx, application)
    app.taken_up_at = timezone.now()
    return _move(ctx, app, "take_up", "taken_up_at", recheck=HANDLE)


@action("legalaid.record_progress")
def record_progress(ctx, *, application, note):
    app = _lawyer_load(ctx, application)
    return _move(ctx, app, "record_progress", note=_text(note, "note", 500), recheck=HANDLE)


def parse_amount(value) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(_("Enter an amount in yuan."), code="invalid_amount") from exc
    if amount < 0:
        raise ActionError(_("The amount recovered cannot be below zero."), code="negative")
    if amount > MAX_AMOUNT:
        raise ActionError(_("Enter an amount in yuan."), code="invalid_amount")
    return amount


@action("legalaid.close_case")
def close_case(ctx, *, application, outcome, amount_recovered=None, note=""):
    """结案: the outcome (won, settled, lost, withdrawn) and the amount recovered."""
    app = _lawyer_load(ctx, application)
    if outcome not in Outcome.values:
        raise ActionError(_("Choose the outcome."), code="invalid_outcome")
    app.outcome = outcome
    app.amount_recovered = parse_amount(amount_recovered)
    app.outcome_note = _text(note, "note", 500, required=False)
    app.closed_at = timezone.now()
    _move(
        ctx,
        app,
        "close_case",
        "outcome",
        "amount_recovered",
        "outcome_note",
        "closed_at",
        note=f"{Outcome(outcome).label} {app.amount_recovered}",
        recheck=HANDLE,
    )
    _sms(ctx, app, "close_case", outcome=Outcome(outcome).label)
    return app
