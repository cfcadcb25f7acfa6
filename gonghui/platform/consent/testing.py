"""Test set-up: a worker who has already accepted a notice (not a user action)."""

from __future__ import annotations

from gonghui.platform.consent.models import Consent, ConsentChannel
from gonghui.platform.consent.services import current_notice


def accept_for_test(user, purpose: str) -> Consent | None:
    notice = current_notice(purpose)
    if notice is None:
        return None
    return Consent.objects.create(
        notice=notice,
        purpose=purpose,
        user=user,
        phone_index=getattr(user, "phone_index", "") or "",
        separate=bool(notice.sensitive),
        channel=ConsentChannel.PORTAL,
    )
