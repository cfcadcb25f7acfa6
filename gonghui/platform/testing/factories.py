"""factory_boy factories for the platform layer: users, grants, nodes of the org tree and the
platform's own models (audit, access, calendar, imports, idempotency, SMS codes).

The platform imports no app: the user model is ``AUTH_USER_MODEL`` and the org tree is
``GONGHUI_SCOPE_MODEL`` (its ``kind`` values are ``orgs.choices.OrgKind``'s). Factories of
app models live in the app's testing module (``gonghui/<app>/testing.py``), each listing its
factories in ``FACTORIES``; ``gonghui/platform/tests/test_factories.py`` checks that every
concrete model of the project has one and that it builds a valid row.

Rows are written directly (test set-up, not user actions), but through the models' real
machinery: encrypted fields and blind indexes are filled by the model's own ``save``, org
nodes are added with treebeard, audit events are appended to the hash chain by
``record_event``."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import uuid
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from gonghui.platform.access.models import APIToken, RoleGrant, hash_token
from gonghui.platform.access.scoping import scope_model
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.audit.services import record_event
from gonghui.platform.calendar.models import (
    CalendarYear,
    DayKind,
    DeadlineEvent,
    DeadlineEventKind,
    Festival,
    HolidayDate,
)
from gonghui.platform.consent.models import Consent, CorrectionRequest, PrivacyNotice
from gonghui.platform.digest.models import DigestRun
from gonghui.platform.idempotency.models import IdempotencyKey, KeyState
from gonghui.platform.imports.models import (
    ExportRequest,
    ExportState,
    ImportJob,
    ImportKind,
    ImportStatus,
)
from gonghui.platform.inbox.models import Message
from gonghui.platform.pii.fields import index_for
from gonghui.platform.sms.models import OutboxSMS, SMSCode
from gonghui.platform.validators.idcard import id_check_char

_seq = itertools.count(1)
TEST_PASSWORD = "Test-pass-2026!"


# Kinds of the tree's top two levels (values of orgs.choices.OrgKind).
ROOT_KIND = "city_federation"
DEFAULT_KIND = "district_federation"


def root_org():
    Org = scope_model()
    root = Org.objects.get_root_nodes().first()
    if root is None:
        root = Org.objects.add_root(dict(kind=ROOT_KIND, name="重庆市总工会", region_code="500000"))
    return root


def make_org(parent=None, kind: str = DEFAULT_KIND, name: str | None = None, **fields):
    """Create an org directly (test set-up, not a user action)."""
    parent = parent or root_org()
    return scope_model().objects.add_child(
        parent, dict(kind=kind, name=name or f"测试组织{next(_seq)}", **fields)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    kind = "staff"  # accounts.models.UserKind
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class MemberFactory(UserFactory):
    kind = "member"
    is_staff = False
    phone = factory.Sequence(lambda n: f"139{n:08d}")

    @factory.post_generation
    def consents(self, create, extracted, **kwargs):
        """The privacy notices in force she has accepted (test set-up): by default the
        portal's and the hardship application's, so a test of another page starts past them;
        ``consents=()`` makes a worker who has accepted none."""
        if not create:
            return
        from gonghui.platform.consent.testing import accept_for_test

        for purpose in ("portal", "assistance") if extracted is None else extracted:
            accept_for_test(self, purpose)


def grant(user, org, role="org_admin", include_descendants=True, **kw) -> RoleGrant:
    """Give a role directly (test set-up, not a user action)."""
    return RoleGrant.objects.create(
        user=user, org=org, role=role, include_descendants=include_descendants, **kw
    )


def staff_with_role(org, role="org_admin", include_descendants=True, **user_kw):
    user = UserFactory(**user_kw)
    grant(user, org, role, include_descendants)
    return user


# --- identifiers ---------------------------------------------------------------------------

# Factories' people are registered in 渝中区 (500103): the hand-written helpers use 500112
# (gonghui/assistance/testing.py:id_number), so a factory's number never meets theirs.
FACTORY_REGION = "500103"
_FIRST_BIRTH = date(1966, 1, 1)


def id_number_for(n: int, *, region: str = FACTORY_REGION, born: date | None = None) -> str:
    """A valid resident ID number (GB 11643), distinct for every ``n`` >= 0: a thousand
    sequence numbers per birth date, then the next day. An odd 17th digit is a man's."""
    born = born or _FIRST_BIRTH + timedelta(days=n // 1000)
    body = f"{region}{born:%Y%m%d}{n % 1000:03d}"
    return body + id_check_char(body)


def phone_for(n: int, prefix: str = "136") -> str:
    """A valid mainland mobile number, distinct for every ``n`` below 10**8."""
    return f"{prefix}{n % 10**8:08d}"


def gender_of(id_number: str) -> str:
    """``"M"`` or ``"F"`` as the 17th digit says (members.choices.Gender values)."""
    return "M" if int(id_number[16]) % 2 else "F"


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


# --- the platform's models -----------------------------------------------------------------


class OrgFromTree(factory.LazyFunction):
    """A new district-level node under the root (the platform does not know org kinds)."""

    def __init__(self, kind: str = DEFAULT_KIND):
        super().__init__(lambda: make_org(kind=kind))


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    org = OrgFromTree()
    role = "viewer"
    include_descendants = True


class APITokenFactory(factory.django.DjangoModelFactory):
    """A token row as ``create_api_token`` stores it (only the hash); the raw token is on
    the instance as ``raw``. Tests of the real flow use ``platform.testing.tokens``."""

    class Meta:
        model = APIToken

    raw = factory.LazyFunction(lambda: "gh_" + secrets.token_urlsafe(32))
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"集成{n}")
    prefix = factory.LazyAttribute(lambda o: o.raw[:10])
    key_hash = factory.LazyAttribute(lambda o: hash_token(o.raw))
    permissions = factory.LazyFunction(lambda: ["orgs.view_org"])
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raw = kwargs.pop("raw")
        token = model_class(*args, **kwargs)
        token.raw = raw
        return token

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        raw = kwargs.pop("raw")
        token = super()._create(model_class, *args, **kwargs)
        token.raw = raw
        return token


