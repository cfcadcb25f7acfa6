"""Privacy notices (个人信息处理告知) as versioned records, and each person's consent to one.

A notice is never edited once published: a changed text is a new version, and whoever
accepted an older version is asked again (PIPL Art. 14: a change of purpose or means needs
consent anew). A consent names the version accepted, when, on which channel, and whether the
separate consent for sensitive personal information (PIPL Art. 29, 单独同意) was given.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.platform.access.scoped import ScopedModel
from gonghui.platform.pii.fields import EncryptedTextField


class NoticePurpose(models.TextChoices):
    PORTAL = "portal", _("Using the worker portal")
    JOIN = "join", _("Applying to join the union")
    ASSISTANCE = "assistance", _("Applying for hardship assistance")


class ConsentChannel(models.TextChoices):
    PORTAL = "portal", _("Worker portal")
    JOIN_FORM = "join_form", _("Join form")
    API = "api", _("API")


class PrivacyNotice(models.Model):
    """One version of the privacy notice for one purpose, in Chinese (the authoritative text)."""

    purpose = models.CharField(_("purpose"), max_length=12, choices=NoticePurpose.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("notice text"))
    # The separate consent for sensitive personal information, in its own words and with its
    # own checkbox (PIPL Art. 29, 30); empty when the purpose collects none.
    sensitive = models.TextField(_("separate consent for sensitive information"), blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="notice_purpose_version")
        ]
        ordering = ["purpose", "-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Consent(models.Model):
    """One acceptance of one notice version by one person."""

    notice = models.ForeignKey(
        PrivacyNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=NoticePurpose.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    separate = models.BooleanField(_("separate consent to sensitive information"), default=False)
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    # What the consent was given for, when it is one record (``members.joinrequest:42``).
    subject = models.CharField(_("record"), max_length=60, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["user", "purpose"], name="consent_user_purpose")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.notice.version}"


class CorrectionState(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("correction request", "Waiting for the union")
    CORRECTED = "corrected", pgettext_lazy("correction request", "Corrected")
    REFUSED = "refused", pgettext_lazy("correction request", "Not corrected")


class CorrectionRequest(ScopedModel):
    """A worker asks for her personal information to be corrected (PIPL Art. 46): which field
    or record (in her words, as 我的数据 shows it), what it should be, and why. The union of her
    membership handles it (corrected, or refused with the reason) within the deadline of
    ``corrections.CORRECTION``; each step leaves her a message."""

    scope_org_field = "org"
    owner_field = "user"  # own(user): her own requests on 我的数据

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+"
    )
    record = models.CharField(_("what is wrong"), max_length=100)
    # Her words may carry the very information to be corrected (a name, an ID number).
    requested = EncryptedTextField(_("what it should be"), kind="text")
    explanation = EncryptedTextField(_("explanation"), kind="text", blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=CorrectionState.choices,
        default=CorrectionState.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("answer"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["org", "state"], name="correction_org_state")]

    def __str__(self) -> str:
        return self.record

    def scope_org(self):
        return self.org
