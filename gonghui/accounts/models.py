"""Users: staff (username + password), members (phone + SMS code), partners (agency)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
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

    objects = GonghuiUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

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
