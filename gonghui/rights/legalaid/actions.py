"""The write path of legal aid: one action per step, each moving the state only through the
declared transitions (``workflows.py``), audited, and leaving an ``AidStep`` on the timeline
the worker follows.

Who: union staff by their permissions (roles.py) at the handling union or above; the worker
for her own application (apply, resubmit, add documents). The lawyer's part (assignment,
taking the case up, progress, the applicant's contact, the outcome) is ``lawyer.py``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from gonghui.assistance.choices import FileState
from gonghui.assistance.models import HardshipFile
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.scoping import grant_scopes, restrict
from gonghui.platform.sms.outbox import queue_sms
from gonghui.platform.validators.uploads import UploadError, check_upload
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.platform.workflow.transitions import machine_for
from gonghui.rights.legalaid.choices import (
    AidChannel,
    AidState,
    CaseType,
    DocumentKind,
    Hardship,
)
from gonghui.rights.legalaid.models import AidApplication, AidDocument, AidStep
from gonghui.rights.models import Ticket

S = AidState
LEGAL_AID_CATEGORY = "legal-aid"  # the national category (rights/defaults.py)
ADD = "legalaid.add_aidapplication"
HANDLE = "legalaid.handle_aidapplication"
# Documents a worker may add while the union has not decided yet.
WORKER_EDITABLE = (S.SUBMITTED, S.CORRECTION)


def _machine():
    machine = machine_for(AidApplication)
    if machine is None:
        raise ImproperlyConfigured("legalaid.AidApplication has no registered workflow")
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


def _step(ctx, app, name, before, note=""):
    AidStep.objects.create(
        application=app,
        name=name,
        from_state=before,
        to_state=app.state,
        actor=ctx.actor if getattr(ctx.actor, "pk", None) else None,
        org_name=app.org.name,
        note=str(note)[:500],
        at=timezone.now(),
    )


def _move(ctx, app, name, *fields, note="", recheck=None):
    before = app.state
    _machine().apply(ctx, app, name, extra_fields=fields)
    _step(ctx, app, name, before, note)
    ctx.wrote(app, details={"number": app.number}, recheck=recheck)
    ctx.org = app.org
    return app


def _load(ctx, app, perm=None):
    app = ctx.require(app, perm)
    ctx.lock(app)
    return app


# --- the worker is told (SMS; the portal message comes from inbox.py) ---------------------------

SMS_TEXTS = {
    "grant": N_(
        "【工会法律援助】%(org)s granted your legal-aid application %(number)s. A lawyer "
        "will be assigned within 3 days."
    ),
    "refuse": N_(
        "【工会法律援助】%(org)s did not grant legal aid for %(number)s: %(reason)s. "
        "Details on the union's portal."
    ),
    "assign_lawyer": N_(
        "【工会法律援助】A lawyer of %(firm)s will act for you in %(number)s and will contact you."
    ),
    "close_case": N_("【工会法律援助】Your legal-aid case %(number)s is closed: %(outcome)s."),
}


def _sms(ctx, app, name, **params):
    phone = app.applicant_phone
    if not phone:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(SMS_TEXTS[name]) % {
            "org": app.org.name,
            "number": app.number,
            **{k: str(v) for k, v in params.items()},
        }
    ctx.on_commit(queue_sms(phone, text))


# --- intake ---------------------------------------------------------------------------------------


def handling_org_for(person) -> Org:
    """The union a worker's application goes to: the district (or county) federation above her
    union, where the union's legal-aid service sits; the city when there is none."""
    org = getattr(person, "org", None)
    if org is not None:
        if org.kind == OrgKind.DISTRICT_FEDERATION:
            return org
        step = Org.steplen
        above = [org.path[:i] for i in range(step, len(org.path), step)]
        district = (
            Org.objects.filter(path__in=above, kind=OrgKind.DISTRICT_FEDERATION)
            .order_by("-depth")
            .first()
        )
        if district is not None:
            return district
    root = Org.objects.get_first_root_node()
    if root is None:
        raise ActionError(_("No union receives applications yet."), code="no_org")
    return root


def staff_org(actor) -> Org:
    """The highest union where ``actor`` may take applications."""
    scopes = [s for s in grant_scopes(actor) if ADD in s.permissions]
    if not scopes:
        raise OutOfScope("no grant to take legal-aid applications")
    top = min(scopes, key=lambda s: (len(s.path), s.path))
    return Org.objects.get(pk=top.org_id)


def _case_type(value) -> str:
    if value not in CaseType.values:
        raise ActionError(_("Choose the kind of case."), code="invalid_case_type")
    return value


def _employer(employer):
    if employer is None or isinstance(employer, Employer):
        return employer
    found = Employer.objects.filter(pk=employer).first()
    if found is None:
        raise ActionError(_("Choose the employer from the list."), code="invalid_employer")
    return found


