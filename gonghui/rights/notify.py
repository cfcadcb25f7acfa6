"""What the caller is told by SMS, and the portal message on receipt.

Each step she should know about sends one SMS to the phone she called from (a non-member who
phoned the hotline too), through the platform's outbox after the action commits
(``queue_sms``; a refused or rolled-back step sends nothing): received (with the ticket
number), dispatched to a union (its name), resolved (the reply is on her page), handled again,
closed, answered on the call. The text names the ticket and the union, never what happened
nor a staff member.

The portal messages of the transitions are ``inbox.py``'s; the receipt is no transition (the
ticket is created), so its message is written here, in the intake's transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from gonghui.platform.inbox.models import Message
from gonghui.platform.inbox.registry import topic_of
from gonghui.platform.sms.outbox import queue_sms
from gonghui.platform.workflow.transitions import listen
from gonghui.rights.models import Ticket

RECEIVED = N_("[12351] Your ticket %(number)s was received. Follow it on the union's mobile site.")
SMS_TEXTS = {
    "dispatch": N_("[12351] Your ticket %(number)s was sent to %(org)s to be handled."),
    "resolve": N_(
        "[12351] Your ticket %(number)s has been handled: the reply is on your ticket's page "
        "on the union's mobile site."
    ),
    "reopen": N_("[12351] Your ticket %(number)s is being handled again by %(org)s."),
    "close": N_("[12351] Your ticket %(number)s is closed. Thank you."),
    "answer_close": N_(
        "[12351] Your question %(number)s was answered and closed. The answer is on your "
        "ticket's page on the union's mobile site."
    ),
}
PORTAL_RECEIVED = N_("Your ticket %(number)s was received by the 12351 hotline.")


def sms_text(event: str, ticket: Ticket) -> str:
    """The SMS of ``event`` in the platform's language (Chinese), whoever's request it is."""
    msgid = RECEIVED if event == "receive" else SMS_TEXTS[event]
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) % {"number": ticket.number, "org": ticket.org.name}


def _send(ctx, event: str, ticket: Ticket) -> None:
    phone = (ticket.caller_phone or "").strip()
    if phone:
        ctx.on_commit(queue_sms(phone, sms_text(event, ticket)))


def received(ctx, ticket: Ticket) -> None:
    """On intake: the SMS with her ticket number, and the portal message."""
    _send(ctx, "receive", ticket)
    user = ticket.caller_user
    if user is None and not ticket.caller_phone_index:
        return
    now = timezone.now()
    own = user is not None and getattr(ctx.actor, "pk", None) == user.pk
    Message.objects.create(
        user=user,
        phone_index=ticket.caller_phone_index or getattr(user, "phone_index", "") or "",
        topic=topic_of(Ticket),
        object_id=ticket.pk,
        event="receive",
        text=PORTAL_RECEIVED,
        params={"number": ticket.number},
        link=reverse("portal:rights-detail", args=[ticket.pk]),
        created_at=now,
        # Filed by herself on /m/: on record, not news (she is shown the number there).
        read_at=now if own else None,
    )


def on_transition(ctx, obj, transition, before) -> None:
    """The workflow listener: one SMS for the caller on the steps in ``SMS_TEXTS``."""
    if isinstance(obj, Ticket) and transition.name in SMS_TEXTS:
        _send(ctx, transition.name, obj)


def register() -> None:
    listen(on_transition)
