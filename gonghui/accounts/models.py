"""Users: staff (username + password), members (phone + SMS code), partners (agency)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField


class UserKind(models.TextChoices):
    STAFF = "staff", _("Union staff")
    MEMBER = "member", _("Worker / member")
    PARTNER = "partner", _("Partner agency")


class GonghuiUserManager(UserManager):
    def get_by_phone(self, phone: str):
        from gonghui.platform.pii.fields import index_for

        return self.get(phone_index=index_for("phone", phone))

    def create_member(self, *, phone: str, **extra):
        user = self.model(
            username=f"m-{uuid.uuid4().hex[:20]}",
            kind=UserKind.MEMBER,
            phone=phone,
            is_staff=False,
            **extra,
        )
        user.set_unusable_password()
        user.save()
        return user


class User(AbstractUser):
    """One account. What it may see comes only from its role grants (access app).

    ``is_superuser`` grants nothing here: :meth:`has_perm` ignores it, so 三员分立 holds even
    for an account created with ``createsuperuser``.
    """

    kind = models.CharField(
        _("account type"),
        max_length=16,
        choices=UserKind.choices,
        default=UserKind.STAFF,
        db_index=True,
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = EncryptedTextField(_("mobile phone"), kind="phone", blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone", unique=True)
    agency = models.CharField(_("partner agency"), max_length=200, blank=True)
    # Both are PI the User model inherits from AbstractUser; kept but unused for members.
    email = models.EmailField(_("email address"), blank=True)
    # Set whenever a new password is saved (not when the hash is merely upgraded); the
    # 90-day expiry of admin and 三员 passwords counts from here (gonghui/accounts/passwords.py).
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # The staff daily digest of what became overdue (gonghui/platform/digest) also by SMS:
    # the user's own choice, off until they switch it on (/console/account/messages/).
    digest_sms = models.BooleanField(_("daily digest by SMS"), default=False)

    objects = GonghuiUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # ``_password`` holds the raw password after set_password() until the next save;
        # Django's hash upgrade on login clears it first, so a rehash is not a change.
        changed = self._password is not None
        if changed:
            self.password_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "password_changed_at" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "password_changed_at"]
        super().save(*args, **kwargs)
        if changed and self.has_usable_password():
            from gonghui.accounts.passwords import remember_password

            remember_password(self)

    def get_full_name(self) -> str:
        return self.display_name or self.username

    def get_short_name(self) -> str:
        return self.display_name or self.username

    # --- permissions: grants only, no superuser bypass ------------------------------------
    def has_perm(self, perm, obj=None):
        if not self.is_active:
            return False
        from gonghui.platform.access.scoping import user_permissions

        return perm in user_permissions(self)

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(p, obj) for p in perm_list)

    def has_module_perms(self, app_label):
        if not self.is_active:
            return False
        from gonghui.platform.access.scoping import user_permissions

        return any(p.startswith(f"{app_label}.") for p in user_permissions(self))

    @property
    def is_member(self) -> bool:
        return self.kind == UserKind.MEMBER


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords (the current one included), so that none of
    the last ``history`` passwords of the policy can be set again."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("password history entry")
        verbose_name_plural = _("password history")
        ordering = ["user_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="pwhist_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"
