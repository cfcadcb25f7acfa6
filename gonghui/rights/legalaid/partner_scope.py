"""What a law firm's partner accounts see of legal aid: the applications whose assigned
lawyer belongs to their firm (``lawyer_agency``), with their steps and documents — never by
the org tree, and never anything for a staff account (``agency_id_of`` is None for staff).

Registered from ``LegalAidConfig.ready`` with ``register_partner_scope``. The hook opens
reading and the lawyer's own work (``legalaid.handle_aidapplication``: progress and outcome);
the union's steps (review, decision, assignment) stay with the union.
"""

from __future__ import annotations

from django.db.models import Q

from gonghui.rights.partners import agency_id_of

# model label -> (the permissions the hook opens, the path to the assigned firm)
_OPENED = {
    "legalaid.AidApplication": (
        {"legalaid.view_aidapplication", "legalaid.handle_aidapplication"},
        "lawyer_agency_id",
    ),
    "legalaid.AidStep": ({"legalaid.view_aidstep"}, "application__lawyer_agency_id"),
    "legalaid.AidDocument": ({"legalaid.view_aiddocument"}, "application__lawyer_agency_id"),
}


def legal_aid_scope(user, perm: str, model) -> Q | None:
    opened = _OPENED.get(model._meta.label)
    if opened is None or perm not in opened[0]:
        return None
    agency = agency_id_of(user)
    if agency is None:
        return None
    return Q(**{opened[1]: agency})


def register() -> None:
    from gonghui.platform.access.scoping import register_partner_scope

    register_partner_scope(legal_aid_scope)
