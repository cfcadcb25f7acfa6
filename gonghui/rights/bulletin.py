"""The monthly 12351 通报: per handling union in the viewer's scope, what came in and how it
was handled in one month, unions with the most overdue tickets first, and the tickets longest
overdue at the month's end. A console page (printable) and an .xlsx download (audited).

What each column counts, for the month ``[first day, first day of the next month)``:

* 受理 received: tickets received in the month, under the union handling them now.
* 办结 closed: tickets closed (结案) in the month; 按期办结 closed on time: of those, the ones
  resolved by the due day of their 办结 clock (``finish_rule``).
* 月末超期 overdue at month end: tickets received before the month ended and not resolved or
  closed by then whose 办结 clock was past due on the month's last day. A ticket resolved
  and later reopened has no resolution date any more and counts as unresolved.
* 督办 escalated: tickets the nightly deadline run escalated for supervision in the month
  (``calendar.DeadlineEvent`` of kind ``escalated``), once per ticket, under the union
  handling the ticket now (like every column but 退回).
* 退回 returned: returns recorded in the month, under the union that returned the ticket.
* 不满意 unsatisfied: unsatisfied ratings recorded in the month and not yet followed by a
  reopen, plus the reopens (重办) of the month (each answers an unsatisfied rating).

No worker is named or ranked: rows are unions, the overdue list shows ticket numbers only.
Every read goes through ``restrict``; the query count does not grow with the tickets.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import restrict
from gonghui.platform.calendar import workdays
from gonghui.platform.calendar.deadlines import start_of_day
from gonghui.platform.calendar.workdays import CalendarYearMissing
from gonghui.rights.choices import Extension, Rating, TicketState
from gonghui.rights.models import Ticket

VIEW = "rights.view_ticket"
WORST = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    "received",
    "closed",
    "closed_on_time",
    "overdue",
    "escalated",
    "returned",
    "unsatisfied",
)


def finish_rule(*, complexity: str, is_petition: bool, extension: str):
    """A ticket's 办结 clock (rights/deadlines.py), whatever its state now: the table's
    working days per class (plus 延期 when granted), or the 信访 calendar days."""
    from gonghui.rights.deadlines import RULES

    extended = extension == Extension.GRANTED
    if is_petition:
        return RULES["rights.petition_finish_extended" if extended else "rights.petition_finish"]
    return RULES[f"rights.{'finish_extended' if extended else 'finish'}.{complexity}"]


def resolved_on_time(*, received_at, resolved_at, **clock) -> bool:
    """Whether a ticket received at ``received_at`` was resolved by its 办结 due day (a year
    missing from the calendar: not on time, it cannot be shown)."""
    if resolved_at is None:
        return False
    try:
        return not finish_rule(**clock).is_overdue(
            timezone.localdate(received_at), timezone.localdate(resolved_at)
        )
    except CalendarYearMissing:
        return False


def last_month(today: datetime.date | None = None) -> datetime.date:
    first = (today or timezone.localdate()).replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def parse_month(value: str | None) -> datetime.date:
    """``YYYY-MM`` → its first day; anything else (or a future month) → last month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = datetime.date(year, month, 1)
    except ValueError:
        return last_month()
    return first if first <= timezone.localdate() else last_month()


@dataclass
class Overdue:
    number: str
    category: str
    union: str
    days: int
    unit: str


@dataclass
class Row:
    org: Org
    counts: dict = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    @property
    def values(self) -> list[int]:
        return [self.counts[c] for c in COLUMNS]


@dataclass
class Bulletin:
    month: datetime.date
    rows: list[Row]
    total: dict
    worst: list[Overdue]

    @property
    def total_values(self) -> list[int]:
        return [self.total[c] for c in COLUMNS]


