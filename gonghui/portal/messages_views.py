"""站内信: the worker's messages about her own join application, transfer and hardship
application (platform/inbox; written by the declared transitions, never by a view)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gonghui.platform.inbox.services import mark_read, messages_for
from gonghui.portal.views import member_required

PAGE_SIZE = 50


@member_required
def message_list(request):
    """Newest first; the unread ones marked as such until she opens or marks them read."""
    messages = list(messages_for(request.user)[:PAGE_SIZE])
    unread = sum(1 for m in messages if m.unread)
    return render(request, "portal/messages.html", {"messages_list": messages, "unread": unread})


@member_required
@require_POST
def mark_all_read(request):
    mark_read(actor=request.user)
    return redirect("portal:messages")


@member_required
@require_POST
def message_open(request, pk):
    """Open one message: it is read, and she goes to the page of the record it is about."""
    message = get_object_or_404(messages_for(request.user), pk=pk)
    mark_read(actor=request.user, message_ids=[message.pk])
    link = message.link
    if link.startswith("/m/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}
    ):
        return redirect(link)
    return redirect("portal:messages")
