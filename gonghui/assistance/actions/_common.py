"""Shared pieces of the assistance actions: limits, amount parsing and the small helpers
every step uses (review steps, numbering, notifying the applicant, ownership).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.choices import ApplicationState
from gonghui.assistance.models import Application, Step
from gonghui.members.models import Person
from gonghui.platform.sms.outbox import queue_sms

# The upload rules are the platform's (validators/uploads.py), re-exported for this package.
from gonghui.platform.validators.uploads import ALLOWED_UPLOAD_TYPES as ALLOWED_UPLOAD_TYPES
from gonghui.platform.validators.uploads import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.transitions import machine_for

S = ApplicationState
CENT = Decimal("0.01")
# One aid amount; budgets (a federation's whole year) go up to what the column holds.
MAX_AMOUNT = Decimal("1000000.00")
MAX_BUDGET = Decimal("9999999999.99")


class Declared:
    """The declared transitions of ``model``, as the actions use them to move a state.

    The declarations (``gonghui/assistance/workflows_cases.py``, registered from
    ``AssistanceConfig.ready()``) call the actions, so the actions cannot import them: they
    find the machine in the platform's registry when they run. ``apply``, ``can`` and the
    rest are the registered :class:`~gonghui.platform.workflow.transitions.StateMachine`'s."""

    def __init__(self, model):
        self.model = model

    @property
    def machine(self):
        machine = machine_for(self.model)
        if machine is None:
            raise ImproperlyConfigured(f"{self.model._meta.label} has no registered workflow")
        return machine

    def __getattr__(self, name):
        return getattr(self.machine, name)


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
    # The display name itself: get_full_name() falls back to the username, a generated id for
    # a worker's account.
    full = (getattr(user, "display_name", "") or "").strip()
    if not full:
        # A member account's name is its person record's (the username is a generated id).
        person = Person.objects.filter(user_id=user.pk).only("name").first()
        full = person.name if person is not None else ""
    if not full and getattr(user, "kind", "") == "member":
        # A worker's account not (yet) tied to a person record: never show its generated id.
        return str(_("The worker herself"))
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
        ctx.on_commit(queue_sms(phone, message))


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
