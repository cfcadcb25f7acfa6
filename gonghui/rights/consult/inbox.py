"""The worker's portal messages on her consultation (platform/inbox), written by the declared
transitions; the answered one also sends an SMS (actions.py) without the question."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from gonghui.platform.inbox.registry import Recipient, notify_on
from gonghui.rights.consult.models import Consultation


def _worker(consultation) -> Recipient:
    return Recipient(user=consultation.worker, phone_index=consultation.worker_phone_index or "")


def register() -> None:
    notify_on(
        Consultation,
        recipient=_worker,
        texts={
            "assign": N_("Your legal consultation %(number)s was passed to a union lawyer."),
            "answer": N_(
                "A union lawyer answered your legal consultation %(number)s. Read the answer "
                "and follow up or rate it."
            ),
            "auto_close": N_(
                "Your legal consultation %(number)s was closed as there was no follow-up. You "
                "can still rate the answer, or ask again at any time."
            ),
            "to_ticket": N_(
                "The union took up your legal consultation %(number)s as the 12351 ticket "
                "%(ticket)s and will handle it."
            ),
            "to_mediation": N_(
                "The union opened the mediation case %(ticket)s from your legal consultation "
                "%(number)s."
            ),
            "to_legal_aid": N_(
                "The union opened the legal-aid application %(ticket)s from your legal "
                "consultation %(number)s."
            ),
        },
        quiet=frozenset({"follow_up", "rate"}),
        params=lambda c: {"number": c.number, "ticket": c.converted_number},
        link=lambda c: reverse("portal:consult-detail", args=[c.pk]),
    )
