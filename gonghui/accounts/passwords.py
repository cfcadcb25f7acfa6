"""Password policy (AUTH-2): a configurable profile, its validators and the password history.

``GONGHUI_PASSWORD_PROFILE`` picks the profile:

* ``dengbao`` (default; 等保 2.0 8.1.4.1a "复杂度要求并定期更换"): at least 8 characters, 12 for
  users holding an administrator role (``org_admin``) or a 三员 role; at least 3 of the 4
  character classes (lower case, upper case, digit, other); admin and 三员 passwords expire
  after 90 days; none of the last 5 passwords may be reused.
* ``asvs`` (OWASP ASVS 5.0 6.2.5 / 6.2.10, NIST 800-63B): the same lengths and history but no
  composition rule and no expiry.

Both keep Django's common-password list (about 20,000 entries), the similarity check against
the username and display name, the all-digits check, and accept long passphrases (up to
:attr:`PasswordPolicy.max_length` characters, at least 64). The validators are listed in
``AUTH_PASSWORD_VALIDATORS``; every place that sets a password (account creation, the
system administrator's reset, the console's own password change) runs them with the user.

Members (phone + SMS code) have no usable password and are never concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gonghui.platform.access.roles import OFFICER_ROLES

# Roles whose holders get the longer minimum and the expiry: administrators and 三员.
ELEVATED_ROLES = frozenset({"org_admin"}) | OFFICER_ROLES


@dataclass(frozen=True)
class PasswordPolicy:
    name: str
    min_length: int = 8
    elevated_min_length: int = 12
    min_classes: int = 0  # of lower, upper, digit, other
    expiry_days: int | None = None  # for elevated roles only
    history: int = 5
    max_length: int = 128


PROFILES: dict[str, PasswordPolicy] = {
    "dengbao": PasswordPolicy("dengbao", min_classes=3, expiry_days=90),
    "asvs": PasswordPolicy("asvs"),
}


def current_policy() -> PasswordPolicy:
    name = getattr(settings, "GONGHUI_PASSWORD_PROFILE", "dengbao")
    try:
        return PROFILES[name]
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"GONGHUI_PASSWORD_PROFILE must be one of {sorted(PROFILES)}, got {name!r}"
        ) from exc


def elevated_roles(user) -> set[str]:
    """The administrator and 三员 roles ``user`` holds now (one query)."""
    if user is None or not getattr(user, "pk", None):
        return set()
    from gonghui.platform.access.models import RoleGrant

    return set(
        RoleGrant.objects.active()
        .filter(user_id=user.pk, role__in=ELEVATED_ROLES)
        .values_list("role", flat=True)
    )


def min_length_for(user, policy: PasswordPolicy | None = None) -> int:
    policy = policy or current_policy()
    return policy.elevated_min_length if elevated_roles(user) else policy.min_length


def character_classes(password: str) -> int:
    lower = any("a" <= c <= "z" for c in password)
    upper = any("A" <= c <= "Z" for c in password)
    digit = any("0" <= c <= "9" for c in password)
    other = any(not (c.isascii() and c.isalnum()) for c in password)
    return lower + upper + digit + other


# --- validators (AUTH_PASSWORD_VALIDATORS) ---------------------------------------------------


class PolicyLengthValidator:
    """Minimum length from the profile (longer for administrators and 三员), and a maximum
    that leaves room for passphrases (never below 64)."""

    def validate(self, password, user=None):
        policy = current_policy()
        minimum = min_length_for(user, policy)
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d "
                    "character.",
                    "This password is too short. It must contain at least %(min_length)d "
                    "characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )
        if len(password) > max(policy.max_length, 64):
            raise ValidationError(
                _("This password is too long. It may contain at most %(max_length)d characters."),
                code="password_too_long",
                params={"max_length": max(policy.max_length, 64)},
            )

    def get_help_text(self):
        policy = current_policy()
        return _(
            "Your password must contain at least %(min)d characters "
            "(%(elevated)d for administrators)."
        ) % {"min": policy.min_length, "elevated": policy.elevated_min_length}


class CharacterClassValidator:
    """等保 composition rule: at least ``min_classes`` of lower case, upper case, digits and
    other characters. Off in the ``asvs`` profile."""

    def validate(self, password, user=None):
        needed = current_policy().min_classes
        if needed and character_classes(password) < needed:
            raise ValidationError(
                _(
                    "This password must mix at least %(classes)d of: lower-case letters, "
                    "upper-case letters, digits and symbols."
                ),
                code="password_too_simple",
                params={"classes": needed},
            )

    def get_help_text(self):
        needed = current_policy().min_classes
        if not needed:
            return ""
        return _(
            "Your password must mix at least %(classes)d of: lower-case letters, "
            "upper-case letters, digits and symbols."
        ) % {"classes": needed}


class PasswordHistoryValidator:
    """None of the last ``history`` passwords (the current one included) may be set again."""

    def validate(self, password, user=None):
        policy = current_policy()
        if not policy.history or user is None or not getattr(user, "pk", None):
            return
        from gonghui.accounts.models import PasswordHistory

        hashes = PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
            : policy.history
        ]
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("You used this password recently. Choose one you have not used before."),
                code="password_reused",
            )

    def get_help_text(self):
        return _("Your password cannot be one of your last %(count)d passwords.") % {
            "count": current_policy().history
        }


# --- history and expiry ----------------------------------------------------------------------


def remember_password(user) -> None:
    """Called by ``User.save`` after a new password was saved: keep its hash in the history
    and drop entries beyond what any profile needs."""
    from gonghui.accounts.models import PasswordHistory

    PasswordHistory.objects.create(user=user, password=user.password, created_at=timezone.now())
    keep = max(p.history for p in PROFILES.values())
    stale = list(
        PasswordHistory.objects.filter(user_id=user.pk).values_list("id", flat=True)[keep:]
    )
    if stale:
        PasswordHistory.objects.filter(id__in=stale).delete()


def password_expired(user, now=None) -> bool:
    """True when ``user``'s password is older than the profile's expiry and the user holds an
    administrator or 三员 role. Cheap for everyone else: the role query runs only when the
    password is old."""
    policy = current_policy()
    if not policy.expiry_days or user is None or getattr(user, "kind", None) == "member":
        return False
    changed = getattr(user, "password_changed_at", None)
    if changed is None or not user.has_usable_password():
        return False
    now = now or timezone.now()
    if now - changed <= timedelta(days=policy.expiry_days):
        return False
    return bool(elevated_roles(user))


def policy_violations(password: str, user) -> list[str]:
    """Messages for a (correct) password that the current policy would not accept any more,
    e.g. 8 characters for a user who has since been made an administrator. The history rule is
    left out: the current password is always in the history."""
    from django.contrib.auth.password_validation import get_default_password_validators

    messages: list[str] = []
    for validator in get_default_password_validators():
        if isinstance(validator, PasswordHistoryValidator):
            continue
        try:
            validator.validate(password, user)
        except ValidationError as exc:
            messages.extend(exc.messages)
    return messages
