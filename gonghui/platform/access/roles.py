"""The role registry: each role maps to the permission names it carries.

Permissions are named ``<app_label>.<action>_<model>`` like Django's, plus a few verbs that
are not about one model (``pii.reveal_phone``). A grant gives a role at an org, optionally
for the whole subtree below it. Roles are code, grants are data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


def crud(label: str, *, delete: bool = False) -> set[str]:
    app, model = label.split(".")
    perms = {f"{app}.view_{model}", f"{app}.add_{model}", f"{app}.change_{model}"}
    if delete:
        perms.add(f"{app}.delete_{model}")
    return perms


def view(*labels: str) -> set[str]:
    return {f"{app}.view_{model}" for app, model in (lbl.split(".") for lbl in labels)}


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    permissions: frozenset[str]
    # 三员 roles: mutually exclusive for one user, and never any business data.
    officer: bool = False
    description: str = ""
    extra: dict = field(default_factory=dict)


ORG_READ = view("orgs.org", "orgs.employer")
# What the nightly deadline run found in one's subtree or escalated to it (督办): every role
# that does workflow work reads it; the rows are written by the run, never by hand.
DEADLINES = view("calendar.deadlineevent")
ORG_BUILDING = (
    crud("orgs.foundingapplication")
    | crud("orgs.term")
    | crud("orgs.official")
    | crud("orgs.teammember")
    | crud("orgs.dutylist")
    | crud("orgs.dutyletter")
    | {"orgs.approve_foundingapplication"}
)
MEMBER_READ = view(
    "members.person",
    "members.membership",
    "members.joinrequest",
    "members.transfer",
    "members.joinchannel",
)
MEMBER_WRITE = (
    crud("members.person")
    | crud("members.membership")
    | crud("members.joinrequest")
    | crud("members.joinchannel")
    | crud("members.transfer")
    # A worker's request to correct her data (platform/consent/corrections.py): handled by
    # whoever keeps her union's member records.
    | view("consent.correctionrequest")
    | {"consent.change_correctionrequest"}
    | {
        "members.approve_joinrequest",
        "members.approve_transfer",
        "members.import_roster",
        "members.export_membership",
        "members.approve_export",
    }
)

ASSISTANCE_READ = view(
    "assistance.hardshipfile",
    "assistance.application",
    "assistance.objection",  # listed on the case page of whoever reads the case
    "assistance.aiditem",
    "assistance.budget",
    "assistance.payment",
    "assistance.paymentbatch",
    "assistance.campaign",
    "assistance.visit",
    "assistance.annualreview",
    "assistance.reviewentry",
)

# The holiday calendar (法定节假日 and 调休 dates of each State Council notice): platform
# settings that every deadline depends on, entered by the system administrator. Business roles
# see deadlines on their records, not the table.
CALENDAR_ADMIN = crud("calendar.calendaryear") | crud("calendar.holidaydate", delete=True)

# The partner agencies a union works with (合作机构) and their accounts: kept by the union's
# administrator and rights officer (rights/partner_actions.py, rights/partner_admin.py).
PARTNER_KEEPING = crud("rights.partneragency") | crud("rights.partneragent")

_ROLE_DEFS = [
    Role(
        "org_admin",
        _("Union administrator"),
        frozenset(
            crud("orgs.org")
            | DEADLINES
            | crud("orgs.employer")
            | MEMBER_WRITE
            | ORG_BUILDING
            | PARTNER_KEEPING
            | {"pii.reveal_phone", "pii.reveal_id_number", "orgs.export_org"}
            | view(
                "mediation.mediationcase",
                "mediation.applicant",
                "mediation.claim",
                "mediation.session",
                "mediation.casestep",
                "mediation.referral",
            )
        ),
        description=_("Manages the organisations and members of its subtree."),
    ),
    Role(
        "membership_officer",
        _("Membership officer"),
        frozenset(
            ORG_READ | DEADLINES | MEMBER_WRITE | {"pii.reveal_phone", "pii.reveal_id_number"}
        ),
    ),
    Role(
        "assistance_officer",
        _("Assistance officer"),
        frozenset(
            ORG_READ
            | DEADLINES
            | MEMBER_READ
            | ASSISTANCE_READ
            | crud("assistance.hardshipfile")
            | crud("assistance.application")
            | crud("assistance.campaign")
            | crud("assistance.visit")
            | {
                "assistance.view_sensitive",
                "assistance.first_review_application",
                "assistance.visit_application",
                "assistance.publicise_application",
                "assistance.import_visit",
            }
            # Legal aid's 经济困难 assessment: the assistance officer who keeps the hardship
            # files records it on the application (rights/legalaid/actions.py).
            | view("legalaid.aidapplication", "legalaid.aidstep", "legalaid.aiddocument")
            | {"legalaid.assess_aidapplication"}
        ),
        description=_("Files hardship cases, first-reviews and visits; runs condolence visits."),
    ),
    Role(
        "assistance_reviewer",
        _("Assistance reviewer"),
        frozenset(
            ORG_READ
            | DEADLINES
            | MEMBER_READ
            | ASSISTANCE_READ
            | view("assistance.campaign", "assistance.visit")
            | {
                "assistance.view_sensitive",
                "assistance.verify_application",
                "assistance.publicise_application",
                "assistance.review_hardshipfile",
                "assistance.change_reviewentry",
                "assistance.add_annualreview",
                # Calling back whoever objected on the public notice (and the applicants it
                # verifies): each full number revealed for a stated purpose, audited.
                "pii.reveal_phone",
            }
        ),
        description=_(
            "The assistance centre: verifies cases, runs publicity and the annual review."
        ),
    ),
    Role(
        "assistance_approver",
        _("Assistance approver"),
        frozenset(
            ORG_READ
            | DEADLINES
            | MEMBER_READ
            | ASSISTANCE_READ
            | {"assistance.view_sensitive", "assistance.approve_application"}
        ),
        description=_("Approves aid at the level the amount requires."),
    ),
    Role(
        "finance_officer",
        _("Finance officer"),
        frozenset(
            ORG_READ
            | ASSISTANCE_READ
            | crud("assistance.budget")
            | crud("assistance.paymentbatch")
            | {
                "assistance.pay_aiditem",
                "assistance.export_paymentbatch",
                "pii.reveal_bank_card",
            }
        ),
        description=_("Budgets, payment batches, bank files and payment results."),
    ),
    Role(
        "rights_officer",
        _("Rights officer"),
        frozenset(
            ORG_READ
            | DEADLINES
            | MEMBER_READ
            | crud("rights.ticket")
            | PARTNER_KEEPING
            | crud("mediation.mediationcase")
            | view(
                "mediation.mediationcase",
                "mediation.applicant",
                "mediation.claim",
                "mediation.session",
                "mediation.casestep",
                "mediation.referral",
            )
            # Mediation (rights/mediation/workflows.py): accept it and sign for a referral,
            # mediate and record the outcome, refer it out to an agency.
            | {"mediation.accept_mediationcase", "mediation.mediate_mediationcase"}
            | {"mediation.refer_mediationcase"}
            # Legal aid (rights/legalaid/workflows.py): take, review, assess, decide, assign
            # the lawyer; the union's own lawyers record progress and the outcome.
            | crud("legalaid.aidapplication")
            | view("legalaid.aidstep", "legalaid.aiddocument")
            | {f"legalaid.{v}_aidapplication" for v in ("review", "assess", "decide")}
            | {"legalaid.assign_aidapplication", "legalaid.handle_aidapplication"}
            | view("rights.ticketstep", "rights.ticketcategory", "rights.ticketdeadline")
            | view("rights.knowledgeanswer")
            # 12351 tickets (rights/workflows.py): sign for, return, handle and resolve at
            # one's own union, dispatch further down, decide the extensions of unions below.
            | {"rights.handle_ticket", "rights.dispatch_ticket", "rights.approve_ticket"}
            # Legal consultations (rights/consult): the queue, assign a law firm, take it up.
            | view("consult.consultation", "consult.message")
            | {"consult.assign_consultation", "consult.convert_consultation"}
        ),
        description=_("Handles the 12351 tickets dispatched to the union."),
    ),
    Role(
        "hotline_operator",
        _("12351 hotline operator"),
        frozenset(
            ORG_READ
            | DEADLINES
            | crud("rights.ticket")
            | crud("rights.ticketcategory")
            | crud("rights.ticketdeadline")
            | crud("rights.knowledgeanswer")
            | view("rights.ticketstep")
            # Takes the calls, classifies and dispatches, visits back, checks and closes; calls
            # the worker back (回访) with her full number, revealed for a purpose and audited.
            | {"rights.dispatch_ticket", "rights.visit_ticket", "pii.reveal_phone"}
            | view("consult.consultation", "consult.message")
            | {"consult.assign_consultation", "consult.convert_consultation"}
        ),
        description=_("Takes 12351 calls, dispatches the tickets, visits back and closes."),
    ),
    Role(
        "viewer",
        _("Viewer (read only)"),
        frozenset(
            ORG_READ
            | DEADLINES
            | MEMBER_READ
            | view(
                "orgs.foundingapplication",
                "orgs.term",
                "orgs.official",
                "orgs.teammember",
                "orgs.dutylist",
                "orgs.dutyletter",
            )
            | ASSISTANCE_READ
            | view("legalaid.aidapplication", "legalaid.aidstep", "legalaid.aiddocument")
            | view(
                "mediation.mediationcase",
                "mediation.applicant",
                "mediation.claim",
                "mediation.session",
                "mediation.casestep",
                "mediation.referral",
            )
        ),
    ),
    Role(
        "partner_agent",
        _("Partner agency agent"),
        # Reads only what is referred to or assigned to its agency: the partner scope hooks
        # (rights/mediation, consult and legalaid partner_scope.py) decide the rows. The role
        # carries no view permission of a scoped model on purpose: restrict() would add the
        # grant's org-tree part to the hooks' rows, and the grant (at the city) only lets the
        # account into the console. Pages admit partners by their agency (agency_id_of).
        frozenset(
            # A law firm's lawyers answer the consultations assigned to it: a gate only, never
            # passed to restrict (rights/consult/partner_scope.py decides the rows).
            {"consult.answer_as_lawyer"}
        ),
        description=_("A court's, agency's or law firm's staff: reads what is referred to it."),
    ),
    Role(
        "system_admin",
        _("System administrator"),
        frozenset(
            crud("accounts.user")
            | CALENDAR_ADMIN
            | {"platform.manage_settings", "platform.run_backups"}
        ),
        officer=True,
        description=_("Accounts, backups and settings; no business data."),
    ),
    Role(
        "security_admin",
        _("Security administrator"),
        frozenset(
            view("accounts.user")
            | {"orgs.pick_org"}
            | crud("access.rolegrant", delete=True)
            | crud("access.apitoken", delete=True)
            | {"accounts.unlock_user", "accounts.reset_otp"}
        ),
        officer=True,
        description=_("Roles, grants, security policy and unlocks; no business data."),
    ),
    Role(
        "audit_admin",
        _("Audit administrator"),
        frozenset(view("audit.auditevent")),
        officer=True,
        description=_("Reads the audit log and nothing else."),
    ),
]

ROLES: dict[str, Role] = {role.name: role for role in _ROLE_DEFS}
ROLE_CHOICES = [(role.name, role.label) for role in _ROLE_DEFS]
OFFICER_ROLES = frozenset(name for name, role in ROLES.items() if role.officer)
# Permissions that read unscoped administrative data; only officers carry them.
UNSCOPED_MODELS = frozenset(
    {
        "accounts.user",
        "access.rolegrant",
        "access.apitoken",
        "audit.auditevent",
        "calendar.calendaryear",
        "calendar.holidaydate",
    }
)


def permissions_of(role: str) -> frozenset[str]:
    return ROLES[role].permissions
