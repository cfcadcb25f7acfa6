"""Partner agencies (courts, procuratorates, arbitration commissions, justice bureaus, law
firms) and the partner accounts that act for them.

A partner account (``User.kind == partner``, role ``partner_agent``) belongs to exactly one
agency. It is never scoped by the org tree: each rights app that shares records with partners
(mediation referrals, consultations answered by a law firm, legal-aid lawyers) registers a
partner scope hook (``platform.access.scoping.register_partner_scope``) that opens only the
records referred to or assigned to the account's agency. :func:`agency_id_of` is the one read
those hooks share.
"""

from __future__ import annotations

from gonghui.rights.models import PartnerAgent

_CACHE_ATTR = "_rights_partner_agency_id"


def agency_id_of(user) -> int | None:
    """The id of the agency ``user`` acts for, or None (staff, members, anonymous), cached on
    the user object for the request like the grant scopes."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "kind", None) != "partner":
        return None
    if hasattr(user, _CACHE_ATTR):
        return getattr(user, _CACHE_ATTR)
    agency_id = (
        PartnerAgent.objects.filter(user_id=user.pk, agency__active=True)
        .values_list("agency_id", flat=True)
        .first()
    )
    setattr(user, _CACHE_ATTR, agency_id)
    return agency_id


class PartnerReadable:
    """A console admin whose rows partner accounts read too. Their role holds no view
    permission (on a city grant it would open the city union's own records): an account acting
    for an agency in use is admitted to the pages, and ``restrict`` gives it only the rows its
    agency's partner scope opens (mediation/partner_scope.py, legalaid/partner_scope.py)."""

    def has_module_permission(self, request):
        return super().has_module_permission(request) or agency_id_of(request.user) is not None

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or agency_id_of(request.user) is not None