def build(user, month: datetime.date) -> Bulletin:
    """The 通报 of ``month`` as ``user`` may see it (see the module docstring)."""
    start, end = start_of_day(month), start_of_day(next_month(month))
    month_end = next_month(month) - datetime.timedelta(days=1)
    tickets = Ticket.objects.restrict(user, "view").order_by()
    counts: dict[int, dict] = {}

    def add(org_id, column, n=1):
        counts.setdefault(org_id, dict.fromkeys(COLUMNS, 0))[column] += n

    in_month = {"__gte": start, "__lt": end}

    def during(name: str) -> dict:
        return {f"{name}{k}": v for k, v in in_month.items()}

    for org_id, n in (
        tickets.filter(**during("received_at")).values_list("org_id").annotate(n=Count("pk"))
    ):
        add(org_id, "received", n)
    clock_fields = ("complexity", "is_petition", "extension", "received_at", "resolved_at")
    closed = tickets.filter(state=TicketState.CLOSED, **during("closed_at"))
    worst: list[Overdue] = []
    with workdays.pinned():
        for org_id, *values in closed.values_list("org_id", *clock_fields):
            add(org_id, "closed")
            clock = dict(zip(clock_fields, values, strict=True))
            add(org_id, "closed_on_time", resolved_on_time(**clock))
        unresolved = tickets.filter(received_at__lt=end).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=end),
            Q(closed_at__isnull=True) | Q(closed_at__gte=end),
        )
        unresolved = unresolved.select_related("org", "category__parent").only(
            "number", "org__name", "category__name", "category__parent__name", *clock_fields
        )
        for ticket in unresolved.iterator(chunk_size=500):
            rule = finish_rule(
                complexity=ticket.complexity,
                is_petition=ticket.is_petition,
                extension=ticket.extension,
            )
            start_day = timezone.localdate(ticket.received_at)
            try:
                if not rule.is_overdue(start_day, next_month(month)):
                    continue
                days = rule.elapsed(rule.due(start_day), month_end)
            except CalendarYearMissing:
                continue
            add(ticket.org_id, "overdue")
            unit = _("working days") if rule.working else _("calendar days")
            worst.append(Overdue(ticket.number, str(ticket.category), ticket.org.name, days, unit))
    escalated = tickets.filter(pk__in=_escalated_ids(start, end))
    for org_id, n in escalated.values_list("org_id").annotate(n=Count("pk")):
        add(org_id, "escalated", n)
    for org_id, n in (
        tickets.filter(rating=Rating.UNSATISFIED, **during("visited_at"))
        .values_list("org_id")
        .annotate(n=Count("pk"))
    ):
        add(org_id, "unsatisfied", n)
    reopens = tickets.filter(steps__name="reopen", **during("steps__at"))
    for org_id, n in reopens.values_list("org_id").annotate(n=Count("steps")):
        add(org_id, "unsatisfied", n)
    returns = tickets.filter(steps__name="return_ticket", **during("steps__at"))
    returned_by_name = dict(
        returns.values_list("steps__org_name")
        .annotate(n=Count("steps"))
        .values_list("steps__org_name", "n")
    )
    orgs = restrict(Org, user, VIEW).filter(
        Q(pk__in=set(counts)) | Q(name__in=set(returned_by_name))
    )
    orgs = {org.pk: org for org in orgs.only("name", "path")}
    pk_by_name = {org.name: org.pk for org in sorted(orgs.values(), key=lambda o: o.path)}
    for name, n in returned_by_name.items():
        if name in pk_by_name:
            add(pk_by_name[name], "returned", n)
    rows = [Row(orgs[pk], c) for pk, c in counts.items() if pk in orgs and any(c.values())]
    # The 通报's purpose: the unions with the most overdue tickets first.
    rows.sort(key=lambda r: (-r.counts["overdue"], -r.counts["received"], r.org.path))
    total = {c: sum(r.counts[c] for r in rows) for c in COLUMNS}
    worst.sort(key=lambda o: (-o.days, o.number))
    return Bulletin(month, rows, total, worst[:WORST])


def _escalated_ids(start, end):
    """The ids of tickets escalated (督办) in ``[start, end)``: a subquery, read only through
    the caller's restricted ticket set."""
    from django.contrib.contenttypes.models import ContentType

    from gonghui.platform.calendar.models import DeadlineEvent, DeadlineEventKind

    return DeadlineEvent._base_manager.filter(
        content_type=ContentType.objects.get_for_model(Ticket),
        kind=DeadlineEventKind.ESCALATED,
        at__gte=start,
        at__lt=end,
    ).values("object_id")


def headers() -> list[str]:
    return [
        _("Handling union"),
        pgettext("bulletin", "Received"),
        pgettext("bulletin", "Closed"),
        _("Closed on time"),
        _("Overdue at month end"),
        _("Escalated for supervision"),
        pgettext("bulletin", "Returned"),
        pgettext("bulletin", "Unsatisfied"),
    ]


def worst_headers() -> list[str]:
    return [_("Ticket number"), _("Category"), _("Handling union"), _("Days overdue")]


def xlsx(bulletin: Bulletin) -> bytes:
    from openpyxl import Workbook

    from gonghui.platform.security.cells import xlsx_row

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Bulletin %(month)s") % {"month": f"{bulletin.month:%Y-%m}"})
    ws.append(headers())
    for row in bulletin.rows:
        ws.append(xlsx_row(ws, [row.org.name, *(row.counts[c] for c in COLUMNS)]))
    ws.append(xlsx_row(ws, [_("Total"), *(bulletin.total[c] for c in COLUMNS)]))
    worst = wb.create_sheet(_("Longest overdue"))
    worst.append(worst_headers())
    for o in bulletin.worst:
        worst.append(xlsx_row(worst, [o.number, o.category, o.union, f"{o.days} {o.unit}"]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bulletin_view(request):
    """``/console/rights/ticket/bulletin/?month=YYYY-MM[&format=xlsx]``."""
    from gonghui.console.sites import console_site
    from gonghui.platform.audit.services import record_event

    user = request.user
    if not user.has_perm(VIEW):
        raise PermissionDenied
    month = parse_month(request.GET.get("month"))
    bulletin = build(user, month)
    if request.GET.get("format") == "xlsx":
        content = xlsx(bulletin)
        record_event(
            actor=user,
            action="rights.export_bulletin",
            object_type="rights.bulletin",
            object_id=f"{month:%Y-%m}",
            details={"month": f"{month:%Y-%m}", "rows": len(bulletin.rows)},
        )
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="12351-{month:%Y-%m}.xlsx"'
        return response
    request.current_app = console_site.name
    context = {
        **console_site.each_context(request),
        "title": _("12351 monthly bulletin, %(month)s") % {"month": f"{month:%Y-%m}"},
        "bulletin": bulletin,
        "columns": headers()[1:],
        "worst_headers": worst_headers(),
        "month_value": f"{month:%Y-%m}",
        "max_month": f"{last_month():%Y-%m}",
        "xlsx_url": f"{reverse('console:rights_ticket_bulletin')}?month={month:%Y-%m}&format=xlsx",
        "changelist_url": reverse("console:rights_ticket_changelist"),
    }
    return render(request, "rights/bulletin.html", context)
