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
from django.utils.crypto import constant_time_compare, salted_hmac

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


# The card's QR opens ``/v/<token>`` on a staff phone, so the token is short: the membership
# id and the expiry (base 36), and 16 characters of an HMAC over them and the card number
# (96 bits: forging one is out of reach). Tokens of the older long form (``signing.dumps``)
# are still read until the last of them expires.
SHORT_SIG_CHARS = 16
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if not n:
            return out


def _card_sig(pk: int, card_no: str, expires: int) -> str:
    mac = salted_hmac(CARD_SALT, f"{pk}:{card_no}:{expires}", algorithm="sha256")
    return mac.hexdigest()[:SHORT_SIG_CHARS]


def card_token(membership: Membership, *, now=None) -> str:
    """The short code in a card's QR: ``<id>-<expiry>-<signature>`` (about 30 characters)."""
    now = now or timezone.now()
    expires = int((now + timedelta(days=CARD_VALID_DAYS)).timestamp())
    sig = _card_sig(membership.pk, membership.card_no, expires)
    return f"{_b36(membership.pk)}-{_b36(expires)}-{sig}"


def card_path(token: str) -> str:
    """The short path a card's QR opens (``/v/<token>``): a staff phone camera opens it."""
    from django.urls import reverse

    return reverse("card-link", args=[token])


def card_code_from_scan(text: str) -> str:
    """The token in what a scanner gun typed: the card's URL (``…/v/<token>``) or the token."""
    text = (text or "").strip()
    marker = "/v/"
    if marker in text:
        text = text.rsplit(marker, 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    return text


def long_card_token(membership: Membership, *, now=None) -> str:
    """The older, long form (kept for the tests of reading it)."""
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
    token = card_code_from_scan(token)
    payload = _short_payload(token) or _long_payload(token)
    if payload is None:
        return CardCheck(False, _("This is not a genuine membership card code."))
    membership = Membership.objects.select_related("person", "org").filter(pk=payload["m"]).first()
    if membership is None or not _card_matches(membership, payload):
        # A short code whose signature does not fit was altered or made up.
        if "sig" in payload:
            return CardCheck(False, _("This is not a genuine membership card code."))
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


def _short_payload(token: str) -> dict | None:
    parts = token.split("-")
    if len(parts) != 3 or len(parts[2]) != SHORT_SIG_CHARS:
        return None
    try:
        pk, expires = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        return None
    return {"m": pk, "e": expires, "sig": parts[2]}


def _long_payload(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=CARD_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or "m" not in payload:
        return None
    return payload


def _card_matches(membership: Membership, payload: dict) -> bool:
    """The signature of a short token, or the card number in a long one, fits this card."""
    if "sig" in payload:
        expected = _card_sig(membership.pk, membership.card_no, payload["e"])
        return constant_time_compare(expected, payload["sig"])
    return membership.card_no == payload.get("c")
