"""People and their union memberships, joining by QR code, transfers, roster jobs.

A ``Person`` exists once city-wide (the blind index of the ID number is unique). Their
``Membership`` rows are the history of their union life; at most one is current (active,
transferring or retained), which the database enforces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.members.choices import (
    CURRENT_STATES,
    Education,
    EmploymentForm,
    Gender,
    HouseholdType,
    IdentityProof,
    JoinRequestState,
    MembershipSource,
    MembershipState,
    ModelWorkerLevel,
    SkillLevel,
    TransferInitiator,
    TransferState,
)
from gonghui.platform.access.scoping import ScopedManager
from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField


class Person(models.Model):
    """A worker, once city-wide. ``org`` is the union responsible for the record: the union of
    the current membership, else of the latest join request or membership."""

    scope_org_field = "org"

    name = models.CharField(_("name"), max_length=50, db_index=True)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("initials"), max_length=50, blank=True, db_index=True)
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    id_index = BlindIndexField(source="id_number", kind="id_number", unique=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = EncryptedTextField(_("mobile phone"), kind="phone", blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    education = models.CharField(
        _("education"), max_length=16, choices=Education.choices, blank=True
    )
    household_type = models.CharField(
        _("household type"), max_length=20, choices=HouseholdType.choices, blank=True
    )
    skill_level = models.CharField(
        _("skill level"), max_length=2, choices=SkillLevel.choices, blank=True
    )
    model_worker_level = models.CharField(
        _("model worker"), max_length=16, choices=ModelWorkerLevel.choices, blank=True
    )
    residence_region = models.CharField(
        _("district of residence (GB/T 2260)"), max_length=6, blank=True
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("responsible union"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    def scope_org(self):
        return self.org

    def current_membership(self):
        return self.memberships.filter(state__in=CURRENT_STATES).select_related("org").first()


# Every state but active: the rows of membership_state_idx.
RARE_STATES = [s for s in MembershipState.values if s != MembershipState.ACTIVE]


class Membership(models.Model):
    """One period of membership in one union."""

    scope_org_field = "org"

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships"
    )
    # No index of its own: membership_list_idx (org, state, …) leads with it (ADR 0014).
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("union"),
        on_delete=models.PROTECT,
        related_name="memberships",
        db_index=False,
    )
    employer = models.ForeignKey(
        "orgs.Employer",
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    employer_name = models.CharField(_("employer or platform"), max_length=200, blank=True)
    employment_form = models.CharField(
        _("employment form"),
        max_length=20,
        choices=EmploymentForm.choices,
        default=EmploymentForm.STANDARD,
    )
    is_migrant = models.BooleanField(_("migrant worker"), default=False)
    # Indexed with the union (membership_list_idx) and, for the states other than active,
    # with the join date (membership_state_idx): a state alone picks too many rows to help.
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=MembershipState.choices,
        default=MembershipState.ACTIVE,
    )
    source = models.CharField(_("source"), max_length=10, choices=MembershipSource.choices)
    joined_on = models.DateField(_("joined on"), db_index=True)
    card_no = models.CharField(_("card number"), max_length=20, unique=True, null=True, blank=True)
    last_dues_on = models.DateField(_("last dues paid"), null=True, blank=True)
    last_activity_on = models.DateField(_("last activity"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("state changed"), auto_now_add=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    lapse_flagged_at = models.DateTimeField(_("flagged as lapsing"), null=True, blank=True)
    # Staff mark a record to be looked at again (a doubtful employer, a card to re-issue):
    # set and cleared by actions.flag_for_review / clear_review_flag, both audited.
    review_reason = models.CharField(_("reason for review"), max_length=200, blank=True)
    review_flagged_at = models.DateTimeField(_("flagged for review"), null=True, blank=True)
    review_flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flagged for review by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=CURRENT_STATES),
                name="one_current_membership_per_person",
            ),
        ]
        # Which query uses which index, and why there are no others: ADR 0014.
        indexes = [
            # Lists in a scope (org ids), newest first, with or without a state; also the
            # foreign key's index (org leads).
            models.Index(fields=["org", "state", "-joined_on", "-id"], name="membership_list_idx"),
            # City-wide lists and counts of one state other than active (a few percent of the
            # rows each). Active rows, nearly all and all of a roster import, stay out of it.
            # The states are spelled out (not "state <> active") so that SQLite uses it too.
            models.Index(
                fields=["state", "-joined_on", "-id"],
                name="membership_state_idx",
                condition=Q(*[("state", s) for s in RARE_STATES], _connector=Q.OR),
            ),
            # The "flagged for review" filter: the few flagged rows of a scope, newest flag
            # first; unflagged rows (nearly all) stay out of it.
            models.Index(
                fields=["org", "-review_flagged_at"],
                name="membership_review_flag_idx",
                condition=Q(review_flagged_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.org}"

    def scope_org(self):
        return self.org

    @property
    def is_current(self) -> bool:
        return self.state in CURRENT_STATES

    @property
    def has_voting_rights(self) -> bool:
        return self.state == MembershipState.ACTIVE


class JoinChannel(models.Model):
    """A QR poster of a union or holding pool. The QR carries a signed token; revoking the
    channel (or its expiry) makes the poster stop working."""

    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="join_channels"
    )
    label = models.CharField(_("label"), max_length=100)
    token = models.CharField(_("token"), max_length=64, unique=True)
    auto_approve = models.BooleanField(_("approve automatically"), default=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("join channel")
        verbose_name_plural = _("join channels")

    def __str__(self) -> str:
        return f"{self.org} · {self.label}"

    def scope_org(self):
        return self.org


class JoinRequest(models.Model):
    """An application to join, from a QR scan (or entered by staff), waiting for review."""

    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="join_requests"
    )
    channel = models.ForeignKey(
        JoinChannel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    id_index = BlindIndexField(source="id_number", kind="id_number", db_index=True)
    phone = EncryptedTextField(_("mobile phone"), kind="phone")
    phone_index = BlindIndexField(source="phone", kind="phone", db_index=True)
    employer = models.ForeignKey(
        "orgs.Employer",
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("employer or platform"), max_length=200)
    employment_form = models.CharField(
        _("employment form"), max_length=20, choices=EmploymentForm.choices
    )
    is_migrant = models.BooleanField(_("migrant worker"), default=False)
    residence_region = models.CharField(
        _("district of residence (GB/T 2260)"), max_length=6, blank=True
    )
    extra = models.JSONField(_("optional details"), default=dict, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=JoinRequestState.choices,
        default=JoinRequestState.PENDING,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    membership = models.OneToOneField(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="join_request"
    )
    # A join that names an existing person with another phone is approved only after proof
    # (members/identity.py): the person confirms from the phone on file, or staff check the
    # ID card in person and say so here.
    identity_proof = models.CharField(
        _("identity proof"), max_length=16, choices=IdentityProof.choices, blank=True, default=""
    )
    identity_proved_at = models.DateTimeField(_("identity proved"), null=True, blank=True)
    identity_proved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identity proved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_note = models.CharField(_("identity check note"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            # One open application per ID and phone. Two phones claiming one ID are both kept
            # so that the reviewer sees the competing claim (members/identity.py).
            models.UniqueConstraint(
                fields=["id_index", "phone_index"],
                condition=Q(state="pending"),
                name="one_pending_join_request_per_person_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.org}"

    def scope_org(self):
        return self.org


class Transfer(models.Model):
    """Moving a membership to another union (转会). Both sides see it."""

    scope_org_fields = ("from_org", "to_org")
    owner_field = "membership__person__user"  # own(user): the portal's read

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("from union"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("to union"),
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    employer_name = models.CharField(_("new employer or platform"), max_length=200, blank=True)
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=TransferInitiator.choices
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=TransferState.choices, db_index=True
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    sender_decided_at = models.DateTimeField(_("sending union decided"), null=True, blank=True)
    sender_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_membership = models.OneToOneField(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="arrived_by"
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(state__in=["pending_sender", "pending_receiver"]),
                name="one_open_transfer_per_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.person}: {self.from_org} → {self.to_org}"

    def scope_org(self):
        return self.to_org
