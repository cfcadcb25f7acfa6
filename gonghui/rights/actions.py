"""The write path of 12351 tickets: one action per step, each moving the state only through
the declared transitions (``workflows.py``, found in the platform registry when they run), each
audited and leaving a ``TicketStep`` on the timeline the worker follows.

Who may do what is the permission of each action (roles.py) plus, for the steps of the
handling union, that the actor's grant sits at that union (``workflows.at_handling_org``) and,
for an extension, at a union above it; the declarations offer the buttons accordingly.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.scoping import grant_scopes, restrict
from gonghui.platform.feeds import ticket_figures
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.platform.workflow.transitions import machine_for
from gonghui.rights.choices import (
    CONSULTATION,
    Channel,
    Complexity,
    Extension,
    Rating,
    TicketState,
)
from gonghui.rights.defaults import ensure_tables
from gonghui.rights.models import Ticket, TicketCategory, TicketDeadline, TicketStep

S = TicketState
MAX_ARREARS = Decimal("99999999.99")


def _machine():
    machine = machine_for(Ticket)
    if machine is None:
        raise ImproperlyConfigured("rights.Ticket has no registered workflow")
    return machine


def _step(ctx, ticket, name, before, note="", org=None):
    TicketStep.objects.create(
        ticket=ticket,
        name=name,
        from_state=before,
        to_state=ticket.state,
        actor=ctx.actor if getattr(ctx.actor, "pk", None) else None,
        org_name=(org or ticket.org).name,
        note=str(note)[:500],
        at=timezone.now(),
    )


def _move(ctx, ticket, name, *fields, note="", recheck=None, org=None):
    before = ticket.state
    counted = ticket_figures.before(ticket)  # the cockpit's figures (platform/feeds.py)
    _machine().apply(ctx, ticket, name, extra_fields=fields)
    ticket_figures.changed(counted, ticket)
    _step(ctx, ticket, name, before, note, org)
    ctx.wrote(ticket, details={"number": ticket.number}, recheck=recheck)
    ctx.org = ticket.org
    return ticket


def _load(ctx, ticket, perm=None):
    ticket = ctx.require(ticket, perm)
    ctx.lock(ticket)
    return ticket


def _text(value, field, limit, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(_("This field is required."), code="required", params={"field": field})
    if len(value) > limit:
        raise ActionError(
            _("At most %(limit)d characters."), code="too_long", params={"limit": limit}
        )
    return value


def _defaults_published() -> bool:
    """Publish the default tables (defaults.py) where the category table is empty, as after a
    flush or a table cleared by hand; whether it was empty."""
    if TicketCategory.objects.exists():
        return False
    ensure_tables(TicketCategory, TicketDeadline)
    return True


def active_categories(**filters) -> list[TicketCategory]:
    """The categories offered at intake; never none (an emptied table gets the defaults
    again). Costs no query more when the table holds rows."""

    def read():
        qs = TicketCategory.objects.filter(active=True, **filters).select_related("parent")
        return list(qs)

    rows = read()
    if not rows and _defaults_published():
        rows = read()
    return rows


def category_of(value) -> TicketCategory:
    if isinstance(value, TicketCategory):
        return value

    def find():
        return TicketCategory.objects.filter(code=str(value or ""), active=True).first()

    found = find()
    if found is None and _defaults_published():
        found = find()
    if found is None:
        raise ActionError(_("Choose a category from the list."), code="invalid_category")
    return found


def receiving_org(actor, perm="rights.add_ticket") -> Org:
    """The union a new ticket goes to first: the city (the root) for a worker, the highest
    union where the operator takes calls."""
    if actor is None or getattr(actor, "kind", "") == "member":
        root = Org.objects.get_first_root_node()
        if root is None:
            raise ActionError(_("No union receives tickets yet."), code="no_org")
        return root
    scopes = [s for s in grant_scopes(actor) if perm in s.permissions]
    if not scopes:
        raise OutOfScope("no grant to receive tickets")
    top = min(scopes, key=lambda s: (len(s.path), s.path))
    return Org.objects.get(pk=top.org_id)


def _new_ticket(
    ctx,
    *,
    channel,
    category,
    facts,
    request,
    caller_name,
    caller_phone,
    employer,
    employer_name,
    employer_address="",
    person=None,
    caller_user=None,
    complexity="",
    is_petition=False,
):
    from gonghui.rights import notify, region

    category = category_of(category)
    if employer is not None and not isinstance(employer, Employer):
        employer = Employer.objects.filter(pk=employer).first()
        if employer is None:
            raise ActionError(_("Choose the employer from the list."), code="invalid_employer")
    employer_name = _text(
        employer_name or (employer.name if employer else ""), "employer", 200, required=False
    )
    employer_address = _text(employer_address, "employer_address", 200, required=False)
    region.refuse_outside_city(employer, employer_address)
    now = timezone.now()
    ticket = Ticket.objects.create(
        channel=channel,
        category=category,
        complexity=complexity or Complexity.GENERAL,
        is_petition=bool(is_petition),
        caller_user=caller_user,
        person=person,
        caller_name=_text(caller_name, "caller_name", 50),
        caller_phone=_text(caller_phone, "caller_phone", 20),
        employer=employer,
        employer_name=employer_name,
        employer_address=employer_address,
        facts=_text(facts, "facts", 2000),
        request=_text(request, "request", 1000),
        org=receiving_org(ctx.actor),
        received_by=ctx.actor if getattr(ctx.actor, "kind", "") != "member" else None,
        received_at=now,
    )
    ticket.number = f"12351-{timezone.localdate(now):%Y%m%d}-{ticket.pk:05d}"
    ticket.save(update_fields=["number"])
    TicketStep.objects.create(
        ticket=ticket,
        name="receive",
        to_state=ticket.state,
        org_name=ticket.org.name,
        actor=ticket.received_by,
        at=now,
    )
    ticket_figures.changed(None, ticket)
    notify.received(ctx, ticket)  # her SMS with the number, and the portal message
    ctx.org = ticket.org
    return ticket


@action("rights.file_ticket")
def file_ticket(
    ctx,
    *,
    person,
    category,
    facts,
    request,
    employer=None,
    employer_name="",
    employer_address="",
):
    """The worker files a ticket on /m/: her name and phone from her login and her record."""
    actor = ctx.actor
    if getattr(actor, "kind", "") != "member":
        raise OutOfScope("only a worker files her own ticket")
    if employer is None and not (employer_name or "").strip():
        raise ActionError(_("Choose your employer or type its name."), code="employer")
    ticket = _new_ticket(
        ctx,
        channel=Channel.PORTAL,
        category=category,
        facts=facts,
        request=request,
        caller_name=(person.name if person else "") or actor.display_name or actor.phone,
        caller_phone=actor.phone,
        employer=employer,
        employer_name=employer_name,
        employer_address=employer_address,
        person=person,
        caller_user=actor,
    )
    ctx.wrote(ticket, details={"number": ticket.number, "channel": ticket.channel})
    return ticket


@action("rights.take_call", permission="rights.add_ticket")
def take_call(
    ctx,
    *,
    category,
    caller_name,
    caller_phone,
    facts,
    request,
    employer=None,
    employer_name="",
    employer_address="",
    complexity="",
    is_petition=False,
    channel=Channel.PHONE,
):
    """An operator records a call (or the API a ticket): the caller may be a non-member."""
    from gonghui.members.models import Person
    from gonghui.platform.pii.fields import index_for

    phone = _text(caller_phone, "caller_phone", 20)
    person = Person.objects.filter(phone_index=index_for("phone", phone)).first()
    ticket = _new_ticket(
        ctx,
        channel=channel,
        category=category,
        facts=facts,
        request=request,
        caller_name=caller_name,
        caller_phone=phone,
        employer=employer,
        employer_name=employer_name,
        employer_address=employer_address,
        person=person,
        caller_user=person.user if person is not None else None,
        complexity=complexity,
        is_petition=is_petition,
    )
    ctx.wrote(ticket, details={"number": ticket.number, "channel": ticket.channel})
    return ticket


@action("rights.classify_ticket", permission="rights.change_ticket")
def classify(ctx, *, ticket, category, complexity, is_petition=False):
    ticket = _load(ctx, ticket)
    ticket.category = category_of(category)
    if complexity not in Complexity.values:
        raise ActionError(_("Choose a complexity class."), code="invalid_complexity")
    ticket.complexity = complexity
    ticket.is_petition = bool(is_petition)
    ticket.classified_at = timezone.now()
    note = f"{ticket.category} · {ticket.get_complexity_display()}"
    return _move(
        ctx, ticket, "classify", "category", "complexity", "is_petition", "classified_at", note=note
    )


def dispatch_targets(ticket, user):
    """The unions ``user`` may dispatch ``ticket`` to: active unions strictly below the one
    holding it, within the user's own subtree for dispatching."""
    return (
        restrict(Org, user, "rights.dispatch_ticket")
        .filter(path__startswith=ticket.org.path, status="active")
        .exclude(pk=ticket.org_id)
        .order_by("path")
    )


