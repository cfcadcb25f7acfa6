"""The write path of legal consultations: one action per step, each moving the state only
through the declared transitions (``workflows.py``), each audited.

* ``ask``: the worker asks on /m/ (or the API). The question is routed at once to the law firm
  kept by the nearest union above hers (her own included) — the consultation then waits for
  that firm's answer — or, when no union on her way up keeps one, it waits in the city's queue
  for staff to assign a firm (``assign``, also used to reassign).
* ``answer``: a lawyer of the assigned firm (a partner account; partner_scope.py decides
  what she sees) answers; the worker gets a portal message and an SMS without the question.
* ``follow_up`` (追问) sends it back to the lawyer, ``rate`` closes it once with her rating,
  ``auto_close`` closes an answered one nobody followed up (the nightly run, deadlines.py).
* ``to_ticket``: staff turn it into a 12351 ticket through the rights intake action.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.sms.outbox import queue_sms
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.platform.workflow.transitions import machine_for
from gonghui.rights import actions as rights_actions
from gonghui.rights.choices import PartnerKind, Rating
from gonghui.rights.consult.choices import Author, ConsultState, ConvertedTo, Topic
from gonghui.rights.consult.models import Consultation, Message
from gonghui.rights.models import PartnerAgency

S = ConsultState
ASSIGN = "consult.assign_consultation"
CONVERT = "consult.convert_consultation"
LAWYER = "consult.answer_as_lawyer"
QUESTION_LIMIT = 2000
FACTS_LIMIT = 2000  # the 12351 ticket's "what happened"
# The SMS names the consultation, never what she asked.
ANSWERED_SMS = gettext_noop(
    "Your legal consultation %(number)s has been answered. Log in to read it."
)


def _machine():
    machine = machine_for(Consultation)
    if machine is None:
        raise ImproperlyConfigured("consult.Consultation has no registered workflow")
    return machine


def _text(value, field, limit, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(_("This field is required."), code="required", params={"field": field})
    if len(value) > limit:
        raise ActionError(
            _("At most %(limit)d characters."), code="too_long", params={"limit": limit}
        )
    return value


def _move(ctx, consultation, name, *fields, recheck=None):
    _machine().apply(ctx, consultation, name, extra_fields=fields)
    ctx.wrote(consultation, details={"number": consultation.number}, recheck=recheck)
    ctx.org = consultation.org
    return consultation


def _message(ctx, consultation, author, text):
    return Message.objects.create(
        consultation=consultation,
        author=author,
        author_user=ctx.actor if getattr(ctx.actor, "pk", None) else None,
        text=text,
        at=timezone.now(),
    )


def _own(ctx, consultation) -> Consultation:
    """The worker's own consultation, locked; another's does not exist for her."""
    found = Consultation.objects.own(ctx.actor).filter(pk=consultation.pk).first()
    if found is None:
        raise OutOfScope("not her consultation")
    ctx.lock(found)
    return found


# --- routing ------------------------------------------------------------------------------------


def worker_union(person) -> Org | None:
    """The union the worker belongs to: her current membership's, else the one on her file."""
    if person is None:
        return None
    membership = person.current_membership()
    if membership is not None:
        return membership.org
    return person.org if person.org_id else None


def firm_for(union: Org | None) -> PartnerAgency | None:
    """The active law firm kept by the nearest union from ``union`` up to the city.

    Routing on the worker's behalf: she holds no grant, so the system reads the firms the way
    intake reads the receiving union (rights/actions.py ``receiving_org``)."""
    if union is None:
        return None
    chain = [union, *reversed(list(Org.objects.get_ancestors(union)))]  # nearest first
    firms = {
        firm.org_id: firm
        for firm in PartnerAgency.objects.filter(
            kind=PartnerKind.LAW_FIRM, active=True, org__in=chain
        ).order_by("-pk")
    }
    return next((firms[org.pk] for org in chain if org.pk in firms), None)


def city() -> Org:
    root = Org.objects.get_first_root_node()
    if root is None:
        raise ActionError(_("No union receives consultations yet."), code="no_org")
    return root


def firms_for(user):
    """The active law firms ``user`` may assign consultations to: those kept by a union in the
    user's scope for assigning."""
    return (
        restrict(PartnerAgency, user, ASSIGN)
        .filter(kind=PartnerKind.LAW_FIRM, active=True)
        .select_related("org")
        .order_by("name")
    )


