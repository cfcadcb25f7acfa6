"""The public join endpoints (no account; the phone is proven by an SMS code).

A thin face over ``members.joining``, the action the portal's join form calls too: the same
checks, rate limits and holding-pool routing. Refusals are answered with the API's one error
body (``platform.api.errors``), naming the field they are about.
"""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from gonghui.members import joining
from gonghui.members.choices import EmploymentForm
from gonghui.members.tokens import channel_for_token
from gonghui.platform.api.errors import error_response
from gonghui.platform.audit.middleware import client_ip

public = Router(tags=["public"])

# The portal form's field names, as this API's body spells them.
API_FIELDS = {"code": "sms_code", "pool": "pool_id"}


class JoinCodeIn(Schema):
    token: str = Field(..., min_length=1, max_length=200)
    phone: str = Field(..., min_length=11, max_length=20)


class JoinCodeOut(Schema):
    sent: bool
    expires_at: datetime


class PublicJoinIn(Schema):
    token: str = Field(..., min_length=1, max_length=200)
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field(..., min_length=15, max_length=18)
    phone: str = Field(..., min_length=11, max_length=20)
    sms_code: str = Field(..., min_length=6, max_length=6)
    employer_name: str = Field(..., min_length=1, max_length=200)
    employment_form: EmploymentForm
    is_migrant: bool = False
    residence_region: str = Field("", max_length=6, pattern=r"^(\d{6})?$")
    pool_id: int | None = Field(
        None,
        description="No union at the applicant's workplace: the id of the holding pool of the "
        "district where she lives (an org of kind holding_pool). The application then goes to "
        "that pool and its district is the residence region. Required when the QR belongs to "
        "a federation that holds no members itself; must be absent (or the pool itself) for a "
        "holding pool's own QR.",
    )


class PublicJoinOut(Schema):
    """The same answer whatever the records say about the ID (a member, on file with
    another phone, or new): the decision reaches the applicant, or the phone on file, by SMS."""

    id: int
    org_name: str
    message: str


def _refused(request, exc: joining.JoinRefused):
    status = 429 if isinstance(exc, joining.JoinRateLimited) else 400
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return error_response(
        request,
        status,
        exc.code,
        exc.message,
        field=API_FIELDS.get(exc.field, exc.field),
        headers=headers,
    )


@public.post(
    "/join/code",
    auth=None,
    response={202: JoinCodeOut, 400: dict, 429: dict},
    summary="Send an SMS code to the applicant's phone",
)
def send_join_code(request, payload: JoinCodeIn):
    try:
        sent = joining.send_join_code(
            channel=channel_for_token(payload.token), phone=payload.phone, ip=client_ip(request)
        )
    except joining.JoinRefused as exc:
        return _refused(request, exc)
    return Status(202, {"sent": True, "expires_at": sent.expires_at})


@public.post(
    "/join/",
    auth=None,
    response={201: PublicJoinOut, 400: dict, 429: dict},
    summary="Apply to join a union from its QR poster",
)
def public_join(request, payload: PublicJoinIn):
    """Attempts are limited per network and applications per phone, each per hour (429 with
    `Retry-After`). A refused application leaves the SMS code usable; a wrong code counts."""
    try:
        join_request = joining.apply_to_join(
            channel=channel_for_token(payload.token),
            ip=client_ip(request),
            name=payload.name,
            id_number=payload.id_number,
            phone=payload.phone,
            sms_code=payload.sms_code,
            employment_form=payload.employment_form,
            employer_name=payload.employer_name,
            pool_id=payload.pool_id,
            is_migrant=payload.is_migrant,
            residence_region=payload.residence_region,
        )
    except joining.JoinRefused as exc:
        return _refused(request, exc)
    return Status(
        201,
        {
            "id": join_request.pk,
            "org_name": join_request.org.name,
            "message": _("Your application was received. We will tell you the result by SMS."),
        },
    )