@action("rights.dispatch_ticket", permission="rights.dispatch_ticket")
def dispatch(ctx, *, ticket, to_org, note=""):
    ticket = _load(ctx, ticket)
    org_id = getattr(to_org, "pk", to_org)
    target = dispatch_targets(ticket, ctx.actor).filter(pk=org_id).first()
    if target is None:
        raise ActionError(
            _("Choose an active union below %(org)s in your area."),
            code="invalid_org",
            params={"org": ticket.org.name},
        )
    ticket.dispatched_by = ticket.org
    ticket.org = target
    ticket.dispatched_at = timezone.now()
    ticket.return_reason = ""
    return _move(
        ctx,
        ticket,
        "dispatch",
        "org",
        "dispatched_by",
        "dispatched_at",
        "return_reason",
        note=_text(note, "note", 300, required=False),
    )


@action("rights.accept_ticket", permission="rights.handle_ticket")
def accept(ctx, *, ticket):
    ticket = _load(ctx, ticket)
    ticket.accepted_at = timezone.now()
    return _move(ctx, ticket, "accept", "accepted_at")


@action("rights.return_ticket", permission="rights.handle_ticket")
def return_ticket(ctx, *, ticket, reason):
    """退回: back to the union that dispatched it, which dispatches it again (改派). The ticket
    leaves the returning union's scope, so the row is not re-checked against it."""
    ticket = _load(ctx, ticket)
    if ticket.dispatched_by_id is None:
        raise ActionError(_("This ticket was not dispatched."), code="not_dispatched")
    returning = ticket.org
    ticket.return_reason = _text(reason, "reason", 300)
    ticket.org = ticket.dispatched_by
    ticket.dispatched_by = None
    return _move(
        ctx,
        ticket,
        "return_ticket",
        "org",
        "dispatched_by",
        "return_reason",
        note=ticket.return_reason,
        recheck=False,
        org=returning,
    )


