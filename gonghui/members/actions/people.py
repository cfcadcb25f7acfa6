"""Person records and memberships as every entry point builds them: the identifying fields
checked the same way (portal, console, API, importer), the person found city-wide by ID, the
membership created with its card number, the member account linked by phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from gonghui.members import identity
from gonghui.members.choices import CURRENT_STATES, EmploymentForm, MembershipState
from gonghui.members.models import Membership, Person
from gonghui.orgs.choices import OrgKind, OrgStatus
from gonghui.orgs.models import Org
from gonghui.platform.feeds import summaries
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators import normalize_mobile, parse_id_number
from gonghui.platform.workflow.base import ActionError, action
from gonghui.platform.workflow.transitions import machine_for

# Unions that can hold members directly.
MEMBER_ORG_KINDS = frozenset(
    {
        OrgKind.GRASSROOTS,
        OrgKind.HOLDING_POOL,
        OrgKind.UNION_FEDERATION,
        OrgKind.TOWNSHIP_FEDERATION,
    }
)


# --- validation shared by the portal, the console, the API and the importer ----------------


@dataclass(frozen=True)
class CleanPerson:
    name: str
    id_number: str
    phone: str
    gender: str
    birth_date: date


def clean_person(
    *,
    name: str,
    id_number: str,
    phone: str,
    allow_legacy_15: bool = False,
) -> CleanPerson:
    """Validate the three identifying fields the way every entry point needs them."""
    name = " ".join((name or "").split())
    if not name or len(name) > 50:
        raise ActionError(
            _("Enter the name as on the ID card (at most 50 characters)."), code="invalid_name"
        )
    try:
        info = parse_id_number(id_number or "", allow_legacy_15=allow_legacy_15)
    except ValueError as exc:
        raise ActionError(
            _("The ID number is not valid: check the 18 characters (the last may be X)."),
            code="invalid_id_number",
        ) from exc
    try:
        mobile = normalize_mobile(phone or "")
    except ValueError as exc:
        raise ActionError(
            _("Enter a valid 11-digit mainland mobile number."), code="invalid_mobile"
        ) from exc
    return CleanPerson(
        name=name,
        id_number=info.number,
        phone=mobile,
        gender=info.gender,
        birth_date=info.birth_date,
    )


def pinyin_of(name: str) -> tuple[str, str]:
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower(), "".join(initials).lower()


def member_org_problem(org: Org) -> str | None:
    """Why ``org`` cannot take members (``"org_inactive"``, ``"invalid_member_org"``), or None.

    The one statement of the rule; the importer turns the code into its own cell message."""
    if org.status != OrgStatus.ACTIVE:
        return "org_inactive"
    if org.kind not in MEMBER_ORG_KINDS:
        return "invalid_member_org"
    return None


def _check_member_org(org: Org) -> None:
    problem = member_org_problem(org)
    if problem == "org_inactive":
        raise ActionError(_("This union is not active."), code="org_inactive")
    if problem == "invalid_member_org":
        raise ActionError(
            _(
                "Members belong to a grassroots union, a federation of unions or a holding pool, "
                "not to a %(kind)s."
            ),
            code="invalid_member_org",
            params={"kind": OrgKind(org.kind).label},
        )


def current_membership_of_id(id_number: str) -> Membership | None:
    return (
        Membership.objects.filter(
            person__id_index=index_for("id_number", id_number), state__in=CURRENT_STATES
        )
        .select_related("org")
        .first()
    )


def _upsert_person(
    ctx, data: CleanPerson, org: Org, extra: dict | None = None, *, phone_proved: bool
) -> Person:
    """Find the person by ID (city-wide) or create them; refresh what they told us.

    The phone on file changes only with ``phone_proved`` (members/identity.py): a different
    phone without proof is refused, never written over the one on file."""
    pinyin, initials = pinyin_of(data.name)
    person = Person.objects.filter(id_index=index_for("id_number", data.id_number)).first()
    fields = {
        "name": data.name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "gender": data.gender,
        "birth_date": data.birth_date,
    }
    for key in (
        "ethnicity",
        "education",
        "household_type",
        "skill_level",
        "model_worker_level",
        "residence_region",
    ):
        if extra and extra.get(key):
            fields[key] = extra[key]
    if person is None:
        person = Person(id_number=data.id_number, org=org, phone=data.phone, **fields)
        person.save()
        return person
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.phone != data.phone:
        if not phone_proved:
            raise ActionError(
                _(
                    "This person is on file with another mobile number. Check the ID card in "
                    "person and say so before the number on file is replaced."
                ),
                code="phone_differs",
            )
        identity.set_phone(ctx, person, data.phone)
    for key, value in fields.items():
        setattr(person, key, value)
    person.org = org
    person.save()
    return person


def _link_account(person: Person) -> None:
    from gonghui.accounts.models import User

    if person.user_id or not person.phone:
        return
    user = User.objects.filter(phone_index=index_for("phone", person.phone), kind="member").first()
    if user is not None and not Person.objects.filter(user=user).exists():
        person.user = user
        person.save(update_fields=["user"])


def card_number_for(membership: Membership) -> str:
    # Year of joining + region + the row id: unique, printable, no check digit needed because
    # cards are verified by their signed QR, not by typing the number.
    region = (membership.org.region_code or "500000")[:6]
    return f"{membership.joined_on:%Y}{region}{membership.pk:08d}"


def _create_membership(
    person: Person,
    org: Org,
    *,
    source: str,
    employer=None,
    employer_name: str = "",
    employment_form: str = EmploymentForm.STANDARD,
    is_migrant: bool = False,
    joined_on: date | None = None,
) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person,
                org=org,
                employer=employer,
                employer_name=employer_name or (employer.name if employer else ""),
                employment_form=employment_form,
                is_migrant=is_migrant,
                source=source,
                joined_on=joined_on or timezone.localdate(),
                state=MembershipState.ACTIVE,
            )
    except IntegrityError as exc:
        # The constraint "one current membership per person" caught a race.
        raise ActionError(
            _("This person is already a member of a union."), code="already_member"
        ) from exc
    membership.card_no = card_number_for(membership)
    membership.save(update_fields=["card_no"])
    summaries.memberships_added([membership])
    return membership


_notify = identity.notify


def move(ctx, obj, name: str, *, extra_fields=()) -> str:
    """Take the declared transition ``name`` of ``obj``'s state field (members/workflows.py,
    registered from ``MembersConfig.ready()``): refused from a state it does not start from."""
    return machine_for(type(obj)).apply(ctx, obj, name, extra_fields=extra_fields)


@action("members.link_account", permission=None)
def link_member_account(ctx) -> Person | None:
    """Let a member account claim the person record with its verified phone number.

    A record created from a join request or a roster import is claimed by whoever proved
    the phone by SMS code. With the same phone on several unclaimed records, the one that is
    a current member wins; if that is still ambiguous nothing is linked."""
    user = ctx.actor
    if not getattr(user, "phone_index", None):
        return None
    candidates = list(
        Person.objects.select_for_update().filter(phone_index=user.phone_index, user__isnull=True)
    )
    if len(candidates) > 1:
        candidates = [
            p for p in candidates if p.memberships.filter(state__in=CURRENT_STATES).exists()
        ]
    if len(candidates) != 1:
        return None
    person = candidates[0]
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    ctx.wrote(person, recheck=False)
    return person
