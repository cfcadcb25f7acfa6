"""The worker's messages (站内信) on the steps of her legal-aid application she should know
about: registered from ``LegalAidConfig.ready()``, written by the declared transitions. The
message names the union and, once assigned, the lawyer's firm — never a staff member."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from gonghui.platform.inbox.registry import Recipient, notify_on
from gonghui.rights.legalaid.models import AidApplication


def _applicant(app) -> Recipient:
    return Recipient(user=app.applicant_user, phone_index=app.applicant_phone_index or "")


def _params(app) -> dict:
    return {
        "number": app.number,
        "org": app.org.name,
        "firm": app.lawyer_agency.name if app.lawyer_agency_id else app.org.name,
        "reason": app.refusal_reason,
        "documents": app.correction_request,
        "outcome": app.get_outcome_display() if app.outcome else "",
    }


def register() -> None:
    notify_on(
        AidApplication,
        recipient=_applicant,
        texts={
            "request_correction": N_(
                "%(org)s needs more documents for your legal-aid application %(number)s: "
                "%(documents)s"
            ),
            "start_review": N_("%(org)s is reviewing your legal-aid application %(number)s."),
            "grant": N_(
                "%(org)s granted legal aid for %(number)s. A lawyer will be assigned within 3 days."
            ),
            "refuse": N_("%(org)s did not grant legal aid for %(number)s: %(reason)s"),
            "assign_lawyer": N_(
                "A lawyer of %(firm)s will act for you in %(number)s and will contact you."
            ),
            "take_up": N_("The lawyer of %(firm)s has taken up your case %(number)s."),
            "close_case": N_("Your legal-aid case %(number)s is closed: %(outcome)s."),
        },
        quiet=frozenset({"resubmit", "assess_hardship", "record_progress"}),
        params=_params,
        link=lambda app: reverse("portal:legal-aid-detail", args=[app.pk]),
    )
