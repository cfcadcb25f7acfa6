"""Reading and giving consent to the privacy notices (models.py). Giving it is an action."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.consent.first_notices import NOTICES, ensure_first_notices
from gonghui.platform.consent.models import Consent, PrivacyNotice
from gonghui.platform.workflow.base import ActionError, action

FIRST_PURPOSES = frozenset(n[0] for n in NOTICES)


def current_notice(purpose: str) -> PrivacyNotice | None:
    """The version of the notice for ``purpose`` in force now (the latest published). Where the
    database holds no version of it at all, version 1 is published first (first_notices.py):
    no join or application is ever taken without a notice to consent to."""
    notice = _latest(purpose)
    if notice is None and purpose in FIRST_PURPOSES:
        ensure_first_notices(PrivacyNotice, purposes={purpose})
        notice = _latest(purpose)
    return notice


def _latest(purpose: str) -> PrivacyNotice | None:
    return (
        PrivacyNotice.objects.filter(purpose=purpose, published_at__lte=timezone.now())
        .order_by("-version")
        .first()
    )


def has_accepted(user, purpose: str, notice: PrivacyNotice | None = None) -> bool:
    """Whether ``user`` accepted the version in force (with its separate consent, where it
    asks for one) and has not withdrawn it. Without a notice in force there is nothing to ask."""
    notice = notice if notice is not None else current_notice(purpose)
    if notice is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    consents = Consent.objects.filter(user=user, notice=notice, withdrawn_at__isnull=True)
    if notice.sensitive:
        consents = consents.filter(separate=True)
    return consents.exists()


def active_consent(user, purpose: str):
    """Her latest consent for ``purpose`` not withdrawn (any version), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True)
        .select_related("notice")
        .order_by("-accepted_at", "-pk")
        .first()
    )


@action("consent.accept_notice", permission=None)
def accept_notice(
    ctx,
    *,
    notice: PrivacyNotice,
    separate: bool,
    channel: str,
    phone_index: str = "",
    subject: str = "",
) -> Consent:
    """Record that the actor (or, on the public join form, the holder of ``phone_index``)
    accepted ``notice``. Refused for a version no longer in force, and when the notice asks a
    separate consent for sensitive information that was not given (PIPL Art. 29)."""
    in_force = current_notice(notice.purpose)
    if in_force is None or in_force.pk != notice.pk:
        raise ActionError(
            _("The privacy notice has changed: read the new version."), code="notice_changed"
        )
    if notice.sensitive and not separate:
        raise ActionError(
            _("Give your separate consent to the processing of sensitive information."),
            code="separate_consent_missing",
        )
    user = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
    consent = Consent.objects.create(
        notice=notice,
        purpose=notice.purpose,
        user=user,
        phone_index=phone_index or getattr(user, "phone_index", "") or "",
        separate=bool(separate and notice.sensitive),
        channel=channel,
        subject=subject,
    )
    ctx.wrote(
        consent,
        details={"purpose": notice.purpose, "version": notice.version, "channel": channel},
    )
    return consent


@action("consent.withdraw_consent", permission=None)
def withdraw_consent(ctx, *, purpose: str) -> int:
    """The actor withdraws her consent for ``purpose`` (as easy as giving it, PIPL Art. 15):
    she is asked again before the portal processes more for that purpose."""
    count = Consent.objects.filter(
        user=ctx.actor, purpose=purpose, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    ctx.details.update({"purpose": purpose, "withdrawn": count})
    return count
