"""「我的消息」: a staff user's own messages in the console (the daily digest of what became
overdue, gonghui/platform/digest), and their choice to get the digest by SMS too.

* ``/console/account/messages/`` lists the user's messages, newest first, unread ones marked,
  each digest with its overdue lines and links; a form switches the SMS digest on or off
  (:func:`gonghui.accounts.actions.set_digest_sms`);
* ``/console/account/messages/read/`` (POST) marks them all read.

The start page shows the unread count (:func:`start_page_section`); the account menu links to
the list (:func:`unread_link`).
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gonghui.accounts.actions import set_digest_sms
from gonghui.platform.inbox.services import mark_read, messages_for, unread_count
from gonghui.platform.pii.masking import mask_phone

LIST_URL = "/console/account/messages/"
PAGE_SIZE = 50


def _own(request):
    user = request.user
    if not user.is_authenticated or user.is_member:
        raise PermissionDenied
    return user


def _context(request, **extra):
    from gonghui.console.sites import console_site

    request.current_app = console_site.name
    return {**console_site.each_context(request), **extra}


@never_cache
def my_messages_view(request):
    user = _own(request)
    rows = list(messages_for(user)[:PAGE_SIZE])
    context = _context(
        request,
        title=_("My messages"),
        rows=rows,
        unread=sum(1 for m in rows if m.unread),
        digest_sms=user.digest_sms,
        phone=mask_phone(user.phone) if user.phone else "",
    )
    return TemplateResponse(request, "accounts/messages/list.html", context)


@require_POST
def mark_messages_read_view(request):
    mark_read(actor=_own(request))
    return redirect(LIST_URL)


@require_POST
def digest_sms_view(request):
    user = _own(request)
    on = request.POST.get("digest_sms") == "on"
    if on and not user.phone:
        flash.error(request, _("Your account has no mobile phone; the SMS cannot be sent."))
        return redirect(LIST_URL)
    set_digest_sms(actor=user, on=on)
    flash.success(
        request,
        _("The daily digest will also come by SMS.")
        if on
        else _("The daily digest will no longer come by SMS."),
    )
    return redirect(LIST_URL)


def unread_link(request) -> dict | None:
    """The account menu's entry. It carries no count: the menu is on every console page and a
    count would cost every page a query; the start page, where the digest is read, shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_member:
        return None
    return {"title": _("My messages"), "link": LIST_URL}


def start_page_section(user) -> dict:
    """For the console's start page: the link to one's messages and the unread count."""
    return {"inbox_url": LIST_URL, "inbox_unread": unread_count(user)}
