"""Keeping the cockpit's 12351 ticket figures (``TicketMonthStat``) exact.

Every ticket write calls this module in the same transaction, through the ``ticket_figures``
feed (``gonghui/platform/feeds.py``; the rights app stands below the cockpit): intake calls
``changed(None, ticket)``, each step of the workflow reads the stored row first
(``before(ticket)``) and calls ``changed(before, ticket)`` once the step is saved. The
difference between what the ticket counted before and what it counts now is added to its
org's rows and to every ancestor's, like the member rows (ADR 0008).

**Where a ticket counts.** Under the union handling it *now* (``Ticket.org``) and every union
above it. A ticket is received at the city and dispatched down: the dispatch moves its counts
from the city's chain to the district's (the city's and every common ancestor's rows net to
zero change, the district gains it); a return moves them back. So a union's figures are those
of the tickets in its subtree today, the same set its queue shows, and they never need a
recount when a ticket moves.

**Which month.**

* ``received`` and ``reopened`` (重办, the times the ticket went back to be handled again):
  the month the ticket was received.
* ``closed`` (结案), ``closed_on_time`` (按期办结) and the arrears recovered and workers paid:
  the month it was closed; a closed ticket's figures are final.
* ``rated`` and ``satisfied``: the month of the visit back or the worker's own rating. A
  reopened ticket loses its rating (it is rated again after the new resolution).

**按期办结 (closed on time)**: the ticket was resolved (its last resolution) no later than the
due day of its 办结 clock as the platform calendar computes it (``rights/deadlines.py``: the
table's working days per complexity class, plus the 延期 days when an extension was granted;
60 calendar days, or 90 when extended, for a 信访事项). A ticket received in a year whose
calendar was not entered counts as not on time. The verdict uses the deadline table and the
calendar as they are: after editing either, ``check()`` lists the tickets judged differently
and ``manage.py rebuild_summaries`` counts them again.

:func:`compute` derives the rows from the tickets with the same per-ticket rules (a pass
over the ticket table); :func:`rebuild` replaces the rows, :func:`check` lists differences.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from gonghui.cockpit.models import TICKET_COUNTERS, TicketMonthStat

RECEIVED, REOPENED, CLOSED, ON_TIME, RATED, SATISFIED, WORKERS, ARREARS = range(
    len(TICKET_COUNTERS)
)
UPSERT_CHUNK = 400

# (org id, month, category id, complexity)
RowKey = tuple[int, datetime.date, int, str]
Rows = dict[RowKey, list]

FIELDS = (
    "org_id",
    "received_at",
    "category_id",
    "complexity",
    "is_petition",
    "extension",
    "state",
    "resolved_at",
    "visited_at",
    "closed_at",
    "rating",
    "reopened",
    "arrears_recovered",
    "arrears_workers",
)


class TicketKey(NamedTuple):
    """What one ticket contributes to the figures (the fields of ``FIELDS``)."""

    org_id: int
    received_at: datetime.datetime
    category_id: int
    complexity: str
    is_petition: bool
    extension: str
    state: str
    resolved_at: datetime.datetime | None
    visited_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    rating: str
    reopened: int
    arrears_recovered: Decimal
    arrears_workers: int


def zero() -> list:
    return [0] * (len(TICKET_COUNTERS) - 1) + [Decimal("0.00")]


def _month(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment).replace(day=1)


def key_of(ticket) -> TicketKey:
    """The contribution of ``ticket`` as it is in memory."""
    return TicketKey(*(getattr(ticket, f) for f in FIELDS))


def before(ticket) -> TicketKey | None:
    """The contribution of ``ticket`` as stored (call before its step saves it)."""
    from gonghui.rights.models import Ticket

    # The write path's own row, locked by the action that is changing it.
    row = Ticket._base_manager.filter(pk=ticket.pk).values_list(*FIELDS).first()
    return TicketKey(*row) if row else None


def on_time(key: TicketKey) -> bool:
    """Whether the ticket was resolved by the due day of its 办结 clock (the rule the 通报
    uses too, ``rights/bulletin.py``)."""
    from gonghui.rights.bulletin import resolved_on_time

    return resolved_on_time(
        received_at=key.received_at,
        resolved_at=key.resolved_at,
        complexity=key.complexity,
        is_petition=key.is_petition,
        extension=key.extension,
    )


def contributions(key: TicketKey) -> Rows:
    """The counts ``key`` adds to its own org's rows (see the module docstring)."""
    from gonghui.rights.choices import Rating, TicketState

    out: Rows = {}

    def row(moment) -> list:
        return out.setdefault((key.org_id, _month(moment), key.category_id, key.complexity), zero())

    received = row(key.received_at)
    received[RECEIVED] += 1
    received[REOPENED] += key.reopened
    if key.state == TicketState.CLOSED and key.closed_at is not None:
        closed = row(key.closed_at)
        closed[CLOSED] += 1
        closed[ON_TIME] += on_time(key)
        closed[WORKERS] += key.arrears_workers
        closed[ARREARS] += key.arrears_recovered
    if key.rating and key.visited_at is not None:
        rated = row(key.visited_at)
        rated[RATED] += 1
        rated[SATISFIED] += key.rating in (Rating.SATISFIED, Rating.FAIRLY)
    return out


def _add(rows: Rows, more: Rows, sign: int = 1) -> None:
    for k, counts in more.items():
        row = rows.setdefault(k, zero())
        for i, n in enumerate(counts):
            row[i] += sign * n


