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


def api_join_consent() -> dict:
    """The consent fields of a public join API application, as an applicant who ticked both
    boxes of the notice in force sends them."""
    notice = current_notice("join")
    return {
        "privacy_notice": True,
        "sensitive_consent": True,
        "notice_version": notice.version if notice is not None else None,
    }
