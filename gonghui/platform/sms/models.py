from django.db import models
from django.utils.translation import gettext_lazy as _


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
