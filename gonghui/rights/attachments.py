"""Documents on a 12351 ticket (a pay slip, a contract, a photo of the injury).

Checked by content the platform's way (``platform/validators/uploads.py``: PDF, JPEG or PNG,
at most 10 MB, whatever the name says) and stored as the hardship attachments are: sealed at
rest in private storage under a random name, read back only by a random id through a view
that first finds the ticket in the reader's scope (the worker: her own ticket; staff: a
ticket in their subtree), each download an audit event.

Who adds one: the worker to her own ticket until it is closed (when she files it, or later on
her ticket page); staff who may change the ticket in their scope (the operator on the call, the
handling union). A bad file is refused with the reason and nothing is written.
"""

from __future__ import annotations

import uuid

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.pii.files import open_for_download
from gonghui.platform.validators.uploads import UploadError, check_upload
from gonghui.platform.workflow.base import ActionError, OutOfScope, action
from gonghui.rights.choices import TicketState
from gonghui.rights.models import Ticket, TicketAttachment

CHANGE = "rights.change_ticket"


def is_worker(user) -> bool:
    return getattr(user, "kind", "") == "member"


def check(upload) -> None:
    """Refuse a bad file before anything is written (the form checks every file first)."""
    try:
        check_upload(upload)
    except UploadError as exc:
        raise ActionError(exc.message, code=exc.code) from None


@action("rights.add_attachment")
def add_attachment(ctx, *, ticket: Ticket, upload) -> TicketAttachment:
    actor = ctx.actor
    if is_worker(actor):
        ticket = Ticket.objects.own(actor).filter(pk=ticket.pk).first()
        if ticket is None:
            raise OutOfScope("not her ticket")
    else:
        ticket = ctx.require(ticket, CHANGE)
    if ticket.state == TicketState.CLOSED:
        raise ActionError(_("Nothing can be added to a closed ticket."), code="ticket_closed")
    try:
        checked = check_upload(upload)
    except UploadError as exc:
        raise ActionError(exc.message, code=exc.code) from None
    att = TicketAttachment(
        ticket=ticket,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    att.content.save(uuid.uuid4().hex + checked.extension, upload, save=False)
    att.save()
    ctx.wrote(att, details={"ticket": ticket.number, "size": att.size, "type": att.content_type})
    ctx.org = ticket.org
    return att


def readable_tickets(user):
    """The tickets ``user`` may read: her own for a worker, the scope's for staff."""
    if is_worker(user):
        return Ticket.objects.own(user)
    return restrict(Ticket, user, "view")


def may_add(user, ticket: Ticket) -> bool:
    """Whether to offer the upload on the ticket's page."""
    if ticket.state == TicketState.CLOSED:
        return False
    if is_worker(user):
        return ticket.caller_user_id == getattr(user, "pk", None)
    return restrict(Ticket, user, CHANGE).filter(pk=ticket.pk).exists()


def download(request, public_id) -> FileResponse:
    """Stream one attachment to a reader of its ticket; 404 for anyone else. Audited."""
    att = (
        TicketAttachment.objects.select_related("ticket__org")
        .filter(public_id=public_id, ticket__in=readable_tickets(request.user))
        .first()
    )
    if att is None:
        raise Http404
    handle = open_for_download(att.content)  # sealed at rest: decrypted as it streams
    record_event(
        actor=request.user,
        action="rights.download_attachment",
        obj=att,
        org=att.ticket.org,
        details={"ticket": att.ticket.number},
    )
    response = FileResponse(
        handle, as_attachment=True, filename=att.original_name, content_type=att.content_type
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
