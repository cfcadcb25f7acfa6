"""How a mediation case begins (domain-scenarios.md C2): the worker applies on /m/
(``apply_for_mediation``), staff open one (``open_case``) or turn a 12351 ticket into one
(``open_case_from_ticket``), or a court or agency refers one in (``refer_in``: recorded by
the union's staff on the agency's behalf, or submitted by the agency's own partner account).

劳动争议调解仲裁法 §12: the application may be written or oral; the union writes down the
applicants, the respondent, the claims and the facts. A collective dispute has many applicants.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.scoping import grant_scopes, restrict
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.rights.mediation.choices import Direction, ReferralKind, Source
from gonghui.rights.mediation.models import (
    Applicant,
    CaseStep,
    Claim,
    MediationCase,
    Referral,
)
from gonghui.rights.models import PartnerAgency, Ticket
from gonghui.rights.partners import agency_id_of

ADD = "mediation.add_mediationcase"
MAX_AMOUNT = Decimal("99999999.99")
MAX_APPLICANTS = 500
MAX_CLAIMS = 50


def text(value, field, limit, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(_("This field is required."), code="required", params={"field": field})
    if len(value) > limit:
        raise ActionError(
            _("At most %(limit)d characters."), code="too_long", params={"limit": limit}
        )
    return value


def money(value, *, required=True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ActionError(_("Enter an amount in yuan."), code="invalid_amount")
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(_("Enter an amount in yuan."), code="invalid_amount") from exc
    if amount < 0 or amount > MAX_AMOUNT:
        raise ActionError(_("Enter an amount in yuan."), code="invalid_amount")
    return amount


def a_date(value, field) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError as exc:
        raise ActionError(_("Enter a date."), code="invalid_date", params={"field": field}) from exc


def step(ctx, case, name, before="", note="", org=None):
    actor = ctx.actor if getattr(ctx.actor, "pk", None) else None
    CaseStep.objects.create(
        case=case,
        name=name,
        from_state=before,
        to_state=case.state,
        actor=actor,
        org_name=(org or case.org).name,
        note=str(note)[:500],
        at=timezone.now(),
    )


def _employer(employer, employer_name):
    if employer not in (None, "") and not isinstance(employer, Employer):
        employer = Employer.objects.filter(pk=employer).first()
        if employer is None:
            raise ActionError(_("Choose the employer from the list."), code="invalid_employer")
    name = text(employer_name or (employer.name if employer else ""), "respondent", 200)
    return employer or None, name


def _applicants(rows) -> list[dict]:
    rows = [r for r in (rows or []) if (r.get("name") or "").strip()]
    if not rows:
        raise ActionError(_("Name at least one applicant."), code="no_applicant")
    if len(rows) > MAX_APPLICANTS:
        raise ActionError(_("Too many applicants."), code="too_many")
    return [
        {
            "name": text(r.get("name"), "name", 50),
            "phone": text(r.get("phone"), "phone", 20, required=False),
            "id_number": text(r.get("id_number"), "id_number", 30, required=False),
        }
        for r in rows
    ]


def _claims(rows) -> list[tuple[str, Decimal]]:
    rows = [r for r in (rows or []) if (r.get("item") or "").strip()]
    if len(rows) > MAX_CLAIMS:
        raise ActionError(_("Too many claims."), code="too_many")
    return [(text(r.get("item"), "item", 200), money(r.get("amount"))) for r in rows]


def new_case(
    ctx,
    *,
    org,
    source,
    applicants,
    facts,
    claims=(),
    employer=None,
    employer_name="",
    applicant_user=None,
    ticket=None,
) -> MediationCase:
    """Write the case with its applicants and claims (validated first: nothing is written
    when one of them is wrong)."""
    employer, employer_name = _employer(employer, employer_name)
    people, asked = _applicants(applicants), _claims(claims)
    now = timezone.now()
    case = MediationCase.objects.create(
        source=source,
        applicant_user=applicant_user,
        org=org,
        employer=employer,
        employer_name=employer_name,
        facts=text(facts, "facts", 4000),
        ticket=ticket,
        applied_at=now,
    )
    case.number = f"TJ-{timezone.localdate(now):%Y%m%d}-{case.pk:05d}"
    case.save(update_fields=["number"])
    Applicant.objects.bulk_create(
        [Applicant(case=case, position=i, **p) for i, p in enumerate(people)]
    )
    # bulk_create skips pre_save of the blind index: fill it row by row.
    for row in case.applicants.all():
        row.save(update_fields=["phone_index"])
    Claim.objects.bulk_create([Claim(case=case, item=i, amount=a) for i, a in asked])
    step(ctx, case, "apply")
    ctx.org = org
    return case


def _org_for(actor, org) -> Org:
    org_id = getattr(org, "pk", org)
    found = restrict(Org, actor, ADD).filter(pk=org_id).first()
    if found is None:
        raise OutOfScope("no grant to open cases at this union")
    return found


@action("mediation.open_case", permission=ADD)
def open_case(ctx, *, org, applicants, facts, claims=(), employer=None, employer_name=""):
    """Staff record an application made at the union (in writing or orally, §12)."""
    case = new_case(
        ctx,
        org=_org_for(ctx.actor, org),
        source=Source.STAFF,
        applicants=applicants,
        facts=facts,
        claims=claims,
        employer=employer,
        employer_name=employer_name,
    )
    ctx.wrote(case, details={"number": case.number, "applicants": case.applicants.count()})
    return case


@action("mediation.open_case_from_ticket", permission=ADD)
def open_case_from_ticket(ctx, *, ticket):
    """One action from a 12351 ticket: its caller, employer and facts become the case's, at
    the union handling the ticket."""
    ticket = ctx.require(ticket, "rights.view_ticket")
    if ticket.mediation_cases.exclude(state="withdrawn").exists():
        raise ActionError(
            _("A mediation case was already opened from this ticket."), code="duplicate"
        )
    facts = ticket.facts
    if ticket.request:
        facts = f"{facts}\n{ticket.request}"
    case = new_case(
        ctx,
        org=_org_for(ctx.actor, ticket.org),
        source=Source.TICKET,
        applicants=[{"name": ticket.caller_name, "phone": ticket.caller_phone}],
        facts=facts[:4000],
        employer=ticket.employer,
        employer_name=ticket.employer_name,
        applicant_user=ticket.caller_user,
        ticket=ticket,
    )
    ctx.wrote(case, details={"number": case.number, "ticket": ticket.number})
    return case


def mediating_org_for_worker(person, employer) -> Org:
    """A worker's application goes to her own union (whose district's mediators see it), else
    to the union responsible for her employer, else to the city."""
    membership = person.current_membership() if person is not None else None
    if membership is not None:
        return membership.org
    if employer is not None and getattr(employer, "org_id", None):
        return employer.org
    root = Org.objects.get_first_root_node()
    if root is None:
        raise ActionError(_("No union takes mediation applications yet."), code="no_org")
    return root


@action("mediation.apply_for_mediation")
def apply_for_mediation(
    ctx, *, facts, claims=(), employer=None, employer_name="", person=None, phone=""
):
    """The worker applies on /m/: her name and phone from her login and her record."""
    actor = ctx.actor
    if getattr(actor, "kind", "") != "member":
        raise OutOfScope("only a worker applies for herself")
    employer, _name = _employer(employer, employer_name)
    name = (person.name if person else "") or actor.display_name or actor.phone
    case = new_case(
        ctx,
        org=mediating_org_for_worker(person, employer),
        source=Source.PORTAL,
        applicants=[{"name": name, "phone": phone or actor.phone}],
        facts=facts,
        claims=claims,
        employer=employer,
        employer_name=employer_name,
        applicant_user=actor,
    )
    ctx.wrote(case, details={"number": case.number})
    return case


def referable_agencies(user):
    """The agencies in use a union's staff may refer to or record a referral from: those kept
    by a union in their scope (``restrict``) and those kept by a union above theirs — a
    township's mediators work with the district's court."""
    above = Q(pk__in=[])
    step = Org.steplen
    for scope in grant_scopes(user):
        paths = [scope.path[:i] for i in range(step, len(scope.path) + 1, step)]
        above |= Q(org__path__in=paths)
    kept = restrict(PartnerAgency, user, "view").values("pk")
    return PartnerAgency.objects.filter(above | Q(pk__in=kept), active=True)


def active_agency(agency, actor=None) -> PartnerAgency:
    """The agency named, refused with a clear message if it does not exist, is not in use or
    (for staff, ``actor``) is not among the agencies their union works with; nothing is
    written then."""
    agency_id = getattr(agency, "pk", agency)
    try:
        found = PartnerAgency.objects.filter(pk=int(agency_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is not None and actor is not None and found.active:
        if not referable_agencies(actor).filter(pk=found.pk).exists():
            found = None
    if found is None:
        raise ActionError(_("This agency is not on the list of partner agencies."), code="agency")
    if not found.active:
        raise ActionError(
            _("%(agency)s is no longer a partner agency in use."),
            code="agency_inactive",
            params={"agency": found.name},
        )
    return found


@action("mediation.refer_in")
def refer_in(
    ctx,
    *,
    agency,
    kind,
    applicants,
    facts,
    claims=(),
    employer=None,
    employer_name="",
    agency_case_number="",
    referred_on=None,
    note="",
):
    """A court or agency refers a dispute to the union (诉调对接, 特邀调解规定): the partner
    account of that very agency submits it, or the union's staff record it on its behalf.
    The case goes to the union keeping the agency and waits to be signed for (``accept``);
    the court's clock starts then."""
    partner = agency_id_of(ctx.actor)
    agency = active_agency(agency, None if partner is not None else ctx.actor)
    if partner is not None:
        if partner != agency.pk:
            raise OutOfScope("a partner refers only for its own agency")
        org = agency.org
    else:
        org = _org_for(ctx.actor, agency.org_id)
    if kind not in ReferralKind.values:
        raise ActionError(_("Choose the kind of referral."), code="invalid_kind")
    referred_on = a_date(referred_on or timezone.localdate(), "referred_on")
    case = new_case(
        ctx,
        org=org,
        source=Source.REFERRAL,
        applicants=applicants,
        facts=facts,
        claims=claims,
        employer=employer,
        employer_name=employer_name,
    )
    referral = Referral.objects.create(
        case=case,
        agency=agency,
        direction=Direction.IN,
        kind=kind,
        agency_case_number=text(agency_case_number, "agency_case_number", 60, required=False),
        referred_on=referred_on,
        note=text(note, "note", 300, required=False),
        recorded_by=ctx.actor if getattr(ctx.actor, "pk", None) else None,
    )
    # A partner account is scoped by its referrals, not by the org tree: the rows it wrote
    # are checked by the partner scope, which the case now falls in through this referral.
    recheck = False if partner is not None else None
    ctx.wrote(
        case,
        details={"number": case.number, "agency": agency.name, "kind": kind},
        recheck=recheck,
    )
    ctx.wrote(referral, recheck=recheck)
    return case


def ticket_for(actor, pk) -> Ticket | None:
    return restrict(Ticket, actor, "view").filter(pk=pk).first()
