"""Grants of roles at an org (optionally its subtree), and scoped API tokens."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.platform.access.roles import ROLE_CHOICES


class RoleGrantQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(valid_from__lte=at).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))


class RoleGrant(models.Model):
    """A role held by a user at an org, for that org alone or for its whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    role = models.CharField(_("role"), max_length=40, choices=ROLE_CHOICES)
    include_descendants = models.BooleanField(_("includes subordinate orgs"), default=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_to = models.DateTimeField(_("valid until"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["user_id", "org_id", "role"]
        indexes = [models.Index(fields=["user", "valid_to"], name="grant_user_valid_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="grant_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.org}"

    def scope_org(self):
        return self.org

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.valid_from <= now and (self.valid_to is None or self.valid_to > now)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class APIToken(models.Model):
    """A bearer token for an integration: acts as its own user, limited to listed permissions.

    三员分立 (issue #11, finding 3): a token is created only by its own user, on the console
    page "我的 API 令牌", after a fresh code from their authenticator app, and the raw token is
    shown once to that user. Only a SHA-256 of the token is stored. The security
    administrator lists, limits (fewer permissions, earlier expiry) and revokes tokens; nobody
    creates or reads one for someone else. The 三员 themselves cannot hold tokens.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    permissions = models.JSONField(
        _("permissions"),
        default=list,
        blank=True,
        help_text=_(
            "Permission names this token may use; at use it never exceeds its user's current "
            "grants."
        ),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def usable(self) -> bool:
        return self.refusal() is None

    def refusal(self, at=None) -> str | None:
        """Why the token cannot be used now (``"revoked"``, ``"expired"``), or None."""
        if self.revoked_at is not None:
            return "revoked"
        at = at or timezone.now()
        if self.expires_at is not None and self.expires_at <= at:
            return "expired"
        return None

    @property
    def state_label(self) -> str:
        state = self.refusal()
        if state == "revoked":
            return str(pgettext_lazy("api token", "Revoked"))
        if state == "expired":
            return str(pgettext_lazy("api token", "Expired"))
        return str(pgettext_lazy("api token", "Active"))