def _new_application(ctx, *, org, channel, name, phone, case_type, facts, claims, **kw):
    employer = _employer(kw.pop("employer", None))
    employer_name = kw.pop("employer_name", "") or (employer.name if employer else "")
    now = timezone.now()
    app = AidApplication.objects.create(
        org=org,
        channel=channel,
        applicant_name=_text(name, "applicant_name", 50),
        applicant_phone=_text(phone, "applicant_phone", 20),
        case_type=_case_type(case_type),
        facts=_text(facts, "facts", 2000),
        claims=_text(claims, "claims", 1000),
        employer=employer,
        employer_name=_text(employer_name, "employer_name", 200, required=False),
        applied_at=now,
        complete_at=now,
        **kw,
    )
    app.number = f"FY{timezone.localdate(now):%Y%m%d}{app.pk:05d}"
    app.save(update_fields=["number"])
    AidStep.objects.create(
        application=app,
        name="apply",
        to_state=app.state,
        org_name=org.name,
        actor=ctx.actor if getattr(ctx.actor, "kind", "") != "member" else None,
        at=now,
    )
    ctx.org = org
    return app


@action("legalaid.apply_online")
def apply_online(ctx, *, person, case_type, facts, claims, employer=None, employer_name=""):
    """The worker applies on /m/legal-aid/: her name and phone from her login and record."""
    actor = ctx.actor
    if getattr(actor, "kind", "") != "member":
        raise OutOfScope("only a worker applies for herself")
    app = _new_application(
        ctx,
        org=handling_org_for(person),
        channel=AidChannel.PORTAL,
        name=(person.name if person else "") or actor.display_name or actor.phone,
        phone=actor.phone,
        case_type=case_type,
        facts=facts,
        claims=claims,
        employer=employer,
        employer_name=employer_name,
        applicant_user=actor,
        person=person,
    )
    ctx.wrote(app, details={"number": app.number, "channel": app.channel})
    return app


def _person_by_phone(phone):
    from gonghui.members.models import Person
    from gonghui.platform.pii.fields import index_for

    return Person.objects.filter(phone_index=index_for("phone", phone)).first()


@action("legalaid.take_application", permission=ADD)
def take_application(
    ctx,
    *,
    applicant_name,
    applicant_phone,
    case_type,
    facts,
    claims,
    applicant_id_number="",
    employer=None,
    employer_name="",
    org=None,
    channel=AidChannel.STAFF,
):
    """Union staff enter an application (at the counter, or by the API)."""
    from gonghui.platform.validators import IDNumberError, parse_id_number

    org = ctx.require(org, ADD) if org is not None else staff_org(ctx.actor)
    id_number = ""
    if (applicant_id_number or "").strip():
        try:
            id_number = parse_id_number(applicant_id_number).number
        except IDNumberError:
            raise ActionError(_("The ID number is not valid."), code="invalid_id") from None
    phone = _text(applicant_phone, "applicant_phone", 20)
    person = _person_by_phone(phone)
    app = _new_application(
        ctx,
        org=org,
        channel=channel,
        name=applicant_name,
        phone=phone,
        case_type=case_type,
        facts=facts,
        claims=claims,
        employer=employer,
        employer_name=employer_name,
        applicant_id_number=id_number,
        person=person,
        applicant_user=person.user if person is not None else None,
    )
    ctx.wrote(app, details={"number": app.number, "channel": app.channel})
    return app


@action("legalaid.apply_from_ticket", permission=ADD)
def apply_from_ticket(ctx, *, ticket, case_type=CaseType.OTHER):
    """Turn a 12351 ticket of the 法律援助 category into an application of the union handling
    the ticket: the caller, her employer and what she said are copied; the ticket is linked."""
    ticket = restrict(Ticket, ctx.actor, "view").filter(pk=getattr(ticket, "pk", ticket)).first()
    if ticket is None:
        raise OutOfScope("ticket not in scope")
    if ticket.category.root.code != LEGAL_AID_CATEGORY:
        raise ActionError(
            _("Only a ticket asking for legal aid becomes a legal-aid application."),
            code="not_legal_aid",
        )
    if AidApplication.objects.filter(ticket=ticket).exists():
        raise ActionError(
            _("This ticket already has a legal-aid application."), code="already_applied"
        )
    app = _new_application(
        ctx,
        org=ctx.require(ticket.org, ADD),
        channel=AidChannel.TICKET,
        name=ticket.caller_name,
        phone=ticket.caller_phone,
        case_type=case_type,
        facts=ticket.facts,
        claims=ticket.request,
        employer=ticket.employer,
        employer_name=ticket.employer_name,
        applicant_user=ticket.caller_user,
        person=ticket.person,
        ticket=ticket,
    )
    ctx.wrote(app, details={"number": app.number, "ticket": ticket.number})
    return app


# --- documents ----------------------------------------------------------------------------------


def _is_owner(actor, app) -> bool:
    return bool(getattr(actor, "pk", None)) and app.applicant_user_id == actor.pk


