"""Append-only audit log, chained by SHA-256 so that any edit or deletion is detectable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened: who did what to which object, from where, and when.

    Rows are never updated or deleted (a PostgreSQL trigger refuses both). Each row stores
    the hash of its predecessor and its own hash over its content; ``audit_verify`` walks
    the chain and reports the first row whose link is broken.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    org_path = models.CharField(_("org path"), max_length=255, blank=True, db_index=True)
    # Kept as text: the hash must round-trip byte for byte, which inet does not promise.
    ip = models.CharField(_("source IP"), max_length=45, null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
