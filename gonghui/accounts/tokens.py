"""「我的 API 令牌」: a staff member's own API tokens (issue #11, finding 3).

* ``/console/account/tokens/`` lists the user's tokens (name, prefix, permissions, expiry,
  last use, state) with a button to revoke each;
* ``/console/account/tokens/new/`` creates one: a name, a subset of the user's own
  permissions, an expiry (7 days to 1 year) and a code from their authenticator app typed
  now (:func:`gonghui.platform.access.actions.create_api_token`). The raw token is shown on
  the answer to that POST and never again (only its SHA-256 is stored);
* ``/console/account/tokens/<id>/revoke/`` (POST) revokes one of one's own tokens.

Only union staff with business roles have tokens: the 三员, partner agencies and members get
403. The security administrator's view of all tokens is ``/console/access/apitoken/``.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from gonghui.platform.access import actions
from gonghui.platform.access.labels import permission_choices, permission_label
from gonghui.platform.access.models import APIToken

LIST_URL = "/console/account/tokens/"
EXPIRY_DAYS = (7, 30, 90, 180, 365)


def _days_label(days: int) -> str:
    if days == 365:
        return str(gettext_lazy("1 year"))
    return str(ngettext_lazy("%(n)d day", "%(n)d days", days) % {"n": days})


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        widget=UnfoldAdminTextInputWidget,
        help_text=gettext_lazy("What the token is for, e.g. the system that will use it."),
    )
    permissions = forms.MultipleChoiceField(
        label=gettext_lazy("Permissions"),
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=gettext_lazy("Only what the integration needs; you can only pick your own."),
    )
    expires_in = forms.TypedChoiceField(
        label=gettext_lazy("Expires after"),
        coerce=int,
        initial=90,
        widget=UnfoldAdminSelectWidget,
    )
    otp_code = forms.CharField(
        label=gettext_lazy("6-digit code from your authenticator app"),
        max_length=10,
        widget=UnfoldAdminTextInputWidget(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
        help_text=gettext_lazy("Creating a token needs a code typed now, not only at login."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["permissions"].choices = permission_choices(actions.own_permissions(user))
        self.fields["expires_in"].choices = [(d, _days_label(d)) for d in EXPIRY_DAYS]

    def clean_otp_code(self):
        code = "".join(self.cleaned_data["otp_code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise ValidationError(_("Enter the 6 digits shown by your authenticator app."))
        return code


def _eligible(request):
    refusal = actions.token_refusal(request.user)
    if refusal:
        raise PermissionDenied(refusal)


def _context(request, **extra):
    from gonghui.console.sites import console_site

    request.current_app = console_site.name
    return {**console_site.each_context(request), **extra}


def _rows(user):
    tokens = APIToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
    return [
        {
            "token": t,
            "labels": [permission_label(p) for p in t.permissions],
            "usable": t.usable,
        }
        for t in tokens
    ]


@never_cache
def my_tokens_view(request):
    _eligible(request)
    from gonghui.accounts.twofactor import has_confirmed_totp

    context = _context(
        request,
        title=_("My API tokens"),
        rows=_rows(request.user),
        has_authenticator=has_confirmed_totp(request.user),
    )
    return TemplateResponse(request, "accounts/tokens/list.html", context)


@never_cache
def new_token_view(request):
    """The form, and on success the raw token, shown on this answer only."""
    _eligible(request)
    from gonghui.accounts.twofactor import SETUP_URL, has_confirmed_totp

    if not has_confirmed_totp(request.user):
        messages.warning(
            request,
            _("Set up two-step login with an authenticator app before creating an API token."),
        )
        return redirect(SETUP_URL)
    form = NewTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            token, raw = actions.create_api_token(
                actor=request.user,
                name=d["name"],
                permissions=d["permissions"],
                expires_at=timezone.now() + timedelta(days=d["expires_in"]),
                otp_code=d["otp_code"],
            )
        except ValidationError as exc:
            field = "otp_code" if getattr(exc, "code", "") == "second_factor" else None
            form.add_error(field, exc)
        else:
            context = _context(
                request,
                title=_("Your new API token"),
                token=token,
                raw=raw,
                labels=[permission_label(p) for p in token.permissions],
            )
            return TemplateResponse(request, "accounts/tokens/created.html", context)
    context = _context(request, title=_("New API token"), form=form)
    return TemplateResponse(request, "accounts/tokens/new.html", context)


@never_cache
@require_POST
def revoke_token_view(request, pk: int):
    _eligible(request)
    token = APIToken.objects.filter(pk=pk, user_id=request.user.pk).first()
    if token is None:
        raise Http404  # someone else's token does not exist here
    try:
        actions.revoke_api_token(actor=request.user, token=token)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect(LIST_URL)


def account_links(request) -> list[dict]:
    """The console's account menu (UNFOLD["ACCOUNT"]["navigation"]): the password change and,
    for those who may hold them, one's own API tokens."""
    links = []
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return links
    if user.has_usable_password():
        links.append({"title": _("Change password"), "link": "/console/password_change/"})
    if actions.token_refusal(user) is None:
        links.append({"title": _("My API tokens"), "link": LIST_URL})
    from gonghui.accounts.messages import unread_link

    if (inbox := unread_link(request)) is not None:
        links.append(inbox)
    return links