@action("legalaid.add_document")
def add_document(ctx, *, application, kind, upload):
    """Attach a document: the worker to her own application until the union decides, staff
    of the handling union at any time before it is closed."""
    if kind not in DocumentKind.values:
        raise ActionError(_("Choose the kind of document."), code="invalid_choice")
    if _is_owner(ctx.actor, application):
        app = AidApplication.objects.own(ctx.actor).get(pk=application.pk)
        if app.state not in WORKER_EDITABLE:
            raise ActionError(
                _("Documents can be added until the union decides on the application."),
                code="not_editable",
            )
    else:
        app = ctx.require(application, "legalaid.change_aidapplication")
        if app.state in (S.CLOSED, S.REFUSED):
            raise ActionError(_("This application is finished."), code="finished")
    try:
        checked = check_upload(upload)
    except UploadError as exc:
        raise ActionError(exc.message, code=exc.code) from None
    doc = AidDocument(
        application=app,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=ctx.actor,
    )
    doc.content.save(uuid.uuid4().hex + checked.extension, upload, save=False)
    doc.save()
    ctx.wrote(doc, details={"kind": kind, "size": doc.size}, recheck=False)
    ctx.org = app.org
    return doc


# --- review and decision --------------------------------------------------------------------------


@action("legalaid.request_correction", permission="legalaid.review_aidapplication")
def request_correction(ctx, *, application, documents):
    """补正: the worker is told once which documents are missing; the decision clock stops
    until she sends them."""
    app = _load(ctx, application)
    app.correction_request = _text(documents, "documents", 300)
    return _move(ctx, app, "request_correction", "correction_request", note=app.correction_request)


@action("legalaid.resubmit")
def resubmit(ctx, *, application):
    """The missing documents came: the decision clock starts again from today."""
    if _is_owner(ctx.actor, application):
        app = AidApplication.objects.own(ctx.actor).get(pk=application.pk)
        ctx.lock(app)
        recheck = False
    else:
        app = _load(ctx, application, "legalaid.change_aidapplication")
        recheck = "legalaid.change_aidapplication"
    app.complete_at = timezone.now()
    return _move(ctx, app, "resubmit", "complete_at", recheck=recheck)


@action("legalaid.start_review", permission="legalaid.review_aidapplication")
def start_review(ctx, *, application):
    app = _load(ctx, application)
    return _move(ctx, app, "start_review")


def hardship_file_of(app, user) -> HardshipFile | None:
    """Her filed hardship file (困难职工档案), as far as ``user`` may read hardship files."""
    if app.person_id is None:
        return None
    return (
        restrict(HardshipFile, user, "view")
        .filter(applicant_id=app.person_id, state__in=(FileState.FILED, FileState.ADJUSTED))
        .order_by("-pk")
        .first()
    )


@action("legalaid.assess_hardship", permission="legalaid.assess_aidapplication")
def assess_hardship(ctx, *, application, hardship, note=""):
    """The union's 经济困难 assessment: on the hardship file (looked up, never typed),
    certified by the union, or not in hardship; who made it is recorded."""
    app = _load(ctx, application)
    if hardship not in Hardship.values:
        raise ActionError(_("Choose the assessment."), code="invalid_hardship")
    number = ""
    if hardship == Hardship.ON_FILE:
        found = hardship_file_of(app, ctx.actor)
        if found is None:
            raise ActionError(
                _("No filed hardship file of the applicant is visible to you."),
                code="no_hardship_file",
            )
        number = found.number
    app.hardship = hardship
    app.hardship_file_number = number
    app.hardship_note = _text(note, "note", 300, required=hardship == Hardship.CERTIFIED)
    app.hardship_assessed_by = ctx.actor
    app.hardship_assessed_at = timezone.now()
    label = Hardship(hardship).label
    return _move(
        ctx,
        app,
        "assess_hardship",
        "hardship",
        "hardship_file_number",
        "hardship_note",
        "hardship_assessed_by",
        "hardship_assessed_at",
        note=f"{label} {number}".strip(),
    )


@action("legalaid.grant", permission="legalaid.decide_aidapplication")
def grant(ctx, *, application, note=""):
    app = _load(ctx, application)
    if not app.hardship:
        raise ActionError(_("The financial hardship assessment comes first."), code="assess")
    app.decided_at, app.decided_by = timezone.now(), ctx.actor
    _move(ctx, app, "grant", "decided_at", "decided_by", note=_text(note, "note", 300, False))
    _sms(ctx, app, "grant")
    return app


@action("legalaid.refuse", permission="legalaid.decide_aidapplication")
def refuse(ctx, *, application, reason):
    """不予援助: the worker is told the reason (a message and an SMS)."""
    app = _load(ctx, application)
    app.refusal_reason = _text(reason, "reason", 300)
    app.decided_at, app.decided_by = timezone.now(), ctx.actor
    _move(ctx, app, "refuse", "refusal_reason", "decided_at", "decided_by", note=app.refusal_reason)
    _sms(ctx, app, "refuse", reason=app.refusal_reason)
    return app
