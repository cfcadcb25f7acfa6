"""The public join endpoints (no account; the phone is proven by an SMS code).

An application carries the applicant's consent to the privacy notice in force and, apart from
it, her separate consent to the processing of her ID number (PIPL Art. 14, 29): the same two
ticks the portal's join form asks for. ``GET /join/notice`` gives the text and its version; an
application without both consents, or naming another version, is refused before anything is
processed (``consent_required``, ``notice_changed``), and its error names the version in force.

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
from gonghui.platform.consent.models import ConsentChannel, NoticePurpose
from gonghui.platform.consent.services import accept_notice, current_notice

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
    privacy_notice: bool = Field(
        False,
        description="The applicant read the privacy notice in force (GET /join/notice) and "
        "agrees to it. Required: without it the application is refused (consent_required).",
    )
    sensitive_consent: bool = Field(
        False,
        description="The applicant's separate consent to the processing of her ID number "
        "(sensitive personal information, PIPL Art. 29), given apart from the notice with its "
        "own tick box, in the words of the notice's `sensitive` text. Required when that text "
        "is not empty.",
    )
    notice_version: int | None = Field(
        None,
        description="The version of the privacy notice the applicant was shown. Required; an "
        "application naming an older version is refused (notice_changed) and has to be made "
        "again after she has read the version in force.",
    )


class JoinNoticeOut(Schema):
    """The privacy notice in force for applying to join, as the applicant must be shown it."""

    version: int = Field(..., description="Send it back as `notice_version`.")
    title: str
    body: str = Field(..., description="The notice text, shown in full before she applies.")
    sensitive: str = Field(
        ...,
        description="The text of the separate consent to the processing of her ID number, "
        "with its own tick box (`sensitive_consent`); empty when none is asked.",
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


def _consent_refusal(request, payload: PublicJoinIn):
    """The refusal of an application without the consents the notice in force asks for, or
    ``None``. The message and ``details`` name the version in force."""
    notice = current_notice(NoticePurpose.JOIN)
    if notice is None:
        return None
    params = {"version": notice.version}
    if payload.notice_version is not None and payload.notice_version != notice.version:
        code, field = "notice_changed", "notice_version"
        message = (
            _("The privacy notice has changed: read version %(version)s and apply again.") % params
        )
    elif not payload.privacy_notice or payload.notice_version is None:
        code, field = "consent_required", "privacy_notice"
        message = (
            _("Read the privacy notice (version %(version)s) and agree to it before applying.")
            % params
        )
    elif notice.sensitive and not payload.sensitive_consent:
        code, field = "consent_required", "sensitive_consent"
        message = _(
            "Without your separate consent we cannot process your ID number, and you cannot apply."
        )
    else:
        return None
    details = [
        {
            "loc": ["body", field],
            "message": message,
            "type": code,
            "notice_version": notice.version,
        }
    ]
    return error_response(request, 400, code, message, details=details, field=field)


@public.get(
    "/join/notice",
    auth=None,
    response={200: JoinNoticeOut},
    summary="The privacy notice an applicant must accept to apply",
)
def join_notice(request):
    notice = current_notice(NoticePurpose.JOIN)  # publishes version 1 where there is none
    return {
        "version": notice.version,
        "title": notice.title,
        "body": notice.body,
        "sensitive": notice.sensitive,
    }


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
    `Retry-After`). A refused application leaves the SMS code usable; a wrong code counts.

    The applicant's consent to the privacy notice in force (`privacy_notice`,
    `notice_version`) and her separate consent to the processing of her ID number
    (`sensitive_consent`) are required, as on the portal's join form: without them the answer
    is 400 `consent_required`, for an older version 400 `notice_changed`, each naming the
    version in force in its message and in `details[0].notice_version`. Her consent is recorded
    with the application."""
    refusal = _consent_refusal(request, payload)
    if refusal is not None:
        return refusal
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
    notice = current_notice(NoticePurpose.JOIN)
    if notice is not None:
        # Her consent, as given with the application (the version she was shown).
        accept_notice(
            actor=None,
            notice=notice,
            separate=payload.sensitive_consent,
            channel=ConsentChannel.API,
            phone_index=join_request.phone_index,
            subject=f"members.joinrequest:{join_request.pk}",
        )
    return Status(
        201,
        {
            "id": join_request.pk,
            "org_name": join_request.org.name,
            "message": _("Your application was received. We will tell you the result by SMS."),
        },
    )
