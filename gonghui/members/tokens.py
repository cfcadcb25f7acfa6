"""Signed tokens in QR codes: join links and e-membership cards.

Both are signed with Django's signing (HMAC with SECRET_KEY and a purpose salt), so a QR
cannot be forged or altered; both are also checked against the database, so a revoked
channel or an ended membership stops working at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.utils import timezone

from gonghui.members.choices import MembershipState
from gonghui.members.models import JoinChannel, Membership

JOIN_SALT = "gonghui.members.join"
CARD_SALT = "gonghui.members.card"
CARD_VALID_DAYS = 30


def join_token(channel: JoinChannel) -> str:
    return signing.Signer(salt=JOIN_SALT).sign(channel.token)


def channel_for_token(token: str) -> JoinChannel | None:
    """The channel of a scanned token, or None when forged, unknown, revoked or expired."""
    from gonghui.members.actions import channel_usable

    try:
        raw = signing.Signer(salt=JOIN_SALT).unsign(token or "")
    except signing.BadSignature:
        return None
    channel = JoinChannel.objects.select_related("org").filter(token=raw).first()
    if channel is None or not channel_usable(channel):
        return None
    return channel


def card_token(membership: Membership, *, now=None) -> str:
    now = now or timezone.now()
    payload = {
        "m": membership.pk,
        "c": membership.card_no,
        "i": int(now.timestamp()),
        "e": int((now + timedelta(days=CARD_VALID_DAYS)).timestamp()),
    }
    return signing.dumps(payload, salt=CARD_SALT, compress=True)


@dataclass(frozen=True)
class CardCheck:
    valid: bool
    reason: str
    membership: Membership | None = None


def verify_card(token: str, *, now=None) -> CardCheck:
    """Whether a card QR is genuine, unexpired and belongs to a current member."""
    from django.utils.translation import gettext as _

    now = now or timezone.now()
    try:
        payload = signing.loads((token or "").strip(), salt=CARD_SALT)
    except signing.BadSignature:
        return CardCheck(False, _("This is not a genuine membership card code."))
    if not isinstance(payload, dict) or "m" not in payload:
        return CardCheck(False, _("This is not a genuine membership card code."))
    membership = Membership.objects.select_related("person", "org").filter(pk=payload["m"]).first()
    if membership is None or membership.card_no != payload.get("c"):
        return CardCheck(False, _("This card does not exist."))
    if payload.get("e", 0) < now.timestamp():
        return CardCheck(
            False,
            _("This card code has expired: ask the member to open the card again."),
            membership,
        )
    if membership.state not in (
        MembershipState.ACTIVE,
        MembershipState.RETAINED,
        MembershipState.TRANSFERRING,
    ):
        return CardCheck(False, _("This membership has ended."), membership)
    return CardCheck(True, _("Valid membership card."), membership)
