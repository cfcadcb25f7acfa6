"""The privacy notices a worker accepts in the portal (platform/consent): once at her first
login (``portal``), and separately before the hardship application asks for health,
disability and household data (``assistance``). A new version of a notice asks again.

``member_required`` sends a worker who has not accepted the portal notice in force here
first; the application form does the same for the assistance notice."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from gonghui.platform.consent.models import ConsentChannel, NoticePurpose
from gonghui.platform.consent.services import (
    accept_notice,
    active_consent,
    current_notice,
    has_accepted,
    withdraw_consent,
)
from gonghui.platform.workflow.base import ActionError

# Purposes a worker accepts on this page (the join notice is on the join form itself).
PAGE_PURPOSES = {NoticePurpose.PORTAL, NoticePurpose.ASSISTANCE}


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    separate = forms.BooleanField(
        label=_("I give my separate consent to the processing of this sensitive information"),
        required=False,
    )


def privacy_url(purpose: str, next_path: str) -> str:
    return f"{reverse('portal:privacy', args=[purpose])}?next={next_path}"


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/m/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and not target.startswith("/m/privacy/")
    ):
        return target
    return default


def privacy(request, purpose):
    """The notice in force for ``purpose``, and the button that accepts it."""
    if not request.user.is_authenticated or request.user.kind != "member":
        return redirect(f"{reverse('portal:login')}?next={request.path}")
    if purpose not in PAGE_PURPOSES:
        raise Http404
    default = reverse("portal:assistance-apply" if purpose == "assistance" else "portal:home")
    target = _safe_next(request, default)
    notice = current_notice(purpose)
    if notice is None:
        return redirect(target)
    accepted = active_consent(request.user, purpose)
    if accepted is not None and accepted.notice_id != notice.pk:
        accepted = None  # an older version: she is asked again
    form = AcceptForm(request.POST or None, initial={"version": notice.version})
    error = ""
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version"] != notice.version:
            error = _("The privacy notice has changed: read the new version.")
        else:
            try:
                accept_notice(
                    actor=request.user,
                    notice=notice,
                    separate=form.cleaned_data["separate"],
                    channel=ConsentChannel.PORTAL,
                )
            except ActionError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect(target)
    return render(
        request,
        "portal/privacy.html",
        {
            "notice": notice,
            "form": form,
            "error": error,
            "next": target,
            "purpose": purpose,
            "accepted": accepted,
            "decline_url": reverse("portal:assistance") if purpose == "assistance" else "",
        },
    )


def needs_portal_consent(request) -> str | None:
    """Where a logged-in worker must go first: the portal notice, if she has not accepted
    the version in force (then she comes back to this page)."""
    if has_accepted(request.user, NoticePurpose.PORTAL):
        return None
    return privacy_url(NoticePurpose.PORTAL, request.get_full_path())


def needs_assistance_consent(request) -> str | None:
    if has_accepted(request.user, NoticePurpose.ASSISTANCE):
        return None
    return privacy_url(NoticePurpose.ASSISTANCE, reverse("portal:assistance-apply"))


def withdraw(request, purpose):
    """She withdraws her consent, as easily as she gave it (PIPL Art. 15): the portal asks
    again before it goes on (for the hardship form, before it is opened again). POST only."""
    if not request.user.is_authenticated or request.user.kind != "member":
        return redirect(f"{reverse('portal:login')}?next={request.path}")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if purpose not in PAGE_PURPOSES:
        raise Http404
    withdraw_consent(actor=request.user, purpose=purpose)
    if purpose == NoticePurpose.PORTAL:
        logout(request)
        return redirect("portal:login")
    messages.success(request, _("Your consent was withdrawn."))
    return redirect("portal:assistance")


def decline(request):
    """Declining the portal notice ends the session (she can still go to the union office)."""
    if request.method == "POST":
        logout(request)
    return redirect("portal:login")
