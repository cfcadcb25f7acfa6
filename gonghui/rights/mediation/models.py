"""Labour-dispute mediation (劳动争议调解) and referrals with courts and agencies (诉调对接).

A case is scoped by the union mediation centre handling it (``org``); the worker who applied
on /m/ reads her own (``owner_field``). A partner account (court, arbitration commission ...)
sees a case iff one of its referrals is to or from its agency (partner_scope.py, written by
the partners slice against ``Referral``).

The law (domain-scenarios.md C2): 劳动争议调解仲裁法 §14 — no agreement within 15 days of
receipt, arbitration may be sought; §27 — the arbitration limit is one year from when the
worker knew of the infringement. 特邀调解规定 §27 — a court's 委派 (before filing) takes 30
days, a 委托 (after filing) 15 days (ordinary procedure) or 7 days (simple procedure), counted
from the union signing for the referral, extendable with the parties' consent; a failed 委派
case goes back to the court for filing, with the 委托调解反馈函; a 委派 agreement may get
司法确认 (§19, §21).

Names, phones, ID numbers, the facts, the agreement's terms, session notes and the feedback
letter are encrypted at rest.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import ScopedManager
from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField
from gonghui.rights.mediation.choices import (
    CaseState,
    Clock,
    Direction,
    Outcome,
    ReferralKind,
    Source,
)
from gonghui.rights.models import StepRecord

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class MediationCase(models.Model):
    """One mediation case, from the application (or the referral) to its outcome."""

    scope_org_field = "org"
    owner_field = "applicant_user"

    number = models.CharField(_("case number"), max_length=20, unique=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    applicant_user = models.ForeignKey(
        USER,
        verbose_name=_("worker account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("mediating union"),
        on_delete=models.PROTECT,
        related_name="mediation_cases",
    )
    employer = models.ForeignKey(
        "orgs.Employer",
        verbose_name=_("respondent employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("respondent"), max_length=200, blank=True)
    facts = EncryptedTextField(_("facts of the dispute"), kind="text")
    ticket = models.ForeignKey(
        "rights.Ticket",
        verbose_name=_("12351 ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_cases",
    )
    mediator = models.ForeignKey(
        USER,
        verbose_name=_("mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=CaseState.choices,
        default=CaseState.APPLIED,
        db_index=True,
    )
    applied_at = models.DateTimeField(_("applied"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    # The running clock: its start (acceptance, or the union signing for a court referral),
    # its length in calendar days, the days added with the parties' consent, the due day.
    clock = models.CharField(
        _("time limit"), max_length=12, choices=Clock.choices, blank=True, default=""
    )
    clock_start = models.DateField(_("clock started"), null=True, blank=True)
    clock_days = models.PositiveSmallIntegerField(_("days allowed"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("extension days"), default=0)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, default=""
    )
    agreement_terms = EncryptedTextField(_("terms of the agreement"), kind="text", blank=True)
    amount_agreed = models.DecimalField(_("amount agreed (yuan)"), null=True, blank=True, **MONEY)
    dispute_points = EncryptedTextField(_("points in dispute"), kind="text", blank=True)
    infringement_known_on = models.DateField(
        _("worker knew of the infringement on"), null=True, blank=True
    )
    arbitration_deadline = models.DateField(_("arbitration limit"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawing"), max_length=300, blank=True)
    confirmed_on = models.DateField(_("judicial confirmation date"), null=True, blank=True)
    confirmation_court = models.CharField(_("confirming court"), max_length=200, blank=True)
    confirmation_number = models.CharField(_("confirmation case number"), max_length=60, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        ordering = ["-applied_at", "-id"]
        permissions = [
            ("accept_mediationcase", "Accept a mediation case and sign for referrals"),
            ("mediate_mediationcase", "Mediate a case and record its outcome"),
            ("refer_mediationcase", "Refer a case to a partner agency"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in (CaseState.APPLIED, CaseState.ACCEPTED, CaseState.MEDIATING)

    def inbound_referral(self):
        """The court's or agency's referral that brought the case, if any."""
        return next((r for r in self.referrals.all() if r.direction == Direction.IN), None)


class Applicant(models.Model):
    """One applicant worker (a collective dispute has many)."""

    scope_org_field = "case__org"

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="applicants")
    name = EncryptedTextField(_("name"), kind="name")
    phone = EncryptedTextField(_("phone"), kind="phone", blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", db_index=True)
    id_number = EncryptedTextField(_("ID number"), kind="id_number", blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.position + 1}"


class Claim(models.Model):
    """One claim with its amount (拖欠工资, 经济补偿 ...) and, after an agreement, the amount
    agreed for it."""

    scope_org_field = "case__org"

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="claims")
    item = models.CharField(_("claim"), max_length=200)
    amount = models.DecimalField(_("amount claimed (yuan)"), **MONEY)
    amount_agreed = models.DecimalField(_("amount agreed (yuan)"), null=True, blank=True, **MONEY)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.item


class Session(models.Model):
    """One mediation session: when, where, and what happened (the note is encrypted)."""

    scope_org_field = "case__org"

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    note = EncryptedTextField(_("note"), kind="text", blank=True)
    recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.held_on}"


class CaseStep(StepRecord):
    scope_org_field = "case__org"

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="steps")

    class Meta(StepRecord.Meta):
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")


class Referral(models.Model):
    """A referral between the union and a partner agency: ``in`` — the agency (a court's 委派
    or 委托) referred the case to the union; ``out`` — the union referred it to the agency."""

    scope_org_field = "case__org"

    case = models.ForeignKey(
        MediationCase,
        verbose_name=_("mediation case"),
        on_delete=models.CASCADE,
        related_name="referrals",
    )
    agency = models.ForeignKey(
        "rights.PartnerAgency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="mediation_referrals",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("kind of referral"), max_length=12, choices=ReferralKind.choices)
    agency_case_number = models.CharField(_("agency's case number"), max_length=60, blank=True)
    referred_on = models.DateField(_("referred on"))
    signed_at = models.DateTimeField(_("signed for"), null=True, blank=True)
    signed_by = models.ForeignKey(
        USER,
        verbose_name=_("signed for by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    feedback = EncryptedTextField(_("feedback letter"), kind="text", blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        USER,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["referred_on", "id"]

    def __str__(self) -> str:
        return f"{self.case} · {self.agency}"
