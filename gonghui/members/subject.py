"""What the members app holds about a worker, for 我的数据 (platform/consent/subject.py):
her person record, her memberships and card, her join applications and her transfers.

Read through her own links only: the person of her account, the join applications made with
her phone or her ID number (as her home page lists them), the transfers of her memberships.
Values are decrypted (she is the person they are about) except the ID number, shown with the
detail mask as on every page, and the birth date, left out: with the birth date the masked
number is the whole number again (platform/tests/test_masked_rebuild.py), and the birth date
is in the number she holds. Registered in ``MembersConfig.ready``.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from gonghui.members.models import JoinRequest, Membership, Person, Transfer
from gonghui.platform.consent.subject import Field, Record, Section, fields_of, masked
from gonghui.platform.pii.masking import mask_id_detail, mask_name

PERSON_FIELDS = (
    "name",
    "id_number",
    "gender",
    "phone",
    "ethnicity",
    "education",
    "household_type",
    "skill_level",
    "model_worker_level",
    "residence_region",
    "org",
    "created_at",
    "updated_at",
)
MEMBERSHIP_FIELDS = (
    "org",
    "employer_name",
    "employment_form",
    "is_migrant",
    "state",
    "source",
    "joined_on",
    "card_no",
    "last_dues_on",
    "last_activity_on",
    "ended_on",
    "end_reason",
)
JOIN_FIELDS = (
    "org",
    "name",
    "id_number",
    "phone",
    "employer_name",
    "employment_form",
    "is_migrant",
    "residence_region",
    "state",
    "submitted_at",
    "decided_at",
    "reason",
)
TRANSFER_FIELDS = (
    "from_org",
    "to_org",
    "employer_name",
    "initiated_by",
    "state",
    "reason",
    "requested_at",
    "sender_decided_at",
    "decided_at",
)


def person_of(user) -> Person | None:
    return Person.objects.filter(user=user).select_related("org").first()


def handling_org(user):
    """The union that handles her correction requests: the union of her current membership,
    else the union responsible for her person record, else that of her latest application."""
    person = person_of(user)
    if person is not None:
        membership = person.current_membership()
        return membership.org if membership is not None else person.org
    latest = join_requests_of(user, None).order_by("-submitted_at").first()
    return latest.org if latest is not None else None


def join_requests_of(user, person):
    mine = Q(phone_index=user.phone_index) if getattr(user, "phone_index", "") else Q(pk=None)
    if person is not None:
        mine |= Q(id_index=person.id_index)
    return JoinRequest.objects.filter(mine).select_related("org")


def sections(user) -> list[Section]:
    person = person_of(user)
    out = []
    if person is not None:
        out.append(
            Section(
                "person",
                _("Your member record"),
                [Record(person.name, _person_fields(person))],
            )
        )
        memberships = Membership.objects.filter(person=person).select_related("org")
        out.append(
            Section(
                "memberships",
                _("Your memberships and membership card"),
                [
                    Record(str(m.org), fields_of(m, MEMBERSHIP_FIELDS))
                    for m in memberships.order_by("joined_on", "pk")
                ],
            )
        )
        transfers = Transfer.objects.own(user).select_related("from_org", "to_org")
        out.append(
            Section(
                "transfers",
                _("Your transfers"),
                [
                    Record(f"{t.from_org} → {t.to_org}", fields_of(t, TRANSFER_FIELDS))
                    for t in transfers.order_by("requested_at", "pk")
                ],
            )
        )
    join_requests = join_requests_of(user, person).order_by("submitted_at", "pk")
    out.append(
        Section(
            "join_requests",
            _("Your applications to join"),
            [
                Record(
                    str(jr.org),
                    masked(fields_of(jr, JOIN_FIELDS), id_number=mask_id_detail) + _extra(jr),
                )
                for jr in join_requests
            ],
        )
    )
    return out


def _person_fields(person) -> list[Field]:
    return masked(fields_of(person, PERSON_FIELDS), id_number=mask_id_detail)


def _extra(join_request) -> list[Field]:
    """The optional details she gave on the join form (ethnicity, education), labelled and
    read as the person record's fields of the same name."""
    out = []
    for key, value in sorted((join_request.extra or {}).items()):
        try:
            model_field = Person._meta.get_field(key)
        except FieldDoesNotExist:
            out.append(Field(f"extra_{key}", _("Other details"), value))
            continue
        shown = dict(model_field.choices).get(value, value) if model_field.choices else value
        out.append(Field(f"extra_{key}", capfirst(model_field.verbose_name), shown))
    return out


def console_link(user) -> tuple[str, str] | None:
    """Her masked name and the console page of her member record (for correction requests;
    the page itself is read through ``restrict``)."""
    person = Person.objects.filter(user=user).only("pk", "name").first()
    if person is None:
        return None
    return mask_name(person.name), reverse("console:members_person_change", args=[person.pk])


def register() -> None:
    from gonghui.platform.consent.subject import register_person_link, register_subject_source

    register_subject_source("members", sections)
    register_person_link(console_link)
