"""The public QR join: the one action behind the portal's join form and the public API.

A worker scans a union's poster, proves her phone by an SMS code and applies. Both faces
(``portal.views.join`` and ``members.api_public``) call the two functions here, so they apply
the same checks in the same order:

* ``send_join_code`` - a usable channel, a valid mobile, the SMS service's own limits;
* ``apply_to_join`` - attempts per IP and applications per phone and hour, a usable channel,
  the identifying fields, the target union (the channel's, or the holding pool of the
  district where she lives when her workplace has no union), then the SMS code and the
  application in one transaction.

The invariants of issue #11 hold whatever the face: the answer is the same whether or not the
ID is a member or on file with another phone (``actions.submit_join_request`` and
``members.identity``); a refused application leaves the SMS code unused (the transaction is
rolled back); a wrong guess stays counted (the block is left normally, then the refusal is
raised).

A refusal is a ``JoinRefused`` with a ``code``, a message for the applicant, the ``field`` it
is about (the portal form's field names) and, when rate-limited, ``retry_after`` seconds.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.members.actions import MEMBER_ORG_KINDS, clean_person, submit_join_request
from gonghui.members.models import JoinChannel, JoinRequest
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.orgs.queries import union_directory
from gonghui.platform.pii.fields import index_for
from gonghui.platform.sms.services import (
    CodeInvalid,
    RateLimited,
    SentCode,
    send_login_code,
    verify_login_code,
)
from gonghui.platform.validators import normalize_mobile
from gonghui.platform.workflow.base import ActionError, OutOfScope

# Attempts per IP (any outcome) and applications per phone (any state), per hour.
JOIN_RATE_PER_IP_HOUR = 10
JOIN_RATE_PER_PHONE_HOUR = 3
HOUR = 3600

# The field an action's refusal is about (names of the portal form).
FIELD_OF_CODE = {
    "invalid_name": "name",
    "invalid_id_number": "id_number",
    "invalid_mobile": "phone",
    "invalid_employment_form": "employment_form",
    "employer_required": "employer_name",
    "pool_required": "pool",
    "invalid_pool": "pool",
    "invalid_code": "code",
}


class JoinRefused(Exception):
    """The application (or the code request) is refused; no application was written."""

    def __init__(self, message: str, *, code: str, field: str | None = None, retry_after: int = 0):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field if field is not None else FIELD_OF_CODE.get(code)
        self.retry_after = retry_after


class ChannelClosed(JoinRefused):
    def __init__(self):
        super().__init__(
            _("This join code is no longer valid. Ask the union for a new one."),
            code="channel_closed",
        )


class JoinRateLimited(JoinRefused):
    def __init__(self, message: str, retry_after: int = HOUR):
        super().__init__(message, code="rate_limited", retry_after=retry_after)


def _invalid_mobile() -> JoinRefused:
    return JoinRefused(_("Enter a valid 11-digit mainland mobile number."), code="invalid_mobile")


def _refusal(exc: ActionError) -> JoinRefused:
    return JoinRefused(" ".join(exc.messages), code=getattr(exc, "code", None) or "invalid")


def send_join_code(*, channel: JoinChannel | None, phone: str, ip: str | None) -> SentCode:
    """Send the applicant an SMS code for ``channel`` (as resolved from the scanned token,
    None when forged or no longer usable). Returns the code sent (demo mode shows it)."""
    if channel is None:
        raise ChannelClosed()
    try:
        phone = normalize_mobile(phone or "")
    except ValueError:
        raise _invalid_mobile() from None
    try:
        return send_login_code(phone=phone, ip=ip, purpose="join")
    except RateLimited as exc:
        raise JoinRateLimited(str(exc), exc.retry_after) from None


def count_ip_attempt(ip: str | None) -> int:
    """Count this attempt for the IP and return the count within the hour."""
    key = f"members:join:ip:{ip or 'unknown'}"
    cache.add(key, 0, timeout=HOUR)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=HOUR)
        return 1


def holding_pools():
    """The holding pools an applicant may choose (active ones, anywhere in the city)."""
    return union_directory([OrgKind.HOLDING_POOL])


def resolve_target(channel: JoinChannel, pool_id: int | None) -> tuple[Org, str | None]:
    """The union that receives the application, and the residence region it implies (None:
    the applicant's own answer stands).

    A holding pool's channel submits to that pool. Elsewhere ``pool_id`` says "no union at
    my workplace": the application goes to that district's holding pool. A channel whose
    union cannot hold members (a district federation) needs that choice."""
    org = channel.org
    if org.kind == OrgKind.HOLDING_POOL:
        if pool_id is not None and pool_id != org.pk:
            raise JoinRefused(
                _("This code is for %(org)s; it takes no other district.") % {"org": org.name},
                code="invalid_pool",
            )
        return org, org.region_code
    if pool_id is None:
        if org.kind not in MEMBER_ORG_KINDS:
            raise JoinRefused(_("Choose the district where you live."), code="pool_required")
        return org, None
    pool = holding_pools().filter(pk=pool_id).first()
    if pool is None:
        raise JoinRefused(_("Choose the district where you live."), code="invalid_pool")
    return pool, pool.region_code


def apply_to_join(
    *,
    channel: JoinChannel | None,
    ip: str | None,
    name: str,
    id_number: str,
    phone: str,
    sms_code: str,
    employment_form: str,
    employer_name: str = "",
    employer=None,
    pool_id: int | None = None,
    is_migrant: bool = False,
    residence_region: str = "",
    extra: dict | None = None,
) -> JoinRequest:
    """Apply to join through ``channel`` with the SMS code sent to ``phone``.

    Returns the application (possibly auto-approved: the caller answers the same either way)
    or raises ``JoinRefused``."""
    if count_ip_attempt(ip) > JOIN_RATE_PER_IP_HOUR:
        raise JoinRateLimited(_("Too many applications from this network. Try later."))
    if channel is None:
        raise ChannelClosed()
    try:
        person = clean_person(name=name, id_number=id_number, phone=phone)
    except ActionError as exc:
        raise _refusal(exc) from None
    recent = JoinRequest.objects.filter(
        phone_index=index_for("phone", person.phone),
        submitted_at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    if recent >= JOIN_RATE_PER_PHONE_HOUR:
        raise JoinRateLimited(_("Too many applications for this number. Try later."))
    target, region = resolve_target(channel, pool_id)
    residence = residence_region if region is None else region
    refused = None
    with transaction.atomic():
        try:
            verify_login_code(phone=person.phone, code=sms_code, purpose="join")
        except CodeInvalid as exc:
            # Leaving the block normally keeps the wrong guess counted.
            refused = JoinRefused(str(exc), code="invalid_code")
        else:
            try:
                return submit_join_request(
                    actor=None,
                    org=target,
                    channel=channel,
                    name=person.name,
                    id_number=person.id_number,
                    phone=person.phone,
                    employer=employer,
                    employer_name=employer_name,
                    employment_form=employment_form,
                    is_migrant=is_migrant,
                    residence_region=(residence or "")[:6],
                    extra=extra,
                )
            except ActionError as exc:
                transaction.set_rollback(True)  # the code is not used up
                refused = _refusal(exc)
            except OutOfScope:
                transaction.set_rollback(True)
                refused = ChannelClosed()
    raise refused
