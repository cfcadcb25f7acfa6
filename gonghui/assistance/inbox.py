"""The worker's messages (站内信, platform/inbox) on each move of her hardship application:
registered from ``AssistanceConfig.ready()``, written by the declared transitions. The words
say where the case is and what comes next, never what the file holds."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from gonghui.assistance.models import Application
from gonghui.platform.inbox.registry import Recipient, notify_on


def _applicant(application) -> Recipient:
    person = application.applicant
    return Recipient(user=person.user, phone_index=person.phone_index)


def register() -> None:
    notify_on(
        Application,
        recipient=_applicant,
        texts={
            "submit": N_(
                "Your hardship application %(number)s was submitted and waits for the first review."
            ),
            "first_review": N_(
                "Your hardship application %(number)s passed the first review; a home visit "
                "comes next."
            ),
            "home_visit": N_(
                "The home visit for your hardship application %(number)s is done; it is being "
                "verified."
            ),
            "verify": N_("Your hardship application %(number)s was verified and is in publicity."),
            "end_publicity": N_(
                "The publicity of your hardship application %(number)s has ended; it waits for "
                "approval."
            ),
            "objection_upheld": N_(
                "An objection to your hardship application %(number)s was upheld; it is being "
                "verified again."
            ),
            "approve": N_(
                "Your hardship application %(number)s was approved; the aid is being paid."
            ),
            "complete": N_("Your hardship application %(number)s is completed."),
            "return": N_(
                "Your hardship application %(number)s was returned for correction: see what to "
                "change."
            ),
            "reject": N_("Your hardship application %(number)s was not approved."),
            "withdraw": N_("Your hardship application %(number)s was withdrawn."),
        },
        params=lambda a: {"number": a.number},
        link=lambda a: reverse("portal:assistance-detail", args=[a.pk]),
    )
