"""The write path of partner agencies and their accounts (合作机构): a union's administrator
or rights officer keeps the agencies the union works with and creates the accounts through
which each agency's staff read what is referred to it.

A partner account is made here, not by the system administrator, but with the platform's
own rules: the bodies of ``accounts.create_user`` and ``access.grant_role`` run inside one
audited action whose permission is ``rights.add_partneragent``. The exception to 三员分立 is
narrow and fixed in code: the account is always ``kind=partner``, its only role is
``partner_agent`` (which ``grant_role`` refuses to any other kind of account), granted at the
city without descendants (the console needs a grant to open; what the account reads comes
only from the partner scope hooks, see rights/mediation/partner_scope.py). A union cannot make
a staff account or give any other role this way.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gonghui.accounts import actions as account_actions
from gonghui.accounts.models import UserKind
from gonghui.platform.access import actions as access_actions
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.scoping import clear_cache
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators.mobile import MobileError, normalize_mobile
from gonghui.platform.workflow.base import ActionError, action
from gonghui.rights.choices import PartnerKind
from gonghui.rights.models import PartnerAgency, PartnerAgent

PARTNER_ROLE = "partner_agent"
NAME_MAX = PartnerAgency._meta.get_field("name").max_length
ADDRESS_MAX = PartnerAgency._meta.get_field("address").max_length


def _clean_agency(name: str, kind: str, address: str, *, exclude_pk=None) -> tuple[str, str]:
    name = (name or "").strip()
    address = (address or "").strip()
    if not name:
        raise ActionError(_("The agency's name is required."), code="required")
    if len(name) > NAME_MAX or len(address) > ADDRESS_MAX:
        raise ActionError(_("The name or address is too long."), code="too_long")
    if kind not in PartnerKind.values:
        raise ActionError(_("Choose the kind of agency."), code="kind")
    taken = PartnerAgency.objects.filter(name=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        # Agencies are one list for the city: a court is kept once, whichever union added it.
        raise ActionError(_("An agency of this name is already on the list."), code="name_taken")
    return name, address


@action("rights.add_partner_agency", permission="rights.add_partneragency")
def add_agency(ctx, *, org, name: str, kind: str, address: str = "") -> PartnerAgency:
    """Put an agency on the list of the union ``org`` (inside the actor's scope)."""
    org = ctx.require(org)
    name, address = _clean_agency(name, kind, address)
    agency = PartnerAgency.objects.create(org=org, name=name, kind=kind, address=address)
    ctx.wrote(agency, details={"name": name, "kind": kind})
    ctx.org = org
    return agency


@action("rights.change_partner_agency", permission="rights.change_partneragency")
def change_agency(ctx, *, agency, name: str, kind: str, address: str = "") -> PartnerAgency:
    """Correct an agency's name, kind or address."""
    agency = ctx.require(agency)
    ctx.lock(agency)
    name, address = _clean_agency(name, kind, address, exclude_pk=agency.pk)
    before = {"name": agency.name, "kind": agency.kind, "address": agency.address}
    agency.name, agency.kind, agency.address = name, kind, address
    agency.save(update_fields=["name", "kind", "address"])
    after = {"name": name, "kind": kind, "address": address}
    ctx.wrote(agency, details={k: v for k, v in after.items() if before[k] != v})
    ctx.org = agency.org
    return agency


@action("rights.set_partner_agency_active", permission="rights.change_partneragency")
def set_agency_active(ctx, *, agency, active: bool, reason: str = "") -> PartnerAgency:
    """Stop (or resume) working with an agency. While it is out of use its accounts read
    nothing (``partners.agency_id_of`` answers None) and nothing new is referred to it."""
    agency = ctx.require(agency)
    ctx.lock(agency)
    if agency.active == active:
        already = _("The agency is already in use.") if active else _("The agency is out of use.")
        raise ActionError(already, code="unchanged")
    agency.active = active
    agency.save(update_fields=["active"])
    ctx.wrote(agency, details={"active": active, "reason": reason})
    ctx.org = agency.org
    return agency


@action("rights.create_partner_account", permission="rights.add_partneragent")
def create_partner_account(
    ctx, *, agency, username: str, display_name: str, phone: str, password: str
) -> PartnerAgent:
    """An account for one of the agency's staff: ``kind=partner``, the ``partner_agent`` role
    at the city (no descendants), linked to the agency."""
    agency = ctx.require(agency, "rights.add_partneragent")
    if not agency.active:
        raise ActionError(
            _("The agency is out of use: no new accounts are made for it."), code="inactive"
        )
    display_name = (display_name or "").strip()
    if not display_name:
        raise ActionError(_("The account's display name is required."), code="required")
    try:
        phone = normalize_mobile(phone or "")
    except MobileError as exc:
        raise ActionError(exc.message, code="phone") from exc
    User = get_user_model()
    if User.objects.filter(phone_index=index_for("phone", phone)).exists():
        raise ActionError(_("Another account already has this mobile number."), code="phone_taken")
    # The platform's own rules for an account and a grant (unique username, password policy;
    # partner accounts hold only partner_agent), in this one transaction and audit event.
    user = account_actions.create_user.__wrapped__(
        ctx,
        username=username,
        display_name=display_name,
        password=password,
        kind=UserKind.PARTNER,
        agency=agency.name,
    )
    user.phone = phone
    user.save(update_fields=["phone", "phone_index"])
    Org = type(agency.org)
    city = Org.objects.get(path=agency.org.path[: Org.steplen])  # the root of its tree
    access_actions.grant_role.__wrapped__(
        ctx, user=user, org=city, role=PARTNER_ROLE, include_descendants=False
    )
    agent = PartnerAgent.objects.create(user=user, agency=agency)
    ctx.wrote(agent, details={"agency": agency.name, "username": user.username})
    ctx.primary = agent
    ctx.org = agency.org
    return agent


@action("rights.deactivate_partner_account", permission="rights.change_partneragent")
def deactivate_partner_account(ctx, *, agent, reason: str = "") -> PartnerAgent:
    """The person left the agency: the account is switched off and its grant ended, so it is
    out on its next request."""
    agent = ctx.require(agent)
    user = agent.user
    ctx.lock(user)
    if not user.is_active:
        raise ActionError(_("This account is already deactivated."), code="unchanged")
    user.is_active = False
    user.save(update_fields=["is_active"])
    grants = RoleGrant.objects.active().filter(user=user, role=PARTNER_ROLE)
    for grant in grants:
        access_actions.revoke_grant.__wrapped__(ctx, grant=grant)
    clear_cache(user)
    ctx.wrote(agent, details={"username": user.username, "active": False, "reason": reason})
    ctx.primary = agent
    ctx.org = agent.agency.org
    return agent
