"""The worker's messages (站内信, platform/inbox) on each step of her ticket she should know
about: registered from ``RightsConfig.ready()``, written by the declared transitions. The
message names the handling union, never a staff member."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from gonghui.platform.inbox.registry import Recipient, notify_on
from gonghui.rights.models import Ticket


def _caller(ticket) -> Recipient:
    return Recipient(user=ticket.caller_user, phone_index=ticket.caller_phone_index or "")


def register() -> None:
    notify_on(
        Ticket,
        recipient=_caller,
        texts={
            "dispatch": N_("Your ticket %(number)s was sent to %(org)s to be handled."),
            "accept": N_("%(org)s signed for your ticket %(number)s and is handling it."),
            "approve_extension": N_(
                "%(org)s was given more time to handle your ticket %(number)s."
            ),
            "resolve": N_(
                "%(org)s finished handling your ticket %(number)s. Read the reply and tell us "
                "whether you are satisfied."
            ),
            "reopen": N_("Your ticket %(number)s is being handled again by %(org)s."),
            "close": N_("Your ticket %(number)s is closed. Thank you."),
            "answer_close": N_("Your question %(number)s was answered and closed."),
        },
        quiet=frozenset({"classify", "return_ticket", "visit_back", "rate"}),
        params=lambda t: {"number": t.number, "org": t.org.name},
        link=lambda t: reverse("portal:rights-detail", args=[t.pk]),
    )
