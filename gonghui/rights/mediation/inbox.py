"""The worker's messages (站内信) on the steps of her mediation case she cares about:
accepted, agreement, failure (with her arbitration limit), 司法确认. Registered from
``MediationConfig.ready()``, written by the declared transitions; the SMS are sent by the
actions (actions.SMS_TEXTS). The message names the union, never a staff member."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from gonghui.platform.inbox.registry import Recipient, notify_on
from gonghui.rights.mediation.models import MediationCase


def _applicant(case) -> Recipient:
    first = case.applicants.first()
    return Recipient(user=case.applicant_user, phone_index=(first.phone_index if first else ""))


def _params(case) -> dict:
    return {
        "number": case.number,
        "org": case.org.name,
        "limit": case.arbitration_deadline.isoformat() if case.arbitration_deadline else "",
        "court": case.confirmation_court,
    }


def register() -> None:
    notify_on(
        MediationCase,
        recipient=_applicant,
        texts={
            "accept": N_("%(org)s accepted your mediation application %(number)s."),
            "agree": N_("Your mediation %(number)s at %(org)s reached an agreement."),
            "fail": N_(
                "Your mediation %(number)s at %(org)s reached no agreement. You may apply for "
                "labour arbitration until %(limit)s."
            ),
            "withdraw": N_("Your mediation %(number)s was withdrawn."),
            "confirm": N_(
                "The agreement of your mediation %(number)s was judicially confirmed by %(court)s."
            ),
        },
        quiet=frozenset({"record_session"}),
        params=_params,
        link=lambda c: reverse("portal:mediation-detail", args=[c.pk]),
    )