# --- the worker ---------------------------------------------------------------------------------


@action("consult.ask")
def ask(ctx, *, person, topic, question):
    """The worker asks in writing; her name and phone come from her login and her record."""
    actor = ctx.actor
    if getattr(actor, "kind", "") != "member":
        raise OutOfScope("only a worker asks her own question")
    if topic not in Topic.values:
        raise ActionError(_("Choose what your question is about."), code="invalid_topic")
    question = _text(question, "question", QUESTION_LIMIT)
    now = timezone.now()
    firm = firm_for(worker_union(person))
    consultation = Consultation.objects.create(
        worker=actor,
        person=person,
        worker_name=(person.name if person else "") or actor.display_name or actor.phone,
        worker_phone=actor.phone or "",
        topic=topic,
        question=question,
        org=firm.org if firm else city(),
        agency=firm,
        state=S.WAITING if firm else S.UNASSIGNED,
        asked_at=now,
        assigned_at=now if firm else None,
        waiting_since=now if firm else None,
    )
    consultation.number = f"ZX-{timezone.localdate(now):%Y%m%d}-{consultation.pk:05d}"
    consultation.save(update_fields=["number"])
    ctx.wrote(
        consultation,
        details={"number": consultation.number, "routed_to": firm.name if firm else ""},
    )
    ctx.org = consultation.org
    return consultation


@action("consult.follow_up")
def follow_up(ctx, *, consultation, text):
    """追问: the worker asks more about the answer; it goes back to the lawyer, whose answer
    clock starts again."""
    consultation = _own(ctx, consultation)
    text = _text(text, "text", QUESTION_LIMIT)
    if consultation.state != S.ANSWERED:
        raise ActionError(
            _("You can follow up only on an answered consultation."), code="not_answered"
        )
    _message(ctx, consultation, Author.WORKER, text)
    consultation.waiting_since = timezone.now()
    return _move(ctx, consultation, "follow_up", "waiting_since", recheck=False)


@action("consult.rate")
def rate(ctx, *, consultation, rating, comment=""):
    """The worker rates the answer once (满意 / 基本满意 / 不满意)."""
    consultation = _own(ctx, consultation)
    if consultation.rating:
        raise ActionError(_("You have already rated this consultation."), code="already_rated")
    if consultation.state not in (S.ANSWERED, S.CLOSED):
        raise ActionError(_("Only an answered consultation can be rated."), code="not_answered")
    if rating not in Rating.values:
        raise ActionError(_("Choose how satisfied you are."), code="invalid_rating")
    now = timezone.now()
    consultation.rating = rating
    consultation.rating_comment = _text(comment, "comment", 300, required=False)
    consultation.rated_at = now
    consultation.closed_at = consultation.closed_at or now
    ctx.details["rating"] = rating
    return _move(
        ctx,
        consultation,
        "rate",
        "rating",
        "rating_comment",
        "rated_at",
        "closed_at",
        recheck=False,
    )


# --- staff and lawyers --------------------------------------------------------------------------


@action("consult.assign", permission=ASSIGN)
def assign(ctx, *, consultation, agency):
    """Assign (or reassign) a consultation to a law firm kept by a union in the actor's area;
    the consultation moves to that union and the firm has the full answer time."""
    consultation = ctx.require(consultation)
    ctx.lock(consultation)
    agency_id = getattr(agency, "pk", agency)
    firm = firms_for(ctx.actor).filter(pk=agency_id).first()
    if firm is None:
        raise ActionError(
            _("Choose an active law firm kept by a union in your area."), code="invalid_agency"
        )
    if firm.pk == consultation.agency_id:
        raise ActionError(_("The consultation is already with this law firm."), code="same_agency")
    now = timezone.now()
    ctx.details["from_agency"] = consultation.agency.name if consultation.agency_id else ""
    ctx.details["to_agency"] = firm.name
    consultation.agency = firm
    consultation.org = firm.org
    consultation.lawyer = None
    consultation.assigned_at = now
    consultation.waiting_since = now
    return _move(
        ctx, consultation, "assign", "agency", "org", "lawyer", "assigned_at", "waiting_since"
    )