@action("rights.request_extension", permission="rights.handle_ticket")
def request_extension(ctx, *, ticket, reason):
    from gonghui.rights.deadlines import PETITION_EXTENSION_DAYS, table

    ticket = _load(ctx, ticket)
    if ticket.extension in (Extension.PENDING, Extension.GRANTED):
        raise ActionError(_("An extension was already asked for."), code="extension_taken")
    ticket.extension = Extension.PENDING
    ticket.extension_reason = _text(reason, "reason", 300)
    ticket.extension_days = (
        PETITION_EXTENSION_DAYS if ticket.is_petition else table()[(ticket.complexity, "extension")]
    )
    return _move(
        ctx,
        ticket,
        "request_extension",
        "extension",
        "extension_reason",
        "extension_days",
        note=ticket.extension_reason,
    )


def _decide_extension(ctx, ticket, name, outcome, reason):
    ticket = _load(ctx, ticket)
    if ticket.extension != Extension.PENDING:
        raise ActionError(_("No extension is waiting for a decision."), code="no_extension")
    ticket.extension = outcome
    return _move(
        ctx,
        ticket,
        name,
        "extension",
        note=_text(reason, "reason", 300, required=outcome == Extension.REFUSED),
    )


@action("rights.approve_extension", permission="rights.approve_ticket")
def approve_extension(ctx, *, ticket, reason=""):
    return _decide_extension(ctx, ticket, "approve_extension", Extension.GRANTED, reason)


@action("rights.refuse_extension", permission="rights.approve_ticket")
def refuse_extension(ctx, *, ticket, reason):
    return _decide_extension(ctx, ticket, "refuse_extension", Extension.REFUSED, reason)


def parse_arrears(value) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(_("Enter an amount in yuan."), code="invalid_amount") from exc
    if amount < 0 or amount > MAX_ARREARS:
        raise ActionError(_("Enter an amount in yuan."), code="invalid_amount")
    return amount


@action("rights.resolve_ticket", permission="rights.handle_ticket")
def resolve(ctx, *, ticket, reply, arrears_recovered=None, arrears_workers=0):
    ticket = _load(ctx, ticket)
    ticket.reply = _text(reply, "reply", 2000)
    ticket.arrears_recovered = parse_arrears(arrears_recovered)
    ticket.arrears_workers = max(int(arrears_workers or 0), 0)
    ticket.resolved_at = timezone.now()
    return _move(
        ctx, ticket, "resolve", "reply", "arrears_recovered", "arrears_workers", "resolved_at"
    )


