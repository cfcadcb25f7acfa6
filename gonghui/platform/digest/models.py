"""One row per staff user and day the digest ran (gonghui/platform/digest/services.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DigestRun(models.Model):
    """What was overdue in the user's scope on ``day``, line by line (``lines``: the to-do
    line's key -> its label and count), so that the next day's digest can tell what became
    overdue since, and a second run on the same day sends nothing (unique per user and day).
    Written on days with nothing overdue too, with no message and no SMS."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    lines = models.JSONField(_("overdue lines"), default=dict, blank=True)  # counts, no PI
    overdue_count = models.PositiveIntegerField(_("overdue"), default=0)
    new_count = models.PositiveIntegerField(_("newly overdue"), default=0)
    message = models.ForeignKey(
        "inbox.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sms_queued = models.BooleanField(_("SMS queued"), default=False)
    created_at = models.DateTimeField(_("run at"), default=timezone.now)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_user_day")]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.day}"
