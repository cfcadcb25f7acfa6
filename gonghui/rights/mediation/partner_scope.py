"""The partner scope of mediation (诉调对接): a partner agency's account reads a mediation
case, and the case's rows, iff the case has a referral to or from that agency.

The hook is OR-ed by ``platform.access.scoping.scope_q`` with the user's grant scopes. It
answers only for partner accounts holding a grant (``partners.agency_id_of`` is None for
staff, members and an agency out of use) and only for reading, so it never widens what a
union's staff see. It does not depend on the role carrying the view permissions: a role that
holds only a gate permission (as consult and legal aid do) gets the same rows. The test is
a correlated ``EXISTS`` on the referrals: a case referred twice to the same agency is still
one row.

What a partner reads of the referrals themselves is narrower than the case: only its own
agency's referrals, not those the union exchanged about the same case with another agency.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from gonghui.platform.access.scoping import grant_scopes, permission_name
from gonghui.rights.partners import agency_id_of

# The case's own rows (each with a ``case`` foreign key), read with the case.
CASE_ROWS = ("Applicant", "Claim", "Session", "CaseStep")


def _referred(agency_id: int, case_ref: str) -> Q:
    from gonghui.rights.mediation.models import Referral

    referrals = Referral._base_manager.filter(case_id=OuterRef(case_ref), agency_id=agency_id)
    return Q(Exists(referrals.order_by().values("pk")))


def mediation_partner_scope(user, perm: str, model) -> Q | None:
    """``register_partner_scope`` hook: the filter of ``model`` rows a partner account may
    ``perm``, or None when the hook has nothing to add (not a partner, not a read, not a
    mediation model)."""
    if model._meta.app_label != "mediation" or perm != permission_name(model, "view"):
        return None
    agency_id = agency_id_of(user)
    if agency_id is None or not grant_scopes(user):
        return None  # not a partner, its agency out of use, or its grant ended
    name = model.__name__
    if name == "MediationCase":
        return _referred(agency_id, "pk")
    if name == "Referral":
        return Q(agency_id=agency_id)
    if name in CASE_ROWS:
        return _referred(agency_id, "case_id")
    return None


def register() -> None:
    """Called once, from the mediation app's ``ready()``."""
    from gonghui.platform.access.scoping import register_partner_scope

    register_partner_scope(mediation_partner_scope)
