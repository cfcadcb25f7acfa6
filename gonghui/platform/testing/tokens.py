"""API tokens in tests: an authenticator for a user, its current code, and a token made the
way users make them (their own, after a code from their authenticator)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    """The user's confirmed TOTP device (created if missing; test set-up)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=True, tolerance=1
        )
    return device


def current_code(device: TOTPDevice, *, offset_steps: int = 0, now: float | None = None) -> str:
    import time

    t = (int(now if now is not None else time.time()) - device.t0) // device.step
    return f"{hotp(device.bin_key, t + offset_steps, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    """Six digits the device does not accept now (none of the steps its tolerance allows)."""
    accepted = {current_code(device, offset_steps=o) for o in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in accepted)


def forget_last_code(device: TOTPDevice) -> None:
    """Let the current step's code be used again (test set-up only: after one code was used
    to set the world up, the test itself may need a fresh one within the same 30 s)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)


def issue_token(user, permissions=("orgs.view_org",), *, name="integration", days=30):
    """The user's own token through the real action and a real code. Returns (token, raw)."""
    from gonghui.platform.access.actions import create_api_token

    device = authenticator(user)
    forget_last_code(device)
    token, raw = create_api_token(
        actor=user,
        name=name,
        permissions=list(permissions),
        expires_at=timezone.now() + timedelta(days=days),
        otp_code=current_code(device),
    )
    forget_last_code(device)
    return token, raw
