"""The public notice (网上公示) of hardship cases: what anyone may read about a case in
publicity, and how the public page names a case without an id that could be counted.

**Which cases.** Those of a union *and of every union below it* whose publicity runs today
(state 公示, ``publicity_start <= today <= publicity_end``). The online publicity is made by the
assistance centre (帮扶中心) of the district level or above for the cases of the unions it
covers (reference/domain.md §2.2, step 5 of the online platform, S37; the centre verifies
at ``GONGHUI_ASSISTANCE_VERIFY_DEPTH``): a district's page is that centre's notice of all its
cases, while a grassroots union's page lists its own members' cases, where coworkers who know
the applicant look. A case is public nowhere once its publicity has ended or before it starts.

**What is shown** (the fields a 公示 notice carries): the applicant's surname and one
asterisk (张*, which does not even tell the length of the given name), the union that filed
the case, each kind of aid with the amount verified by the centre (核定金额), and the
publicity period. Never the ID number, phone, household, health, situation, hardship tier, the
case's number or its database id: a case is named on the page by :func:`case_token`, a keyed
hash that cannot be guessed or counted and changes when the case is published again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.crypto import constant_time_compare, salted_hmac

from gonghui.assistance.choices import NON_MONEY_AID, ApplicationState
from gonghui.assistance.models import AidItem, Application
from gonghui.orgs.choices import OrgStatus
from gonghui.orgs.models import Org

_TOKEN_SALT = "gonghui.assistance.publicity"  # noqa: S105 - a key salt, not a secret


@dataclass
class PublicAid:
    label: str
    amount: Decimal | None  # None: help that is not money (a referral)


@dataclass
class PublicCase:
    """One case as the public page shows it: nothing else leaves this module."""

    token: str
    name: str
    union: str
    start: date
    end: date
    aids: list[PublicAid] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.aids if a.amount is not None), start=Decimal("0.00"))


def public_name(name: str) -> str:
    """``张三丰`` → ``张*``: the surname only, one asterisk whatever the given name's length."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else "*"


def case_token(application: Application) -> str:
    """The case's name on the public page: a keyed hash of its id and publicity start."""
    start = application.publicity_start.isoformat() if application.publicity_start else ""
    value = f"{application.pk}:{start}"
    return salted_hmac(_TOKEN_SALT, value, algorithm="sha256").hexdigest()[:24]


def notice_org(org_id: int) -> Org | None:
    """The union whose notice is asked for: an active org, else None (the page answers 404)."""
    return Org.objects.filter(pk=org_id, status=OrgStatus.ACTIVE).first()


def _in_publicity(org: Org, today: date):
    items = AidItem.objects.order_by("pk")
    return (
        Application.objects.filter(
            state=ApplicationState.PUBLICITY,
            publicity_start__lte=today,
            publicity_end__gte=today,
            org__path__startswith=org.path,
        )
        .select_related("org", "applicant")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("-publicity_start", "org__path", "pk")
    )


def _public(application: Application) -> PublicCase:
    aids = []
    for item in application.items.all():
        if item.aid_type in NON_MONEY_AID or item.amount_requested is None:
            aids.append(PublicAid(str(item.get_aid_type_display()), None))
            continue
        # Verification sets the amount published (核定金额); one verified to nothing is not
        # proposed at all.
        amount = item.amount_verified if item.amount_verified is not None else None
        if amount is None or amount <= 0:
            continue
        aids.append(PublicAid(str(item.get_aid_type_display()), amount))
    return PublicCase(
        token=case_token(application),
        name=public_name(application.applicant.name),
        union=application.org.name,
        start=application.publicity_start,
        end=application.publicity_end,
        aids=aids,
    )


def cases_in_publicity(org: Org, today: date) -> list[PublicCase]:
    """The cases of ``org`` and below whose publicity runs ``today``, as the public sees them."""
    return [_public(app) for app in _in_publicity(org, today)]


def find_case(org: Org, token: str, today: date) -> Application | None:
    """The case named ``token`` on ``org``'s notice today, or None (ended, unknown, forged)."""
    for application in _in_publicity(org, today):
        if constant_time_compare(case_token(application), token or ""):
            return application
    return None


def public_case(application: Application) -> PublicCase:
    return _public(application)
