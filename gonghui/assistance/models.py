"""Hardship assistance (困难帮扶"一件事"): household files, applications with several aid items,
budgets, payments, annual reviews, seasonal campaigns and condolence visits.

Every write goes through :mod:`gonghui.assistance.actions`. Money is ``Decimal`` with two
places and the database refuses negative amounts, a budget spent beyond its amount and a
second live payment of one aid item.

Why one module past ~600 lines (issue #12 §3): these are the tables of one aggregate — the
file, its household, the applications and items, the money that reserves and pays them — and
their constraints refer to each other (an item's budget and payments, a file's one open
application). Read together they are the hardship data model; the code that acts on them is
split by concern under ``actions/``, ``api/`` and ``admin_*``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.choices import (
    LIVE_PAYMENT_STATES,
    OPEN_FILE_STATES,
    AidType,
    ApplicationState,
    AttachmentKind,
    BatchState,
    CampaignKind,
    Cause,
    Channel,
    CivilAffairsResult,
    FileLevel,
    FileState,
    Housing,
    ItemState,
    ObjectionDecision,
    PaymentState,
    Relation,
    ReviewOutcome,
    Tier,
)
from gonghui.platform.access.scoping import ScopedManager
from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField

USER = settings.AUTH_USER_MODEL


def money(verbose_name, **kwargs):
    kwargs.setdefault("max_digits", 12)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


class NeverDeleted(models.Model):
    """Records kept for the archive: the application never deletes them (≥ 10 years)."""

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        from django.db.models import ProtectedError

        raise ProtectedError(f"{self._meta.label} records are archived, never deleted", {self})


class HardshipFile(NeverDeleted):
    """困难职工档案: one per household (一户一档)."""

    scope_org_field = "org"
    owner_field = "applicant__user"  # own(user): the portal's read of a worker's file

    number = models.CharField(_("file number"), max_length=32, unique=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("filing union"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(
        "members.Person",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="hardship_files",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=FileState.choices, default=FileState.DRAFT
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=FileLevel.choices, blank=True)
    main_cause = models.CharField(_("main cause"), max_length=20, choices=Cause.choices)
    secondary_causes = models.JSONField(_("secondary causes"), default=list, blank=True)
    other_cause = models.CharField(_("other cause"), max_length=200, blank=True)
    employer_position = models.CharField(_("employer and position"), max_length=200, blank=True)
    personal_monthly_income = money(_("own monthly income"), null=True, blank=True)
    housing = models.CharField(_("housing"), max_length=16, choices=Housing.choices, blank=True)
    housing_area = models.DecimalField(
        _("housing area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    household_monthly_income = money(_("household monthly income"), null=True, blank=True)
    household_annual_income = money(_("household annual income"), null=True, blank=True)
    single_parent = models.BooleanField(_("single parent"), default=False)
    zero_employment = models.BooleanField(_("zero-employment household"), default=False)
    # Sensitive personal information: encrypted, shown only with assistance.view_sensitive.
    health = EncryptedTextField(_("health"), kind="health", blank=True)
    disability = EncryptedTextField(_("disability"), kind="health", blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = EncryptedTextField(_("bank account"), kind="bank_card", blank=True)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)
    # Retention (retention.py): kept 10 years after closing, then its personal information is
    # erased by ``manage.py purge_hardship_files`` and the figures stay for statistics.
    retain_until = models.DateField(_("kept until"), null=True, blank=True, db_index=True)
    purged_at = models.DateTimeField(_("personal information erased"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("hardship file")
        verbose_name_plural = _("hardship files")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(state__in=sorted(OPEN_FILE_STATES)),
                name="hardship_one_open_file_per_applicant",
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1), name="hardship_household_size_positive"
            ),
        ]
        indexes = [models.Index(fields=["org", "state"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_FILE_STATES


class HouseholdMember(NeverDeleted):
    """A member of the applicant's household. Everything here is sensitive."""

    scope_org_field = "file__org"

    file = models.ForeignKey(
        HardshipFile, on_delete=models.PROTECT, related_name="household", verbose_name=_("file")
    )
    name = EncryptedTextField(_("name"), kind="name")
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    id_number = EncryptedTextField(_("ID number"), kind="id_number", blank=True)
    id_index = BlindIndexField(source="id_number", kind="id_number", db_index=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    monthly_income = EncryptedTextField(_("monthly income"), kind="text", blank=True)
    health = EncryptedTextField(_("health"), kind="health", blank=True)
    school_or_employer = EncryptedTextField(_("school or employer"), kind="text", blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_relation_display()


class HouseholdClaim(models.Model):
    """The ID blind indexes of everyone in an open file, applicant and household alike.

    The unique index is the database's guarantee that one household never has two open files:
    filing a second file naming anyone already in an open file fails. Rows are removed when
    the file closes (the file itself is kept)."""

    id_index = models.CharField(max_length=64, unique=True)
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="claims")

    def __str__(self) -> str:
        return f"{self.file_id}"


def attachment_path(instance, filename):
    # Random names: nothing about the person or the file is in the path.
    return f"assistance/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class Attachment(NeverDeleted):
    """佐证材料: stored in private storage, served only through a scoped view by a random id."""

    scope_org_field = "file__org"
    owner_field = "application__applicant__user"  # own(user), through the application

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(
        HardshipFile, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("file")
    )
    application = models.ForeignKey(
        "Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("document"), max_length=24, choices=AttachmentKind.choices)
    content = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        USER, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Application(NeverDeleted):
    """帮扶申请: one application, several aid items, one review path."""

    scope_org_field = "org"
    owner_field = "applicant__user"  # own(user): the portal's read of a worker's applications

    number = models.CharField(_("application number"), max_length=32, unique=True)
    file = models.ForeignKey(
        HardshipFile,
        verbose_name=_("hardship file"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(
        "members.Person",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="aid_applications",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    channel = models.CharField(_("entered by"), max_length=8, choices=Channel.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # Sensitive personal information (health, family circumstances): encrypted at rest.
    situation = EncryptedTextField(_("situation described"), kind="family", blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        USER,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    first_reviewed_by = models.ForeignKey(
        USER,
        verbose_name=_("first review by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_reviewed_at = models.DateTimeField(_("first review"), null=True, blank=True)
    visit_date = models.DateField(_("home visit date"), null=True, blank=True)
    visitors = models.CharField(_("visitors"), max_length=200, blank=True)
    visit_findings = EncryptedTextField(_("home visit findings"), kind="family", blank=True)
    verified_by = models.ForeignKey(
        USER,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    civil_affairs_result = models.CharField(
        _("civil-affairs income check"),
        max_length=12,
        choices=CivilAffairsResult.choices,
        blank=True,
    )
    civil_affairs_checked_on = models.DateField(_("income check date"), null=True, blank=True)
    civil_affairs_note = models.CharField(_("income check note"), max_length=300, blank=True)
    # 核减理由: why the centre verified less than was requested for an item (ADR 0013).
    verify_cut_reason = models.CharField(
        _("reason for verifying less than requested"), max_length=300, blank=True
    )
    publicity_start = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_end = models.DateField(_("publicity until"), null=True, blank=True)
    approved_by = models.ForeignKey(
        USER,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("decided"), null=True, blank=True)
    approval_depth = models.PositiveSmallIntegerField(
        _("approval level required"), null=True, blank=True
    )
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("aid application")
        verbose_name_plural = _("aid applications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["org", "state"])]

    def __str__(self) -> str:
        return self.number

    @property
    def total_requested(self):
        return sum((i.amount_requested or 0 for i in self.items.all()), start=0)

    @property
    def total_approved(self):
        return sum((i.amount_approved or 0 for i in self.items.all()), start=0)

    @property
    def total_verified(self):
        """The total the approval level follows (ADR 0013): each money item's verified
        amount, or its requested amount while it has not been verified."""
        return sum((i.verified_or_requested or 0 for i in self.items.all()), start=0)


class AidItem(NeverDeleted):
    """One kind of aid inside an application."""

    scope_org_field = "application__org"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="items", verbose_name=_("application")
    )
    aid_type = models.CharField(_("aid"), max_length=12, choices=AidType.choices)
    beneficiary = models.ForeignKey(
        HouseholdMember,
        verbose_name=_("child (school aid)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    school = models.CharField(_("school"), max_length=100, blank=True)
    amount_requested = money(_("amount requested"), null=True, blank=True)
    # 核定金额: set at verification (default the request, never more); approval grants up
    # to it and its total decides who may approve (ADR 0013). Null for non-money aid.
    amount_verified = money(_("amount verified"), null=True, blank=True)
    amount_approved = money(_("amount approved"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ItemState.choices, default=ItemState.REQUESTED
    )
    budget = models.ForeignKey(
        "Budget",
        verbose_name=_("budget"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("aid item")
        verbose_name_plural = _("aid items")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__isnull=True) | Q(amount_requested__gt=0),
                name="aiditem_requested_positive",
            ),
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True) | Q(amount_approved__gte=0),
                name="aiditem_approved_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_verified__isnull=True) | Q(amount_verified__gte=0),
                name="aiditem_verified_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.get_aid_type_display()

    @property
    def verified_or_requested(self):
        """What may be granted at most: the verified amount, else the request."""
        return self.amount_verified if self.amount_verified is not None else self.amount_requested


class Step(models.Model):
    """Who did what to an application, when, and with which opinion (shown to the worker)."""

    scope_org_field = "application__org"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("step"), max_length=40)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    org_name = models.CharField(_("union"), max_length=200, blank=True)
    opinion = models.CharField(_("opinion"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.name


class Objection(models.Model):
    """公示异议: recorded during publicity; an upheld one sends the case back.

    Staff record one they received (``recorded_by``); one lodged by anyone on the public
    notice page (``/gs/<union>/``) has no ``recorded_by`` and may carry the objector's phone,
    encrypted, for the centre to call back. The objector's name is encrypted too and shown
    masked: the applicant must not learn from a leaked page who objected."""

    scope_org_field = "application__org"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="objections"
    )
    received_on = models.DateField(_("received"))
    content = models.TextField(_("objection"))
    # Who objected is a name (often a neighbour or colleague): encrypted, shown masked.
    raised_by = EncryptedTextField(_("raised by"), kind="name", blank=True)
    contact_phone = EncryptedTextField(_("objector's phone"), kind="phone", blank=True)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=ObjectionDecision.choices,
        default=ObjectionDecision.PENDING,
    )
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.get_decision_display()}"

    @property
    def lodged_publicly(self) -> bool:
        """Lodged on the public notice page, not recorded by staff."""
        return self.recorded_by_id is None


class Budget(models.Model):
    """Money an org may grant in a year for one kind of aid.

    ``reserved`` is approved but unpaid, ``paid`` is paid; the database refuses
    ``reserved + paid > amount`` and negative figures."""

    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    aid_type = models.CharField(_("aid"), max_length=12, choices=AidType.choices)
    amount = money(_("budget"))
    reserved = money(_("approved, unpaid"), default=0)
    paid = money(_("paid"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "org_id", "aid_type"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "aid_type"], name="budget_unique"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(reserved__gte=0) & Q(paid__gte=0),
                name="budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=F("reserved") + F("paid")), name="budget_not_exceeded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_aid_type_display()}"

    @property
    def remaining(self):
        return self.amount - self.reserved - self.paid


class PaymentBatch(NeverDeleted):
    """A list of approved items sent to the bank in one file."""

    scope_org_field = "org"

    number = models.CharField(_("batch number"), max_length=32, unique=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("paying union"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=BatchState.choices, default=BatchState.OPEN
    )
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    exported_at = models.DateTimeField(_("exported"), null=True, blank=True)
    exported_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number


class Payment(NeverDeleted):
    """One transfer of one aid item's approved amount. At most one is pending or paid per item."""

    scope_org_field = "item__application__org"

    item = models.ForeignKey(
        AidItem, on_delete=models.PROTECT, related_name="payments", verbose_name=_("aid item")
    )
    batch = models.ForeignKey(
        PaymentBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("batch"),
    )
    amount = money(_("amount"))
    state = models.CharField(
        _("state"), max_length=10, choices=PaymentState.choices, default=PaymentState.PENDING
    )
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(state__in=LIVE_PAYMENT_STATES),
                name="payment_one_live_per_item",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.amount}"


class AnnualReview(models.Model):
    """年度复核 of the open files in a subtree, with a recorded random spot-check draw."""

    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seed = models.CharField(_("draw seed"), max_length=64)
    sample_ratio = models.DecimalField(_("spot-check share"), max_digits=3, decimal_places=2)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="annual_review_unique")]

    def __str__(self) -> str:
        return f"{self.year}"


class ReviewEntry(models.Model):
    scope_org_field = "file__org"

    review = models.ForeignKey(AnnualReview, on_delete=models.PROTECT, related_name="entries")
    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, related_name="review_entries")
    spot_check = models.BooleanField(_("spot check"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING
    )
    new_tier = models.CharField(_("new tier"), max_length=10, choices=Tier.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("review entry")
        verbose_name_plural = _("review entries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "file"], name="review_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.review_id}/{self.file_id}"


class Campaign(models.Model):
    """四季帮扶: a seasonal campaign with an organiser, a period and a budget."""

    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CampaignKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    budget = money(_("budget"), default=0)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="campaign_period_valid"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """慰问: to one person or to a group with a head count (人次)."""

    scope_org_field = "org"

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("visiting union"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("person visited"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    recipient = models.CharField(_("visited (person or group)"), max_length=200)
    head_count = models.PositiveIntegerField(_("people (人次)"), default=1)
    cash = money(_("cash"), default=0)
    goods_value = money(_("goods value"), default=0)
    visited_on = models.DateField(_("date"), db_index=True)
    leaders = models.CharField(_("leaders"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_key = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("condolence visit")
        verbose_name_plural = _("condolence visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(head_count__gte=1), name="visit_head_count"),
            models.CheckConstraint(
                condition=Q(cash__gte=0) & Q(goods_value__gte=0), name="visit_amounts"
            ),
            models.UniqueConstraint(
                fields=["org", "import_key"],
                condition=~Q(import_key=""),
                name="visit_import_idempotent",
            ),
        ]
        indexes = [models.Index(fields=["org", "visited_on"])]

    def __str__(self) -> str:
        return self.recipient