class SMSCodeFactory(factory.django.DjangoModelFactory):
    """An unused login code for ``phone``; ``code`` is the six digits that verify."""

    class Meta:
        model = SMSCode
        exclude = ("phone", "code")

    phone = factory.Sequence(lambda n: phone_for(n, "135"))
    code = "123456"
    phone_index = factory.LazyAttribute(lambda o: index_for("phone", o.phone))
    purpose = "login"
    code_hash = factory.LazyAttribute(lambda o: _sms_hash(o.code, o.phone_index))
    ip = "127.0.0.1"
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(minutes=5))


def _sms_hash(code: str, phone_index: str) -> str:
    from gonghui.platform.sms.services import _hash

    return _hash(code, phone_index)


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A finished roster import (the file is sealed by the default storage, as uploads are)."""

    class Meta:
        model = ImportJob

    kind = ImportKind.MEMBERS
    org = OrgFromTree()
    created_by = factory.SubFactory(UserFactory)
    file = factory.django.FileField(filename="roster.xlsx", data=b"PK\x03\x04 roster")
    original_name = "花名册.xlsx"
    status = ImportStatus.DONE
    total_rows = 10
    processed_rows = 10
    created_count = 10
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    progressed_at = factory.LazyFunction(timezone.now)


class ExportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportRequest

    org = OrgFromTree()
    requested_by = factory.SubFactory(UserFactory)
    filters = factory.LazyFunction(dict)
    row_count = 5000
    purpose = "年度会员统计"
    state = ExportState.PENDING


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyKey

    key = factory.LazyFunction(uuid.uuid4)
    user = factory.SubFactory(UserFactory)
    fingerprint = factory.Sequence(lambda n: hashlib.sha256(f"request {n}".encode()).hexdigest())
    state = KeyState.DONE
    response_status = 200
    response_body = factory.LazyFunction(lambda: {"ok": True})


class CalendarYearFactory(factory.django.DjangoModelFactory):
    """A complete notice year far from the seeded ones (the seed and the test fixture hold
    the real years and this year and next)."""

    class Meta:
        model = CalendarYear
        django_get_or_create = ("year",)

    year = factory.Sequence(lambda n: 2200 + n)
    notice = factory.LazyAttribute(lambda o: f"国办发明电〔{o.year - 1}〕1号")
    complete = True
    source = "tests"


def _weekday_of(year: int, week: int) -> date:
    """The Wednesday of week ``week`` (0-49) of ``year``: always a weekday in that year."""
    first = date(year, 1, 1)
    wednesday = first + timedelta(days=(2 - first.weekday()) % 7)
    return wednesday + timedelta(weeks=week % 50)


class HolidayDateFactory(factory.django.DjangoModelFactory):
    """A weekday off in its notice year (``HolidayDate.clean`` refuses a weekend day off)."""

    class Meta:
        model = HolidayDate

    calendar_year = factory.SubFactory(CalendarYearFactory)
    date = factory.LazyAttributeSequence(lambda o, n: _weekday_of(o.calendar_year.year, n))
    kind = DayKind.DAY_OFF
    festival = Festival.OTHER
    note = "测试假日"


class DeadlineEventFactory(factory.django.DjangoModelFactory):
    """What the nightly run records about an overdue record; the record is the org itself
    (any model would do: the event names it by content type and id)."""

    class Meta:
        model = DeadlineEvent

    rule = "tests.review"
    org = OrgFromTree()
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(scope_model()))
    object_id = factory.LazyAttribute(lambda o: o.org.pk)
    started_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    due_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=2))
    kind = DeadlineEventKind.OVERDUE


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An event appended to the hash chain by the real writer (``record_event``), so that
    ``audit_verify`` still passes. ``org`` sets the event's org path."""

    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    action = "tests.event"
    org = None
    details = factory.LazyFunction(lambda: {"note": "test"})

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        org = kwargs.pop("org", None)
        kwargs.setdefault("org_path", getattr(org, "path", "") or "")
        return model_class(*args, occurred_at=timezone.now(), **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return record_event(
            actor=kwargs.pop("actor"),
            action=kwargs.pop("action"),
            org=kwargs.pop("org", None),
            details=kwargs.pop("details", None),
            **kwargs,
        )


# Every platform model and its factory (gonghui/platform/tests/test_factories.py). The user
# model is an app's (accounts): its factories above are listed in gonghui/accounts/testing.py.
class PrivacyNoticeFactory(factory.django.DjangoModelFactory):
    """A further version of a notice (the migrations publish version 1 of each purpose)."""

    class Meta:
        model = PrivacyNotice

    purpose = "portal"
    version = factory.Sequence(lambda n: 100 + n)
    title = "职工服务个人信息处理告知"
    body = "我们为办理会员业务处理您的手机号码和会员信息。"


class ConsentFactory(factory.django.DjangoModelFactory):
    """A worker's acceptance of a notice version."""

    class Meta:
        model = Consent

    notice = factory.SubFactory(PrivacyNoticeFactory)
    purpose = factory.LazyAttribute(lambda o: o.notice.purpose)
    user = factory.SubFactory(MemberFactory, consents=())
    phone_index = factory.LazyAttribute(lambda o: o.user.phone_index or "")
    channel = "portal"


class CorrectionRequestFactory(factory.django.DjangoModelFactory):
    """A worker's request to correct her data, waiting for her union (``org``)."""

    class Meta:
        model = CorrectionRequest

    user = factory.SubFactory(MemberFactory, consents=())
    org = OrgFromTree()
    record = "会员信息 · 工作单位"
    requested = "重庆某某物流有限公司"
    explanation = "去年已换工作。"


class MessageFactory(factory.django.DjangoModelFactory):
    """An unread message (站内信) to a worker's account."""

    class Meta:
        model = Message

    user = factory.SubFactory(MemberFactory, consents=())
    phone_index = factory.LazyAttribute(lambda o: o.user.phone_index or "")
    topic = "members.transfer"
    object_id = 1
    event = "reject"
    text = "Your transfer to %(to_org)s was not approved."
    params = factory.LazyFunction(lambda: {"to_org": "江北测试公司工会"})
    link = "/m/"


class OutboxSMSFactory(factory.django.DjangoModelFactory):
    """An SMS waiting in the outbox, due now."""

    class Meta:
        model = OutboxSMS

    phone = factory.Sequence(lambda n: phone_for(n, "137"))
    message = "[gonghui] Your application to join 渝北测试公司工会 was received."
    next_attempt_at = factory.LazyFunction(timezone.now)


class DigestRunFactory(factory.django.DjangoModelFactory):
    """Yesterday's digest of a staff user: two join applications were overdue."""

    class Meta:
        model = DigestRun

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    lines = factory.LazyFunction(
        lambda: {
            "/console/members/joinrequest/?age=overdue": {
                "label": "Join applications past their review deadline",
                "group": "Members",
                "count": 2,
                "url": "/console/members/joinrequest/?age=overdue",
            }
        }
    )
    overdue_count = 2
    new_count = 2


FACTORIES = (
    OutboxSMSFactory,
    DigestRunFactory,
    PrivacyNoticeFactory,
    ConsentFactory,
    CorrectionRequestFactory,
    MessageFactory,
    AuditEventFactory,
    RoleGrantFactory,
    APITokenFactory,
    SMSCodeFactory,
    ImportJobFactory,
    ExportRequestFactory,
    IdempotencyKeyFactory,
    CalendarYearFactory,
    HolidayDateFactory,
    DeadlineEventFactory,
)
