"""The public notice (公示) of a union's hardship cases, and the form to object to one.

Public (url_policy ``^gs/``): anyone with the link reads it, no login. What a case shows and
which cases are listed is :mod:`gonghui.assistance.publicity`'s; an objection is recorded by
the one objection action (``assistance.record_objection`` with ``public=True``), so the
centre finds it on the case page among the others and decides it there.

An objection form cannot be flooded: each client address may send
``OBJECTIONS_PER_IP_HOUR`` objections an hour and each case takes ``OBJECTIONS_PER_CASE_HOUR``
an hour, counted in the cache as the public join form counts its attempts (shared between
processes when Redis is configured). No SMS code: an objector may stay anonymous.
"""

from __future__ import annotations

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance.actions import record_objection
from gonghui.assistance.publicity import (
    case_token,
    cases_in_publicity,
    find_case,
    notice_org,
    public_case,
)
from gonghui.platform.audit.middleware import client_ip
from gonghui.platform.workflow.base import ActionError

OBJECTIONS_PER_IP_HOUR = 5
OBJECTIONS_PER_CASE_HOUR = 20
CASES_PER_PAGE = 30
HOUR = 3600


class ObjectionForm(forms.Form):
    content = forms.CharField(
        label=_("Your objection"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Say what you know that the union should check, e.g. income, a car or a house "
            "not declared."
        ),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Your mobile number (optional)"),
        max_length=20,
        required=False,
        help_text=_("Only the assistance centre sees it, to call you back about your objection."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


def _count(key: str) -> int:
    """Count one attempt under ``key`` and return the count within the hour."""
    cache.add(key, 0, timeout=HOUR)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=HOUR)
        return 1


def _flooded(request, token: str) -> bool:
    by_ip = _count(f"assistance:objection:ip:{client_ip(request) or 'unknown'}")
    by_case = _count(f"assistance:objection:case:{token}")
    return by_ip > OBJECTIONS_PER_IP_HOUR or by_case > OBJECTIONS_PER_CASE_HOUR


def _org_or_404(org_id: int):
    org = notice_org(org_id)
    if org is None:
        raise Http404
    return org


def publicity(request, org_id: int):
    """The notice: every case of the union and below whose publicity runs today."""
    org = _org_or_404(org_id)
    today = timezone.localdate()
    page = Paginator(cases_in_publicity(org, today), CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/publicity.html",
        {
            "org": org,
            "page": page,
            "cases": page.object_list,
            "today": today,
            "received": request.GET.get("objection") == "received",
        },
    )


def objection(request, org_id: int, token: str):
    """Object to one case of the notice while its publicity runs."""
    org = _org_or_404(org_id)
    today = timezone.localdate()
    application = find_case(org, token, today)
    if application is None:
        # Unknown, forged, or its publicity ended: the same answer for each.
        return render(request, "portal/publicity_gone.html", {"org": org}, status=404)
    form = ObjectionForm(request.POST or None)
    context = {"org": org, "case": public_case(application), "form": form}
    if request.method == "POST" and form.is_valid():
        if _flooded(request, case_token(application)):
            form.add_error(None, _("Too many objections from this network. Try again later."))
            context["show_errors"] = True
            return render(request, "portal/publicity_objection.html", context, status=429)
        data = form.cleaned_data
        try:
            record_objection(
                actor=None,
                public=True,
                application=application,
                content=data["content"],
                raised_by=data["name"],
                contact_phone=data["phone"],
            )
        except ActionError as exc:
            field = "phone" if getattr(exc, "code", "") == "invalid_phone" else None
            form.add_error(field, " ".join(exc.messages))
        else:
            return redirect(reverse("publicity", args=[org.pk]) + "?objection=received")
    context["show_errors"] = request.method == "POST"
    return render(request, "portal/publicity_objection.html", context)
