"""The partner scope of legal consultations: a lawyer (a partner account of a law firm,
rights/partners.py) sees exactly the consultations assigned to her firm and their messages —
registered in ``ConsultConfig.ready`` with ``register_partner_scope``.

The partner role carries no consultation permission that ``restrict`` would widen by the
org tree (its grant sits at the city): only ``consult.answer_as_lawyer``, which gates the
lawyer's pages and the answer action and is never passed to ``restrict``. The hook answers
only for partner accounts, so a staff user's scope is never widened by it.
"""

from __future__ import annotations

from django.db.models import Q

from gonghui.rights.consult.models import Consultation, Message
from gonghui.rights.partners import agency_id_of

READS = {
    Consultation: ("consult.view_consultation", "agency_id"),
    Message: ("consult.view_message", "consultation__agency_id"),
}


def consultation_partner_scope(user, perm, model) -> Q | None:
    found = READS.get(model)
    if found is None or perm != found[0]:
        return None
    agency_id = agency_id_of(user)
    if agency_id is None:
        return None
    return Q(**{found[1]: agency_id})


def register() -> None:
    from gonghui.platform.access.scoping import register_partner_scope

    register_partner_scope(consultation_partner_scope)
