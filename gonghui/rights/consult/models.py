"""Online legal consultation (法律咨询): a worker asks in writing on /m/, a union lawyer answers.

A consultation is scoped by ``org``, the union whose lawyers answer it: the union keeping the
law firm it was routed to (the nearest union above the worker's that keeps one), or the city
while it waits in the city's queue for staff to assign a firm. The worker reads her own
(``owner_field``). The lawyers of the assigned firm read it through the partner scope
(``partner_scope.py``), never through the org tree.

The question and every message of the thread are encrypted like the 12351 facts (a labour
dispute is sensitive); her name and phone like every name and phone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import ScopedManager
from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField
from gonghui.rights.choices import Rating
from gonghui.rights.consult.choices import Author, ConsultState, ConvertedTo, Topic

USER = settings.AUTH_USER_MODEL


class Consultation(models.Model):
    """One question of a worker and its thread, from asking to 已评价 / 已结束 / 已转办."""

    scope_org_field = "org"
    owner_field = "worker"

    number = models.CharField(_("consultation number"), max_length=20, unique=True, blank=True)
    worker = models.ForeignKey(
        USER, verbose_name=_("worker account"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("person on file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    worker_name = EncryptedTextField(_("worker's name"), kind="name")
    worker_phone = EncryptedTextField(_("worker's phone"), kind="phone")
    worker_phone_index = BlindIndexField(source="worker_phone", kind="phone", db_index=True)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    question = EncryptedTextField(_("question"), kind="text")
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("answering union"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    agency = models.ForeignKey(
        "rights.PartnerAgency",
        verbose_name=_("law firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    lawyer = models.ForeignKey(
        USER,
        verbose_name=_("lawyer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=ConsultState.choices,
        default=ConsultState.UNASSIGNED,
        db_index=True,
    )
    asked_at = models.DateTimeField(_("asked"), db_index=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    # When the answer clock started: the assignment, or the worker's latest follow-up.
    waiting_since = models.DateTimeField(_("waiting for an answer since"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rating = models.CharField(
        _("satisfaction"), max_length=12, choices=Rating.choices, blank=True, default=""
    )
    rating_comment = models.CharField(_("comment on the answer"), max_length=300, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    converted_to = models.CharField(
        _("taken up as"), max_length=12, choices=ConvertedTo.choices, blank=True, default=""
    )
    converted_at = models.DateTimeField(_("taken up"), null=True, blank=True)
    ticket = models.ForeignKey(
        "rights.Ticket",
        verbose_name=_("12351 ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The mediation case or legal-aid application it became (their own apps; kept as number
    # and id so the link survives without a foreign key across apps built side by side).
    converted_number = models.CharField(_("number of the case"), max_length=40, blank=True)
    converted_id = models.PositiveBigIntegerField(_("id of the case"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("legal consultation")
        verbose_name_plural = _("legal consultations")
        ordering = ["-asked_at", "-id"]
        permissions = [
            ("assign_consultation", "Assign a consultation to a law firm"),
            ("convert_consultation", "Turn a consultation into a ticket, mediation or legal aid"),
            # Held by partner accounts only; never passed to restrict(): which consultations
            # a lawyer may answer is the partner scope (partner_scope.py).
            ("answer_as_lawyer", "Answer the consultations assigned to one's law firm"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class Message(models.Model):
    """One message of the thread: the worker's follow-up or the lawyer's answer."""

    scope_org_field = "consultation__org"

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(_("from"), max_length=10, choices=Author.choices)
    author_user = models.ForeignKey(
        USER,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = EncryptedTextField(_("message"), kind="text")
    at = models.DateTimeField(_("time"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("consultation message")
        verbose_name_plural = _("consultation messages")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation} · {self.get_author_display()}"
