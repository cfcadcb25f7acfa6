"""The worker's messages (站内信, platform/inbox) on each move of her join application and her
transfer: registered from ``MembersConfig.ready()``, written by the declared transitions."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from gonghui.members.models import JoinRequest, Transfer
from gonghui.platform.inbox.registry import Recipient, notify_on

NOT_APPROVED = N_("Your application to join %(org)s was not approved.")


def _applicant(join_request) -> Recipient:
    """Whoever applied with this phone: her account if she has one, else the phone's hash."""
    user = (
        get_user_model()
        .objects.filter(kind="member", phone_index=join_request.phone_index, is_active=True)
        .first()
    )
    return Recipient(user=user, phone_index=join_request.phone_index)


def _member(transfer) -> Recipient:
    person = transfer.membership.person
    return Recipient(user=person.user, phone_index=person.phone_index)


def register() -> None:
    notify_on(
        JoinRequest,
        recipient=_applicant,
        texts={
            "approve": N_("Your application to join %(org)s was approved. Welcome to the union!"),
            "reject": NOT_APPROVED,
            # The person on file said it was not her: the applicant reads what a refusal says.
            "disown_claim": NOT_APPROVED,
        },
        params=lambda jr: {"org": jr.org.name},
        link=lambda jr: reverse("portal:home"),
    )
    notify_on(
        Transfer,
        recipient=_member,
        texts={
            "approve_sending": N_(
                "%(from_org)s agreed to your transfer to %(to_org)s; the receiving union "
                "reviews it next."
            ),
            "approve_receiving": N_("Your transfer to %(to_org)s is complete."),
            "reject": N_("Your transfer to %(to_org)s was not approved."),
            "cancel": N_("Your transfer request to %(to_org)s was withdrawn."),
        },
        params=lambda t: {"from_org": t.from_org.name, "to_org": t.to_org.name},
        link=lambda t: reverse("portal:home") + "#my-transfers",
    )
