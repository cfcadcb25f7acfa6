"""Shared pieces of the money pages: permission names, running an action with its refusal
shown as a message, links and the page mixin.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.workflow.base import ActionError, OutOfScope

ZERO = Decimal("0.00")
PAY = "assistance.pay_aiditem"
EXPORT = "assistance.export_paymentbatch"
DECIDE = "assistance.change_reviewentry"
FAILED_MESSAGE = _("This payment failed; pay the item again in a new batch.")


def _messages_of(exc) -> str:
    return " ".join(str(m) for m in exc.messages)


def _call(request, fn, /, **kwargs):
    """Run an action; a refusal becomes an error message and ``None`` is returned."""
    try:
        return fn(actor=request.user, **kwargs)
    except ActionError as exc:
        messages.error(request, _messages_of(exc))
    except OutOfScope:
        messages.error(request, _("You cannot place the record there."))
    except PermissionDenied:
        messages.error(request, _("You do not have permission to do this."))
    return None


def _application_link(application):
    try:
        url = reverse("console:assistance_application_change", args=[application.pk])
    except NoReverseMatch:
        return application.number
    return format_html('<a class="text-primary-600" href="{}">{}</a>', url, application.number)


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


class PageMixin:
    """Custom pages of a model admin (detail pages and their POST targets)."""

    def _page(self, request, template, context):
        request.current_app = self.admin_site.name
        return render(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    def _change_url(self, obj):
        opts = self.model._meta
        return reverse(f"console:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def _object_or_404(self, request, object_id):
        return get_scoped_or_404(self.model, request.user, "view", pk=object_id)
