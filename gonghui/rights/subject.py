"""What the rights app holds about a worker, for 我的数据 (platform/consent/subject.py): her
12351 tickets with what she said, the reply, her rating, the documents sent (their names) and
the timeline (the date, the step and the union; never a staff member's name). Read through
``own(user)``; registered in ``RightsConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.platform.consent.subject import Record, Section, fields_of
from gonghui.rights.models import Ticket
from gonghui.rights.words import STEP_LABELS

TICKET_FIELDS = (
    "number",
    "channel",
    "category",
    "state",
    "caller_name",
    "caller_phone",
    "employer_name",
    "employer_address",
    "facts",
    "request",
    "org",
    "received_at",
    "reply",
    "resolved_at",
    "rating",
    "rating_comment",
    "closed_at",
)


def _ticket(ticket: Ticket) -> Record:
    steps = [
        Record(str(STEP_LABELS.get(s.name, s.name)), fields_of(s, ("at", "org_name")))
        for s in ticket.steps.order_by("at", "pk")
    ]
    documents = [
        Record(a.original_name, fields_of(a, ("content_type", "size", "uploaded_at")))
        for a in ticket.attachments.order_by("pk")
    ]
    return Record(
        ticket.number,
        fields_of(ticket, TICKET_FIELDS),
        [
            Section("timeline", _("Timeline"), steps),
            Section("documents", _("Documents"), documents),
        ],
    )


def sections(user) -> list[Section]:
    tickets = Ticket.objects.own(user).select_related("org", "category").order_by("pk")
    return [Section("rights_tickets", _("Your 12351 tickets"), [_ticket(t) for t in tickets])]


def register() -> None:
    from gonghui.platform.consent.subject import register_subject_source

    register_subject_source("rights", sections)
