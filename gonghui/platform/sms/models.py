from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.pii.fields import EncryptedTextField


class SMSCode(models.Model):
    """A one-time login code sent to a phone. The phone is kept only as its blind index and
    the code only as a hash; rows also serve as the send log for rate limiting."""

    phone_index = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=20, default="login")
    code_hash = models.CharField(max_length=64)
    ip = models.CharField(max_length=45, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["phone_index", "created_at"], name="smscode_phone_time")]

    def __str__(self) -> str:
        return f"SMS code {self.pk} ({self.purpose})"


class OutboxState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxSMS(models.Model):
    """One SMS to send (gonghui/platform/sms/outbox.py). Written in the transaction of what it
    is about, sent after that commits, retried with backoff; ``next_attempt_at`` is also the
    claim: a processor that takes a row moves it a lease ahead, so no other processor takes it
    while it is being sent, and a row left behind by a dead process becomes due again."""

    phone = EncryptedTextField(_("mobile phone"), kind="phone")
    # Encrypted too: a login code must not be readable in the database.
    message = EncryptedTextField(_("message"), kind="text")
    state = models.CharField(
        _("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A message that is useless later (a login code) is not sent after this.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)  # never PI
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queued SMS")
        verbose_name_plural = _("SMS outbox")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="smsoutbox_due")]

    def __str__(self) -> str:
        return f"SMS {self.pk} ({self.state})"
