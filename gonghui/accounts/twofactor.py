"""Second factor (AUTH-5): TOTP with django-otp for every staff and partner account.

* :class:`SecondFactorMiddleware` keeps a staff or partner session that has not passed its
  second factor out of the console and the session-authenticated API: console pages redirect
  to ``/console/2fa/setup/`` (no confirmed device yet) or ``/console/2fa/verify/``, the API
  answers ``403 {"error": {"code": "second_factor_required"}}``. Members (portal, phone + SMS
  code) are not concerned. An API bearer token is made by its own user with a code typed at
  that moment (:func:`verify_fresh_code`, gonghui/accounts/tokens.py): a request that carries
  one is decided by the token alone (gonghui/platform/api/auth.py; an unverified browser
  session riding along is dropped, never used as a fallback).
* :func:`setup_view` enrols on first login: an unconfirmed :class:`TOTPDevice`, its QR code
  (segno, inline SVG: no external service) and base32 secret; the first correct code confirms
  it, verifies the session and shows 10 single-use recovery codes once.
* :func:`verify_view` accepts a TOTP code (±1 step of drift; a code is never accepted twice,
  django-otp's ``last_t``) or a recovery code (deleted when used). Failures are audited
  (``auth.otp_failed``) and throttled by django-otp (1 s, doubling per consecutive failure).
* :func:`check_second_factor_settings` is a system check: production without the second
  factor is an error.

In demo mode ``GONGHUI_2FA_DEMO_SKIP`` (default on) lets staff in without it, and every
console page shows a banner saying so (``templates/admin/base_site.html``).
"""

from __future__ import annotations

from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.checks import Error, register
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.platform.api.errors import error_response
from gonghui.platform.audit.services import record_event

SETUP_URL = "/console/2fa/setup/"
VERIFY_URL = "/console/2fa/verify/"
CONSOLE_PREFIX = "/console/"
API_PREFIX = "/api/"
# Reachable by a staff session before its second factor: the login and logout, the 2FA pages
# themselves and the admin's JavaScript translations. Static files and the language switch
# (/static/, /i18n/) are outside the protected prefixes anyway.
EXEMPT_PREFIXES = (
    "/console/login/",
    "/console/logout/",
    "/console/2fa/",
    "/console/jsi18n/",
)
RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery"
TOTP_DEVICE_NAME = "authenticator"
SECOND_FACTOR_REQUIRED = "second_factor_required"


# --- policy ----------------------------------------------------------------------------------


def demo_skip_active() -> bool:
    """Demo mode with GONGHUI_2FA_DEMO_SKIP: staff log in with a password only."""
    return bool(settings.DEMO_MODE and getattr(settings, "GONGHUI_2FA_DEMO_SKIP", False))


def second_factor_enforced() -> bool:
    if settings.PRODUCTION:
        return True  # whatever the settings say; the system check also reports it
    return bool(getattr(settings, "GONGHUI_REQUIRE_2FA", True)) and not demo_skip_active()


def applies_to(user) -> bool:
    """Staff and partner accounts need a second factor; members never (phone + SMS code)."""
    return bool(user is not None and user.is_authenticated and user.kind != "member")


def is_verified(user) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def has_confirmed_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_second_factor(user) -> bool:
    return second_factor_enforced() and applies_to(user) and not is_verified(user)


def _wants_bearer(request) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[:7].lower() == "bearer "


class SecondFactorMiddleware:
    """After AuthenticationMiddleware, OTPMiddleware and ActiveAccountMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._gate(request)
        return response if response is not None else self.get_response(request)

    def _gate(self, request):
        user = getattr(request, "user", None)
        path = request.path_info
        if not applies_to(user):
            return None
        if not second_factor_enforced():
            # Read by templates/admin/base_site.html to show the demo banner.
            request.second_factor_skipped = demo_skip_active()
            return None
        if is_verified(user):
            return None
        if path.startswith(API_PREFIX):
            if _wants_bearer(request):
                # A bearer token is a machine credential: it alone decides (TokenAuth).
                request.user = AnonymousUser()
                return None
            return error_response(
                request,
                403,
                SECOND_FACTOR_REQUIRED,
                _("Complete the second-factor login in the console first."),
            )
        if path.startswith(CONSOLE_PREFIX) and not path.startswith(EXEMPT_PREFIXES):
            target = VERIFY_URL if has_confirmed_totp(user) else SETUP_URL
            if request.method == "GET":
                return redirect_to_login(request.get_full_path(), target, REDIRECT_FIELD_NAME)
            return HttpResponseRedirect(target)
        return None


@register()
def check_second_factor_settings(app_configs=None, **kwargs):
    """AUTH-5: production cannot run without the second factor."""
    errors = []
    if settings.PRODUCTION and not getattr(settings, "GONGHUI_REQUIRE_2FA", True):
        errors.append(
            Error(
                "GONGHUI_REQUIRE_2FA is off in production.",
                hint="The second factor (TOTP) is mandatory for staff and partner accounts "
                "in production: remove GONGHUI_REQUIRE_2FA from the environment.",
                id="gonghui.E201",
            )
        )
    if settings.PRODUCTION and getattr(settings, "GONGHUI_2FA_DEMO_SKIP", False):
        errors.append(
            Error(
                "GONGHUI_2FA_DEMO_SKIP is on in production.",
                hint="Skipping the second factor is for demo instances only.",
                id="gonghui.E202",
            )
        )
    return errors


# --- helpers ---------------------------------------------------------------------------------


def _safe_next(request, default: str = CONSOLE_PREFIX) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and target.startswith(CONSOLE_PREFIX)
        and not target.startswith(EXEMPT_PREFIXES)
    ):
        return target
    return default


def _site_context(request) -> dict:
    from gonghui.console.sites import console_site

    context = console_site.each_context(request)
    context["next"] = _safe_next(request)
    return context


def _staff_only(request):
    """Anonymous → the console login; members have nothing to do here."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), "/console/login/")
    if not applies_to(user) or not user.is_active:
        raise PermissionDenied
    return None


