"""12351 tickets (工单): the category table, the ticket, its timeline and the deadline table.

A ticket is scoped by the union handling it (``org``): the city receives every ticket first and
dispatches it down the tree, so a union sees exactly the tickets dispatched into its subtree
and the city sees all. The worker reads her own (``owner_field``) on /m/. What the caller said
(the facts, her request, the reply) is encrypted like the hardship narratives; the caller's
name and phone like every phone and name (rights/pii.py).

Later slices (consultation, mediation, legal aid) hang their own models off a ticket; none of
the fields here assumes a ticket ends in itself.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import ScopedManager
from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField
from gonghui.rights.choices import (
    Channel,
    Complexity,
    DeadlineStep,
    Extension,
    PartnerKind,
    Rating,
    TicketState,
)

USER = settings.AUTH_USER_MODEL


class TicketCategory(models.Model):
    """An editable table of categories: the five national ones at the top, subcategories
    under them (``parent``)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def root(self) -> TicketCategory:
        return self.parent if self.parent_id else self


class TicketDeadline(models.Model):
    """How many days a step may take, per complexity class (签收, 办结, 延期, 回访). The official
    counts were not found: the shipped rows are defaults, their ``source`` left empty until a
    union enters the rule it follows."""

    complexity = models.CharField(_("complexity"), max_length=10, choices=Complexity.choices)
    step = models.CharField(_("step"), max_length=10, choices=DeadlineStep.choices)
    days = models.PositiveSmallIntegerField(_("working days"), validators=[MinValueValidator(1)])
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The rule these days come from; empty: a default, no official count found."),
    )

    class Meta:
        verbose_name = _("ticket deadline")
        verbose_name_plural = _("ticket deadlines")
        ordering = ["complexity", "step"]
        constraints = [
            models.UniqueConstraint(fields=["complexity", "step"], name="rights_deadline_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_complexity_display()} · {self.get_step_display()}"

    @property
    def is_default(self) -> bool:
        return not self.source


class Ticket(models.Model):
    """One 12351 ticket, from the call (or the worker's form) to 结案."""

    scope_org_field = "org"
    owner_field = "caller_user"

    number = models.CharField(_("ticket number"), max_length=20, unique=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        TicketCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    complexity = models.CharField(
        _("complexity"), max_length=10, choices=Complexity.choices, default=Complexity.GENERAL
    )
    is_petition = models.BooleanField(_("petition matter (信访事项)"), default=False)
    # Who called: her account when she filed on /m/, her Person when she is on file; the
    # name and phone are kept for every caller (a non-member too).
    caller_user = models.ForeignKey(
        USER,
        verbose_name=_("worker account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("person on file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    caller_name = EncryptedTextField(_("caller's name"), kind="name")
    caller_phone = EncryptedTextField(_("caller's phone"), kind="phone")
    caller_phone_index = BlindIndexField(source="caller_phone", kind="phone", db_index=True)
    employer = models.ForeignKey(
        "orgs.Employer",
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("employer or platform"), max_length=200, blank=True)
    employer_address = models.CharField(_("employer's address"), max_length=200, blank=True)
    facts = EncryptedTextField(_("what happened"), kind="text")
    request = EncryptedTextField(_("what the worker asks for"), kind="text")
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("handling union"),
        on_delete=models.PROTECT,
        related_name="rights_tickets",
    )
    dispatched_by = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("dispatched by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_by = models.ForeignKey(
        USER,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=TicketState.choices,
        default=TicketState.RECEIVED,
        db_index=True,
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    classified_at = models.DateTimeField(_("classified"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("signed for"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    visited_at = models.DateTimeField(_("visited back"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=300, blank=True)
    reply = EncryptedTextField(_("reply to the worker"), kind="text", blank=True)
    answer = models.ForeignKey(
        "KnowledgeAnswer",
        verbose_name=_("answer from the knowledge base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    extension = models.CharField(
        _("extension"), max_length=10, choices=Extension.choices, blank=True, default=""
    )
    extension_days = models.PositiveSmallIntegerField(_("extension days"), default=0)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    rating = models.CharField(
        _("satisfaction"), max_length=12, choices=Rating.choices, blank=True, default=""
    )
    rating_comment = models.CharField(_("comment on the handling"), max_length=300, blank=True)
    rated_by_worker = models.BooleanField(_("rated by the worker"), default=False)
    quality_required = models.BooleanField(_("quality check required"), default=False)
    quality_checked_at = models.DateTimeField(_("quality checked"), null=True, blank=True)
    quality_note = models.CharField(_("quality check note"), max_length=300, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    arrears_recovered = models.DecimalField(
        _("wage arrears recovered (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    arrears_workers = models.PositiveIntegerField(_("workers paid their arrears"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("12351 ticket")
        verbose_name_plural = _("12351 tickets")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("dispatch_ticket", "Dispatch a ticket down the tree"),
            ("handle_ticket", "Sign for, handle and resolve a ticket"),
            ("approve_ticket", "Decide a ticket's extension"),
            ("visit_ticket", "Visit back, check and close a ticket"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class StepRecord(models.Model):
    """One step of a rights workflow (a ticket, a mediation case, a legal-aid application):
    who did what and when. The worker sees the date, the step and the union, never the staff
    member's name. Each concrete step adds the foreign key to its record and its scope path."""

    name = models.CharField(_("step"), max_length=30)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        USER,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_name = models.CharField(_("union"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"))

    objects = ScopedManager()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.name


class TicketStep(StepRecord):
    scope_org_field = "ticket__org"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="steps")

    class Meta(StepRecord.Meta):
        verbose_name = _("ticket step")
        verbose_name_plural = _("ticket steps")


def attachment_path(instance, filename):
    # Random names: nothing about the worker or the file is in the path.
    return f"rights/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class TicketAttachment(models.Model):
    """A document the worker or the hotline added to a ticket (a pay slip, a contract, a photo):
    stored sealed in private storage under a random name, served only through the scoped
    download views by its random id, each download audited (rights/attachments.py)."""

    scope_org_field = "ticket__org"
    owner_field = "ticket__caller_user"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="attachments"
    )
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
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class KnowledgeAnswer(models.Model):
    """问答库: an answer the hotline gives to a common question, filed under a category. The
    operator picks one on the call to answer a 问题咨询 and close it at intake; the worker then
    reads it as the reply on her ticket. A reference table edited by the hotline (no scope)."""

    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="answers",
    )
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"), max_length=2000)
    keywords = models.CharField(
        _("keywords"),
        max_length=200,
        blank=True,
        help_text=_("Words a caller may use, separated by spaces; the search finds them too."),
    )
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge base answer")
        verbose_name_plural = _("knowledge base answers")
        ordering = ["category__position", "category_id", "question", "id"]

    def __str__(self) -> str:
        return self.question


class PartnerAgency(models.Model):
    """A court, procuratorate, arbitration commission, justice bureau or law firm the union
    works with. ``org`` is the union that keeps the agency on its list (its staff manage the
    row); what the agency's accounts may read is decided by referrals, never by ``org``
    (rights/partners.py)."""

    scope_org_field = "org"

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("union keeping the agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner agency")
        verbose_name_plural = _("partner agencies")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="rights_partner_agency_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerAgent(models.Model):
    """The agency a partner account acts for (one agency per account)."""

    scope_org_field = "agency__org"

    user = models.OneToOneField(
        USER,
        verbose_name=_("partner account"),
        on_delete=models.CASCADE,
        related_name="partner_agent",
    )
    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="agents",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("partner account")
        verbose_name_plural = _("partner accounts")

    def __str__(self) -> str:
        return f"{self.agency} · {self.user}"
