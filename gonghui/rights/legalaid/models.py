"""Legal aid (工会法律援助): the application, its timeline and its documents.

An application is scoped by the union handling it (``org``); the worker reads her own
(``owner_field``) on /m/legal-aid/. A law firm's partner accounts read only the applications
whose assigned lawyer belongs to their agency (``partner_scope.py``), never by the org tree.
The applicant's name, phone and ID number, the facts and what she asks are encrypted like the
12351 ticket's (legalaid/pii.py).
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
from gonghui.rights.legalaid.choices import (
    AidChannel,
    AidState,
    CaseType,
    DocumentKind,
    Hardship,
    Outcome,
)
from gonghui.rights.models import StepRecord

USER = settings.AUTH_USER_MODEL


class AidApplication(models.Model):
    """One application for the union's legal aid, from 申请 to 结案."""

    scope_org_field = "org"
    owner_field = "applicant_user"

    number = models.CharField(_("application number"), max_length=24, unique=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=AidChannel.choices)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("handling union"),
        on_delete=models.PROTECT,
        related_name="legal_aid_applications",
    )
    # The applicant: her account when she applied on /m/, her Person when she is on file; the
    # name and phone are kept for every applicant (one entered by staff too).
    applicant_user = models.ForeignKey(
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
    applicant_name = EncryptedTextField(_("applicant's name"), kind="name")
    applicant_phone = EncryptedTextField(_("applicant's phone"), kind="phone")
    applicant_phone_index = BlindIndexField(source="applicant_phone", kind="phone", db_index=True)
    applicant_id_number = EncryptedTextField(
        _("applicant's ID number"), kind="id_number", blank=True
    )
    employer = models.ForeignKey(
        "orgs.Employer",
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("employer or platform"), max_length=200, blank=True)
    case_type = models.CharField(_("case type"), max_length=20, choices=CaseType.choices)
    facts = EncryptedTextField(_("facts of the case"), kind="text")
    claims = EncryptedTextField(_("what the worker asks for"), kind="text")
    ticket = models.ForeignKey(
        "rights.Ticket",
        verbose_name=_("12351 ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_aid_applications",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=AidState.choices,
        default=AidState.SUBMITTED,
        db_index=True,
    )
    applied_at = models.DateTimeField(_("applied"), db_index=True)
    # The decision clock starts here: the application, or the day the missing documents came.
    complete_at = models.DateTimeField(_("application complete"), db_index=True)
    correction_request = models.CharField(_("documents asked for"), max_length=300, blank=True)
    # The union's 经济困难 assessment: who made it and when.
    hardship = models.CharField(
        _("financial hardship"), max_length=14, choices=Hardship.choices, blank=True
    )
    hardship_file_number = models.CharField(_("hardship file number"), max_length=32, blank=True)
    hardship_note = models.CharField(_("assessment note"), max_length=300, blank=True)
    hardship_assessed_by = models.ForeignKey(
        USER,
        verbose_name=_("assessed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hardship_assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refusal_reason = models.CharField(_("reason for refusing"), max_length=300, blank=True)
    # The lawyer: a partner account of a law firm, or a staff lawyer named here.
    lawyer_agency = models.ForeignKey(
        "rights.PartnerAgency",
        verbose_name=_("law firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lawyer_user = models.ForeignKey(
        USER,
        verbose_name=_("lawyer's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lawyer_name = models.CharField(_("lawyer"), max_length=50, blank=True)
    assigned_at = models.DateTimeField(_("lawyer assigned"), null=True, blank=True)
    taken_up_at = models.DateTimeField(_("taken up by the lawyer"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    amount_recovered = models.DecimalField(
        _("amount recovered (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    outcome_note = models.CharField(_("outcome note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("legal-aid application")
        verbose_name_plural = _("legal-aid applications")
        ordering = ["-applied_at", "-id"]
        permissions = [
            ("review_aidapplication", "Review a legal-aid application, ask for documents"),
            ("assess_aidapplication", "Record the union's financial hardship assessment"),
            ("decide_aidapplication", "Grant or refuse legal aid"),
            ("assign_aidapplication", "Assign the lawyer"),
            ("handle_aidapplication", "Record the lawyer's progress and the outcome"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_recovered__gte=0), name="legalaid_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def lawyer_label(self) -> str:
        """The firm the worker is told about (never a staff member's name)."""
        return self.lawyer_agency.name if self.lawyer_agency_id else ""


class AidStep(StepRecord):
    scope_org_field = "application__org"

    application = models.ForeignKey(AidApplication, on_delete=models.CASCADE, related_name="steps")

    class Meta(StepRecord.Meta):
        verbose_name = _("legal-aid step")
        verbose_name_plural = _("legal-aid steps")


def document_path(instance, filename):
    # Random names: nothing about the person or the file is in the path.
    return f"legalaid/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class AidDocument(models.Model):
    """An application's document (申请表, 身份证明, 经济困难证明, 证据), sniffed for its real type
    and sealed in private storage like the hardship attachments."""

    scope_org_field = "application__org"
    owner_field = "application__applicant_user"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        AidApplication, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    content = models.FileField(_("file"), upload_to=document_path, max_length=255)
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
        verbose_name = _("legal-aid document")
        verbose_name_plural = _("legal-aid documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()