def otpauth_qr_svg(uri: str) -> str:
    from gonghui.platform.qr import qr_svg_inline

    return qr_svg_inline(uri, scale=5, title=_("Scan with your authenticator app"))


def grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with 10 fresh single-use ones; returns them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def verify_fresh_code(user, code: str, *, step: str) -> tuple[TOTPDevice | None, bool]:
    """Check a code the user just typed from their authenticator app, for a sensitive step
    (``step``, e.g. ``"api_token"``) that needs a second factor *now*, not only at login.

    TOTP only (a recovery code is for getting in when the phone is lost); a code is never
    accepted twice, so the one typed at login does not count again. Runs in its own
    transaction, so that a wrong code counts towards django-otp's throttling and is audited
    (``auth.otp_failed`` with ``step``) even though the caller then refuses. Returns the
    verified device, or None, and whether throttling refused the attempt."""
    code = "".join((code or "").split())
    verified, throttled = None, False
    if user is not None and user.is_authenticated and len(code) == 6 and code.isdigit():
        with transaction.atomic():
            devices = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True)
            for device in devices:
                if _throttle_message(device):
                    throttled = True
                    continue
                if device.verify_token(code):
                    verified = device
                    break
    if verified is None and user is not None and user.is_authenticated:
        record_event(
            actor=user,
            action="auth.otp_failed",
            obj=user,
            details={"method": "totp", "step": step, "throttled": throttled},
        )
    return verified, throttled


def freshly_verified(device, user, *, seconds: int = 120) -> bool:
    """``device`` is ``user``'s confirmed authenticator and verified a code in the last
    ``seconds`` (read again from the database, not from the object passed in)."""
    if device is None or user is None:
        return False
    row = TOTPDevice.objects.filter(pk=device.pk, user_id=user.pk, confirmed=True).first()
    if row is None or row.last_used_at is None:
        return False
    return (timezone.now() - row.last_used_at).total_seconds() <= seconds


def end_sessions_of(user) -> int:
    """Delete every stored session of ``user`` (database-backed session engines)."""
    from importlib import import_module

    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
        "gonghui.platform.security.sessions",
    ):
        return 0  # the devices are gone anyway: such a session can no longer pass 2FA
    store = import_module(settings.SESSION_ENGINE).SessionStore
    doomed = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    for key in doomed:
        store(session_key=key).delete()
    return len(doomed)


# --- forms -----------------------------------------------------------------------------------


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError(_("Enter the 6 digits shown by your authenticator app."))
        return code


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Authenticator code or recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


# --- views -----------------------------------------------------------------------------------


def _throttle_message(device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    return _("Too many wrong codes. Wait a moment and try again.")


@never_cache
@csrf_protect
def setup_view(request):
    """Enrol an authenticator app: only while the account has no confirmed device."""
    refused = _staff_only(request)
    if refused is not None:
        return refused
    user = request.user
    if has_confirmed_totp(user):
        # Re-enrolment needs a reset by the security administrator, never just a password.
        return redirect(CONSOLE_PREFIX if is_verified(user) else VERIFY_URL)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False, tolerance=1
        )
    form = TotpCodeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        from gonghui.accounts.actions import enrol_second_factor

        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            error = _throttle_message(device)
            ok = error is None and device.verify_token(form.cleaned_data["code"])
        if ok:
            codes = enrol_second_factor(actor=user, device=device)
            otp_login(request, device)
            context = {**_site_context(request), "codes": codes, "title": _("Recovery codes")}
            return render(request, "accounts/twofactor/recovery_codes.html", context)
        record_event(
            actor=user,
            action="auth.otp_failed",
            obj=user,
            details={"method": "totp", "step": "enrolment", "throttled": error is not None},
        )
        form.add_error("code", error or _("The code is not correct. Check your phone's clock."))
    context = {
        **_site_context(request),
        "title": _("Set up two-step login"),
        "form": form,
        "qr_svg": otpauth_qr_svg(device.config_url),
        "secret": grouped_secret(device),
    }
    return render(request, "accounts/twofactor/setup.html", context)


@never_cache
@csrf_protect
def verify_view(request):
    """Second step of every staff login: a TOTP code or one recovery code."""
    refused = _staff_only(request)
    if refused is not None:
        return refused
    user = request.user
    if is_verified(user):
        return redirect(_safe_next(request))
    if not has_confirmed_totp(user):
        return redirect(SETUP_URL)
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        method = "totp" if code.isdigit() and len(code) == 6 else "recovery"
        model = TOTPDevice if method == "totp" else StaticDevice
        verified, throttled = None, False
        with transaction.atomic():
            for device in model.objects.select_for_update().filter(user=user, confirmed=True):
                if _throttle_message(device):
                    throttled = True
                    continue
                if device.verify_token(code):
                    verified = device
                    break
        if verified is not None:
            otp_login(request, verified)
            details = {"method": method}
            if method == "recovery":
                details["recovery_codes_left"] = verified.token_set.count()
            record_event(actor=user, action="auth.otp_verified", obj=user, details=details)
            return redirect(_safe_next(request))
        record_event(
            actor=user,
            action="auth.otp_failed",
            obj=user,
            details={"method": method, "step": "login", "throttled": throttled},
        )
        form.add_error(
            "code",
            _("Too many wrong codes. Wait a moment and try again.")
            if throttled
            else _("The code is not correct or was already used."),
        )
    context = {**_site_context(request), "title": _("Two-step login"), "form": form}
    return render(request, "accounts/twofactor/verify.html", context)