def _sampled() -> bool:
    percent = int(getattr(settings, "GONGHUI_RIGHTS_QUALITY_SAMPLE_PERCENT", 10))
    return secrets.randbelow(100) < percent


def _record_rating(ctx, ticket, name, rating, comment, by_worker):
    if ticket.rating and ticket.state != S.RESOLVED:
        raise ActionError(_("This ticket has already been rated."), code="already_rated")
    if rating not in Rating.values:
        raise ActionError(_("Choose how satisfied the worker is."), code="invalid_rating")
    ticket.rating = rating
    ticket.rating_comment = _text(comment, "comment", 300, required=False)
    ticket.rated_by_worker = by_worker
    ticket.visited_at = timezone.now()
    ticket.quality_required = rating == Rating.UNSATISFIED or _sampled()
    ticket.quality_checked_at = None
    return _move(
        ctx,
        ticket,
        name,
        "rating",
        "rating_comment",
        "rated_by_worker",
        "visited_at",
        "quality_required",
        "quality_checked_at",
        note=Rating(rating).label,
    )


@action("rights.visit_ticket", permission="rights.visit_ticket")
def visit_back(ctx, *, ticket, rating, note=""):
    ticket = _load(ctx, ticket)
    return _record_rating(ctx, ticket, "visit_back", rating, note, by_worker=False)


@action("rights.rate_ticket")
def rate(ctx, *, ticket, rating, comment=""):
    """The worker rates her resolved ticket on /m/, once."""
    ticket = Ticket.objects.own(ctx.actor).filter(pk=ticket.pk).first()
    if ticket is None:
        raise OutOfScope("not her ticket")
    ctx.lock(ticket)
    if ticket.rating:
        raise ActionError(_("You have already rated this ticket."), code="already_rated")
    if ticket.state != S.RESOLVED:
        raise ActionError(_("Only a resolved ticket can be rated."), code="not_resolved")
    return _record_rating(ctx, ticket, "rate", rating, comment, by_worker=True)


@action("rights.reopen_ticket", permission="rights.visit_ticket")
def reopen(ctx, *, ticket, reason):
    """重办: an unsatisfied worker's ticket goes back to the union that handled it."""
    ticket = _load(ctx, ticket)
    ticket.reopened += 1
    ticket.rating = ""
    ticket.rated_by_worker = False
    ticket.resolved_at = None
    return _move(
        ctx,
        ticket,
        "reopen",
        "reopened",
        "rating",
        "rated_by_worker",
        "resolved_at",
        note=_text(reason, "reason", 300),
    )


@action("rights.check_ticket", permission="rights.visit_ticket")
def quality_check(ctx, *, ticket, note):
    ticket = _load(ctx, ticket)
    ticket.quality_checked_at = timezone.now()
    ticket.quality_note = _text(note, "note", 300)
    return _move(
        ctx, ticket, "quality_check", "quality_checked_at", "quality_note", note=ticket.quality_note
    )


@action("rights.close_ticket", permission="rights.visit_ticket")
def close(ctx, *, ticket):
    ticket = _load(ctx, ticket)
    if ticket.quality_required and ticket.quality_checked_at is None:
        raise ActionError(_("The quality check comes first."), code="quality_first")
    ticket.closed_at = timezone.now()
    return _move(ctx, ticket, "close", "closed_at")


@action("rights.answer_ticket", permission="rights.change_ticket")
def answer_and_close(ctx, *, ticket, reply="", answer=None):
    """An operator answers a 问题咨询 on the call and closes it at intake, in her own words or
    with an answer of the 问答库 (answers.py), which becomes the reply the worker reads."""
    from gonghui.rights.answers import answer_of

    ticket = _load(ctx, ticket)
    if ticket.category.root.code != CONSULTATION:
        raise ActionError(
            _("Only a consultation can be answered and closed at intake."), code="not_consult"
        )
    now = timezone.now()
    ticket.answer = answer_of(answer) if answer not in (None, "") else None
    ticket.reply = _text(reply or (ticket.answer.answer if ticket.answer else ""), "reply", 2000)
    ticket.resolved_at = ticket.closed_at = now
    note = ticket.answer.question if ticket.answer else ""
    return _move(
        ctx, ticket, "answer_close", "reply", "answer", "resolved_at", "closed_at", note=note
    )