def changed(before_key: TicketKey | None, ticket) -> None:
    """Apply the difference between what the ticket counted (``before_key``; None for a new
    ticket) and what it counts now, to its org and every ancestor."""
    after = key_of(ticket)
    if before_key == after:
        return
    deltas: Rows = {}
    if before_key is not None:
        _add(deltas, contributions(before_key), -1)
    _add(deltas, contributions(after))
    apply(deltas)


def apply(deltas: Rows) -> None:
    from gonghui.cockpit.summaries import _ancestors

    deltas = {k: v for k, v in deltas.items() if any(v)}
    if not deltas:
        return
    chains = _ancestors(k[0] for k in deltas)
    spread: Rows = {}
    for (org_id, *rest), counts in deltas.items():
        for ancestor in chains[org_id]:
            _add(spread, {(ancestor, *rest): counts})
    _upsert(spread)


def _upsert(deltas: Rows) -> None:
    """``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``, rows in key order so that
    concurrent writers lock them in the same order."""
    keys = sorted(k for k, v in deltas.items() if any(v))
    if not keys:
        return
    table = connection.ops.quote_name(TicketMonthStat._meta.db_table)
    key_columns = ("org_id", "month", "category_id", "complexity")
    columns = ", ".join((*key_columns, *TICKET_COUNTERS))
    # names from the model and TICKET_COUNTERS; values are parameters
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in TICKET_COUNTERS)
    conflict = f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}"  # nosec B608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = [[k[i] for k in keys] for i in range(len(key_columns))]
            arrays += [[deltas[k][i] for k in keys] for i in range(len(TICKET_COUNTERS))]
            types = ["bigint[]", "date[]", "bigint[]", "varchar[]"]
            types += ["integer[]"] * (len(TICKET_COUNTERS) - 1) + ["numeric[]"]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 # nosec B608
                f"SELECT * FROM UNNEST({', '.join(f'%s::{t}' for t in types)}) "
                f"ORDER BY 1, 2, 3, 4 {conflict}",
                arrays,
            )
            return
        width = len(key_columns) + len(TICKET_COUNTERS)
        placeholders = "(" + ", ".join(["%s"] * width) + ")"
        for start in range(0, len(keys), UPSERT_CHUNK):
            chunk = keys[start : start + UPSERT_CHUNK]
            params: list = []
            for k in chunk:
                params += [*k, *deltas[k][:-1], str(deltas[k][-1])]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 # nosec B608
                f"VALUES {', '.join([placeholders] * len(chunk))} {conflict}",
                params,
            )


# --- from the records -------------------------------------------------------------------------


def compute() -> Rows:
    """The rows as the tickets say they should be: ``{(org, month, category, complexity):
    counts}``, each ticket's contribution added to its org and every ancestor."""
    from gonghui.orgs.models import Org
    from gonghui.platform.calendar import workdays
    from gonghui.rights.models import Ticket

    local: Rows = {}
    with workdays.pinned():
        tickets = Ticket._base_manager.order_by().values_list(*FIELDS)
        for row in tickets.iterator(chunk_size=2000):
            _add(local, contributions(TicketKey(*row)))
    steplen = Org.steplen
    paths = dict(Org.objects.order_by().values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    chains: dict[int, list[int]] = {}
    out: Rows = {}
    for (org_id, *rest), counts in local.items():
        if org_id not in chains:
            path = paths[org_id]
            chains[org_id] = [by_path[path[:i]] for i in range(steplen, len(path) + 1, steplen)]
        for ancestor in chains[org_id]:
            _add(out, {(ancestor, *rest): counts})
    return {k: v for k, v in out.items() if any(v)}


def _stored() -> Rows:
    return {
        (org_id, month, category_id, complexity): [*counts[:-1], Decimal(counts[-1])]
        for org_id, month, category_id, complexity, *counts in TicketMonthStat.objects.order_by()
        .values_list("org_id", "month", "category_id", "complexity", *TICKET_COUNTERS)
        .iterator(chunk_size=2000)
    }


def rebuild() -> int:
    """Replace every ticket row with the counts computed from the tickets; the number of rows
    written."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # writers wait, then add their delta to the rebuilt rows
                table = connection.ops.quote_name(TicketMonthStat._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        rows = compute()
        TicketMonthStat.objects.all().delete()
        TicketMonthStat.objects.bulk_create(
            [
                TicketMonthStat(
                    org_id=org_id,
                    month=month,
                    category_id=category_id,
                    complexity=complexity,
                    **dict(zip(TICKET_COUNTERS, counts, strict=True)),
                )
                for (org_id, month, category_id, complexity), counts in sorted(rows.items())
            ],
            batch_size=2000,
        )
    return len(rows)


def check() -> list:
    """Every ticket counter whose stored value differs from the tickets, as the member
    rows' ``summaries.Difference`` (the counter names its category and class)."""
    from gonghui.cockpit.summaries import Difference

    expected, stored = compute(), _stored()
    out = []
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, zero()), stored.get(key, zero())
        org_id, month, category_id, complexity = key
        for name, a, b in zip(TICKET_COUNTERS, want, have, strict=True):
            if a != b:
                counter = f"tickets.{name} (category {category_id}, {complexity})"
                out.append(Difference(org_id, month, counter, a, b))
    return out
