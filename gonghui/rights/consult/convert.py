"""Turning a consultation into a mediation case or a legal-aid application, one action each.

Both apps open their records from a 12351 ticket (``mediation.intake.open_case_from_ticket``,
``legalaid.actions.apply_from_ticket``), so the consultation first becomes a ticket (the
rights intake, category chosen by staff) and the case is opened from it, in the same
transaction: the consultation keeps both links, the worker sees the case's number.
"""

from __future__ import annotations

from gonghui.platform.workflow.base import action
from gonghui.rights.consult.actions import CONVERT, load_for_convert, open_ticket, taken_up
from gonghui.rights.consult.choices import ConvertedTo, Topic

# What a consultation's topic is as a legal-aid case type (legalaid/choices.py CaseType).
CASE_TYPES = {
    Topic.WAGES: "wages",
    Topic.CONTRACT: "labour_contract",
    Topic.INJURY: "work_injury",
    Topic.INSURANCE: "social_insurance",
    Topic.DISMISSAL: "dismissal",
    Topic.OTHER: "other",
}


@action("consult.to_mediation", permission=CONVERT)
def to_mediation(ctx, *, consultation, category, request, employer_name):
    """Open a mediation case for the worker at the union taking it up."""
    from gonghui.rights.mediation.intake import open_case_from_ticket

    consultation = load_for_convert(ctx, consultation)
    ticket = open_ticket(ctx, consultation, category, request, employer_name)
    case = open_case_from_ticket(actor=ctx.actor, ticket=ticket)
    return taken_up(
        ctx, consultation, "to_mediation", ConvertedTo.MEDIATION, ticket, case.number, case.pk
    )


@action("consult.to_legal_aid", permission=CONVERT)
def to_legal_aid(ctx, *, consultation, category, request, employer_name=""):
    """Open a legal-aid application for the worker (a 法律援助 category)."""
    from gonghui.rights.legalaid.actions import apply_from_ticket

    consultation = load_for_convert(ctx, consultation)
    ticket = open_ticket(ctx, consultation, category, request, employer_name)
    application = apply_from_ticket(
        actor=ctx.actor, ticket=ticket, case_type=CASE_TYPES.get(consultation.topic, "other")
    )
    return taken_up(
        ctx,
        consultation,
        "to_legal_aid",
        ConvertedTo.LEGAL_AID,
        ticket,
        application.number,
        application.pk,
    )
