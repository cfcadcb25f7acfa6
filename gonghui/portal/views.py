"""Worker portal (/m/): phone + SMS code login and the member's home."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts.actions import member_sign_in
from gonghui.platform.audit.context import current
from gonghui.platform.audit.services import record_event
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.sms.services import (
    CodeInvalid,
    RateLimited,
    send_login_code,
    verify_login_code,
)
from gonghui.portal.forms import CodeForm, PhoneForm

SESSION_PHONE = "portal_login_phone"
SESSION_DEMO_CODE = "portal_demo_code"
BACKEND = "gonghui.platform.access.backends.GrantBackend"


def member_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or request.user.kind != "member":
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


def login_phone(request):
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            sent = send_login_code(phone=phone, ip=current().ip)
        except RateLimited as exc:
            form.add_error(None, str(exc))
        else:
            request.session[SESSION_PHONE] = phone
            if settings.SMS_SHOW_CODE_ON_PAGE:
                request.session[SESSION_DEMO_CODE] = sent.code
            return redirect("portal:verify")
    return render(request, "portal/login.html", {"form": form})


def login_verify(request):
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verify_login_code(phone=phone, code=form.cleaned_data["code"].strip())
            user = member_sign_in(actor=request.user, phone=phone)
        except CodeInvalid as exc:
            record_event(
                actor=None,
                action="auth.login_failed",
                actor_label=mask_phone(phone),
                details={"method": "sms", "phone": mask_phone(phone)},
            )
            form.add_error("code", str(exc))
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            request.session.pop(SESSION_PHONE, None)
            request.session.pop(SESSION_DEMO_CODE, None)
            request.login_method = "sms"
            login(request, user, backend=BACKEND)
            target = request.GET.get("next", "")
            if not target.startswith("/m/") or target.startswith("//"):
                target = reverse("portal:home")
            return redirect(target)
    return render(
        request,
        "portal/verify.html",
        {
            "form": form,
            "masked_phone": mask_phone(phone),
            "demo_code": request.session.get(SESSION_DEMO_CODE),
        },
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:login")


@member_required
def home(request):
    return render(
        request,
        "portal/home.html",
        {
            "masked_phone": mask_phone(request.user.phone),
            "greeting": _("Hello"),
        },
    )