def _sms(consultation):
    phone = consultation.worker_phone
    if not phone:
        return None
    with translation.override("zh-hans"):
        text = gettext(ANSWERED_SMS) % {"number": consultation.number}
    return queue_sms(phone, text)


@action("consult.answer", permission=LAWYER)
def answer(ctx, *, consultation, text):
    """A lawyer of the assigned firm answers (the first answer or one to a follow-up)."""
    # "view" for a partner account is the partner scope alone: the firm's consultations.
    consultation = ctx.require(consultation, "view")
    ctx.lock(consultation)
    if consultation.state != S.WAITING:
        raise ActionError(_("This consultation is not waiting for an answer."), code="not_waiting")
    text = _text(text, "text", QUESTION_LIMIT)
    _message(ctx, consultation, Author.LAWYER, text)
    consultation.lawyer = ctx.actor
    consultation.answered_at = timezone.now()
    consultation.waiting_since = None
    _move(ctx, consultation, "answer", "lawyer", "answered_at", "waiting_since", recheck="view")
    callback = _sms(consultation)
    if callback is not None:
        ctx.on_commit(callback)
    return consultation


@action("consult.auto_close")
def auto_close(ctx, *, consultation, answered_on):
    """已结束: an answer nobody followed up or rated closes itself (deadlines.py says when).
    Nothing happens when the consultation moved on since the clock started."""
    consultation = Consultation.objects.filter(pk=consultation.pk).first()
    if consultation is None:
        return None
    ctx.lock(consultation)
    if consultation.state != S.ANSWERED or consultation.answered_at is None:
        return None
    if timezone.localdate(consultation.answered_at) != answered_on:
        return None
    consultation.closed_at = timezone.now()
    return _move(ctx, consultation, "auto_close", "closed_at", recheck=False)


def _thread(consultation) -> str:
    parts = [consultation.question]
    for message in consultation.messages.order_by("at", "id"):
        parts.append(f"[{message.get_author_display()}] {message.text}")
    return "\n\n".join(parts)[:FACTS_LIMIT]


def open_ticket(ctx, consultation, category, request, employer_name=""):
    """The 12351 ticket a consultation becomes (the rights intake, as the acting staff member
    takes a call): it carries the question and the thread."""
    if consultation.state == S.CONVERTED:
        raise ActionError(_("This consultation was already taken up."), code="converted")
    return rights_actions.take_call(
        actor=ctx.actor,
        category=category,
        caller_name=consultation.worker_name,
        caller_phone=consultation.worker_phone,
        facts=_thread(consultation),
        request=_text(request, "request", 1000),
        employer_name=_text(employer_name, "employer_name", 200, required=False),
    )


def taken_up(ctx, consultation, name, kind, ticket, number="", pk=None):
    """Keep the link to what the consultation became and move it to 已转办."""
    consultation.ticket = ticket
    consultation.converted_to = kind
    consultation.converted_number = number or ticket.number
    consultation.converted_id = pk
    consultation.converted_at = timezone.now()
    ctx.details["ticket"] = ticket.number
    ctx.details["taken_up_as"] = consultation.converted_number
    return _move(
        ctx,
        consultation,
        name,
        "ticket",
        "converted_to",
        "converted_number",
        "converted_id",
        "converted_at",
    )


def load_for_convert(ctx, consultation):
    consultation = ctx.require(consultation)
    ctx.lock(consultation)
    return consultation


@action("consult.to_ticket", permission=CONVERT)
def to_ticket(ctx, *, consultation, category, request, employer_name=""):
    """Turn the consultation into a 12351 ticket (category chosen by staff): the consultation
    keeps the link and the worker sees the ticket's number."""
    consultation = load_for_convert(ctx, consultation)
    ticket = open_ticket(ctx, consultation, category, request, employer_name)
    return taken_up(ctx, consultation, "to_ticket", ConvertedTo.TICKET, ticket)


def waiting_for_firm(user, qs=None):
    """Consultations in the city's queue (no firm yet) the user may assign."""
    qs = restrict(qs if qs is not None else Consultation, user, ASSIGN)
    return qs.filter(state=S.UNASSIGNED)


def waiting_for_lawyer(user, qs=None):
    """A lawyer's queue: her firm's consultations waiting for an answer."""
    qs = restrict(qs if qs is not None else Consultation, user, "view")
    return qs.filter(Q(state=S.WAITING))
