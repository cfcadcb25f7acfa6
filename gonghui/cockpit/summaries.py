"""Keeping the cockpit's summary rows (``OrgMonthStat`` and ``OrgTotal``) current.

Every write path that creates a membership, changes its state, union, start date, form of
employment or migrant flag, or that creates, changes or moves an org, calls one of the
functions here *in its own transaction*, through the ``summaries`` feed
(``gonghui/platform/feeds.py``, plugged in by ``CockpitConfig.ready()``): the orgs and members
apps stand below the cockpit and do not import it. Each call turns "what the records counted before"
and "what they count now" into +/- deltas per (org, month), adds them to the org and every
ancestor, and upserts them with one statement per table (``INSERT … ON CONFLICT DO UPDATE
SET n = n + excluded.n``; month rows first, then the totals, each in key order, so concurrent
writers lock rows in the same order).

:func:`compute` derives the same rows from the records with a few ``GROUP BY`` queries;
:func:`rebuild` replaces the tables with them and :func:`check` lists every difference.
``manage.py rebuild_summaries`` runs either; bulk loaders (demo data, ``generate_city``)
rebuild once at the end instead of tracking each row.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, DateField, Func, Q

from gonghui.cockpit.models import COUNTERS, OrgMonthStat, OrgTotal

JOINED, CURRENT, NEW_FORM, MIGRANT, ENDED, FOUNDED = range(len(COUNTERS))
UPSERT_CHUNK = 500

Deltas = dict[tuple[int, datetime.date], list[int]]


class MemberKey(NamedTuple):
    """What one membership contributes to the summaries."""

    org_id: int
    month: datetime.date
    current: bool
    new_form: bool
    migrant: bool
    ended_month: datetime.date | None


def month_of(day: datetime.date | datetime.datetime) -> datetime.date:
    return datetime.date(day.year, day.month, 1)


def snapshot(membership) -> MemberKey:
    """The contribution of ``membership`` as it is now (take one before changing it)."""
    from gonghui.members.choices import CURRENT_STATES, NEW_EMPLOYMENT_FORMS

    current = membership.state in CURRENT_STATES
    ended = membership.ended_on if (not current and membership.ended_on) else None
    return MemberKey(
        org_id=membership.org_id,
        month=month_of(membership.joined_on),
        current=current,
        new_form=current and membership.employment_form in NEW_EMPLOYMENT_FORMS,
        migrant=current and bool(membership.is_migrant),
        ended_month=month_of(ended) if ended else None,
    )


def _add_member(deltas: Deltas, key: MemberKey, sign: int) -> None:
    row = deltas.setdefault((key.org_id, key.month), [0] * len(COUNTERS))
    row[JOINED] += sign
    if key.current:
        row[CURRENT] += sign
        row[NEW_FORM] += sign * key.new_form
        row[MIGRANT] += sign * key.migrant
    if key.ended_month:
        ended = deltas.setdefault((key.org_id, key.ended_month), [0] * len(COUNTERS))
        ended[ENDED] += sign


def memberships_changed(before: Iterable[MemberKey] = (), after: Iterable[MemberKey] = ()) -> None:
    """Apply the difference between the ``before`` and ``after`` snapshots of some
    memberships (a new membership has no ``before``)."""
    deltas: Deltas = {}
    for key in before:
        _add_member(deltas, key, -1)
    for key in after:
        _add_member(deltas, key, +1)
    apply(deltas)


def memberships_added(memberships: Iterable) -> None:
    memberships_changed(after=[snapshot(m) for m in memberships])


def org_snapshot(org) -> tuple[int, datetime.date] | None:
    """What ``org`` contributes to the summaries as it is now (take one before changing it)."""
    from gonghui.orgs.choices import OrgKind

    if org.kind == OrgKind.GRASSROOTS and org.founded_on:
        return (org.pk, month_of(org.founded_on))
    return None


def org_changed(before: tuple[int, datetime.date] | None, org) -> None:
    """An org was created (``before`` None) or its kind or founding date changed."""
    after = org_snapshot(org)
    if before == after:
        return
    deltas: Deltas = {}
    for key, sign in ((before, -1), (after, +1)):
        if key:
            deltas.setdefault(key, [0] * len(COUNTERS))[FOUNDED] += sign
    apply(deltas)


def org_moved(org, old_path: str) -> None:
    """``org`` (with its subtree) moved from ``old_path`` to ``org.path``: its own rows, which
    hold the subtree's counts, leave the old ancestors and join the new ones."""
    from gonghui.orgs.models import Org

    steplen = Org.steplen
    old = {old_path[:i] for i in range(steplen, len(old_path), steplen)}
    new = {org.path[:i] for i in range(steplen, len(org.path), steplen)}
    leaving, joining = old - new, new - old
    if not (leaving or joining):
        return
    ids = dict(Org.objects.filter(path__in=leaving | joining).values_list("path", "pk"))
    rows = list(OrgMonthStat.objects.filter(org_id=org.pk).values_list("month", *COUNTERS))
    deltas: Deltas = {}
    for paths, sign in ((leaving, -1), (joining, +1)):
        for path in paths:
            for month, *counts in rows:
                row = deltas.setdefault((ids[path], month), [0] * len(COUNTERS))
                for i, n in enumerate(counts):
                    row[i] += sign * n
    _upsert(deltas)


def _ancestors(org_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each org id → the ids of the org and all its ancestors."""
    from gonghui.orgs.models import Org

    steplen = Org.steplen
    paths = dict(Org.objects.filter(pk__in=set(org_ids)).values_list("pk", "path"))
    prefixes = {p[:i] for p in paths.values() for i in range(steplen, len(p) + 1, steplen)}
    ids = dict(Org.objects.filter(path__in=prefixes).values_list("path", "pk"))
    return {
        pk: [ids[path[:i]] for i in range(steplen, len(path) + 1, steplen)]
        for pk, path in paths.items()
    }


def apply(deltas: Deltas) -> None:
    """Add ``deltas`` (keyed by the org where the change happened) to that org and all its
    ancestors."""
    deltas = {k: v for k, v in deltas.items() if any(v)}
    if not deltas:
        return
    chains = _ancestors(org_id for org_id, _month in deltas)
    spread: Deltas = {}
    for (org_id, month), counts in deltas.items():
        for ancestor in chains[org_id]:
            row = spread.setdefault((ancestor, month), [0] * len(COUNTERS))
            for i, n in enumerate(counts):
                row[i] += n
    _upsert(spread)


def _upsert(deltas: Deltas) -> None:
    """Add ``deltas`` to the month rows and the same sums to the orgs' total rows."""
    totals = {(org_id,): counts for org_id, counts in totals_of(deltas).items()}
    _upsert_rows(OrgMonthStat, ("org_id", "month"), ("bigint", "date"), deltas)
    _upsert_rows(OrgTotal, ("org_id",), ("bigint",), totals)


def _upsert_rows(model, key_columns, key_types, deltas: dict) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    keys_sql = ", ".join(key_columns)
    columns = ", ".join((*key_columns, *COUNTERS))
    # names from model metadata and COUNTERS, values are parameters
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    conflict = f"ON CONFLICT ({keys_sql}) DO UPDATE SET {updates}"  # nosec B608
    keys = sorted(k for k, v in deltas.items() if any(v))
    if not keys:
        return
    width = len(key_columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array per column: a statement of a few parameters whatever the row count
            # (thousands of %s placeholders cost ~0.1 ms each to bind on the client side).
            arrays = [[k[i] for k in keys] for i in range(width)]
            arrays += [[deltas[k][i] for k in keys] for i in range(len(COUNTERS))]
            types = [*(f"{t}[]" for t in key_types), *["integer[]"] * len(COUNTERS)]
            order = ", ".join(str(i + 1) for i in range(width))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 # nosec B608
                f"SELECT * FROM UNNEST({', '.join(f'%s::{t}' for t in types)}) "
                f"ORDER BY {order} {conflict}",
                arrays,
            )
            return
        placeholders = "(" + ", ".join(["%s"] * (width + len(COUNTERS))) + ")"
        for start in range(0, len(keys), UPSERT_CHUNK):
            chunk = keys[start : start + UPSERT_CHUNK]
            params: list = []
            for key in chunk:
                params += [*key, *deltas[key]]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 # nosec B608
                f"VALUES {', '.join([placeholders] * len(chunk))} {conflict}",
                params,
            )


# --- from the records -------------------------------------------------------------------------


class MonthStart(Func):
    """The first day of the month of a date column, computed by the database itself (Django's
    ``TruncMonth`` calls back into Python for every row on SQLite: 12 s of a 1M-member
    recount)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(DATE_TRUNC('month', {sql}) AS date)", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"STRFTIME('%%Y-%%m-01', {sql})", params


def compute() -> Deltas:
    """The summary rows as the records say they should be: ``{(org, month): counts}``."""
    from gonghui.members.choices import CURRENT_STATES, NEW_EMPLOYMENT_FORMS
    from gonghui.members.models import Membership
    from gonghui.orgs.choices import OrgKind
    from gonghui.orgs.models import Org

    local: Deltas = {}
    zero = [0] * len(COUNTERS)
    current = Q(state__in=CURRENT_STATES)
    joined = (
        Membership.objects.order_by()
        .annotate(m=MonthStart("joined_on"))
        .values_list("org_id", "m")
        .annotate(
            joined=Count("pk"),
            current=Count("pk", filter=current),
            new_form=Count("pk", filter=current & Q(employment_form__in=NEW_EMPLOYMENT_FORMS)),
            migrant=Count("pk", filter=current & Q(is_migrant=True)),
        )
    )
    for org_id, month, *counts in joined:
        local[(org_id, month)] = [*counts, 0, 0]
    ended = (
        Membership.objects.order_by()
        .exclude(current)
        .filter(ended_on__isnull=False)
        .annotate(m=MonthStart("ended_on"))
        .values_list("org_id", "m")
        .annotate(n=Count("pk"))
    )
    for org_id, month, n in ended:
        local.setdefault((org_id, month), zero.copy())[ENDED] += n
    founded = (
        Org.objects.order_by()
        .filter(kind=OrgKind.GRASSROOTS, founded_on__isnull=False)
        .annotate(m=MonthStart("founded_on"))
        .values_list("pk", "m")
    )
    for org_id, month in founded:
        local.setdefault((org_id, month), zero.copy())[FOUNDED] += 1

    # Roll up level by level, deepest first: each row is added once, into its parent's row,
    # which is complete by the time the parent's level is rolled up.
    parent_of: dict[int, int | None] = {}
    depth_of: dict[int, int] = {}
    by_path = {}
    rows = list(Org.objects.order_by().values_list("pk", "path", "depth"))
    for pk, path, depth in rows:
        by_path[path] = pk
        depth_of[pk] = depth
    steplen = Org.steplen
    for pk, path, depth in rows:
        parent_of[pk] = by_path[path[:-steplen]] if depth > 1 else None
    by_depth: dict[int, list] = defaultdict(list)
    out: Deltas = {}
    for key, counts in local.items():
        out[key] = counts
        by_depth[depth_of[key[0]]].append(key)
    for depth in range(max(by_depth, default=0), 1, -1):
        for org_id, month in by_depth[depth]:
            parent = parent_of[org_id]
            if parent is None:
                continue
            counts = out[(org_id, month)]
            target = out.get((parent, month))
            if target is None:
                out[(parent, month)] = counts.copy()
                by_depth[depth - 1].append((parent, month))
            else:
                for i, n in enumerate(counts):
                    target[i] += n
    return out


def _lock_tables() -> None:
    """On PostgreSQL, hold writers of the summary tables back while they are rebuilt: they
    wait, then add their delta to the rebuilt rows (their records are not in the rebuild's
    read, because they commit after it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (OrgMonthStat, OrgTotal):  # the order writers take them in
                cursor.execute(
                    f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} "
                    "IN EXCLUSIVE MODE"
                )


def totals_of(rows: Deltas) -> dict[int, list[int]]:
    """Per org, the sums of its month rows."""
    out: dict[int, list[int]] = {}
    for (org_id, _month), counts in rows.items():
        row = out.setdefault(org_id, [0] * len(COUNTERS))
        for i, n in enumerate(counts):
            row[i] += n
    return out


def rebuild(*, tickets: bool = True) -> int:
    """Replace every summary row with the counts computed from the records, the 12351 ticket
    rows too unless ``tickets`` is False (the migration that made the member tables runs
    before the ticket table exists). Returns the number of month rows written."""
    with transaction.atomic():
        ticket_rows = 0
        if tickets:
            from gonghui.cockpit import tickets as ticket_figures

            ticket_rows = ticket_figures.rebuild()
        _lock_tables()
        rows = compute()
        OrgMonthStat.objects.all().delete()
        OrgTotal.objects.all().delete()
        OrgMonthStat.objects.bulk_create(
            [
                OrgMonthStat(org_id=org_id, month=month, **dict(zip(COUNTERS, counts, strict=True)))
                for (org_id, month), counts in sorted(rows.items())
                if any(counts)
            ],
            batch_size=2000,
        )
        OrgTotal.objects.bulk_create(
            [
                OrgTotal(org_id=org_id, **dict(zip(COUNTERS, counts, strict=True)))
                for org_id, counts in sorted(totals_of(rows).items())
                if any(counts)
            ],
            batch_size=2000,
        )
    return sum(1 for counts in rows.values() if any(counts)) + ticket_rows


class Difference(NamedTuple):
    org_id: int
    month: datetime.date | None  # None: the org's total row
    counter: str
    expected: int | Decimal
    stored: int | Decimal


def check() -> list[Difference]:
    """Every counter, of the month rows, of the total rows and of the 12351 ticket rows
    (``cockpit/tickets.py``), whose stored value differs from the records."""
    from gonghui.cockpit import tickets

    expected = compute()
    stored = {
        (org_id, month): list(counts)
        for org_id, month, *counts in OrgMonthStat.objects.values_list("org_id", "month", *COUNTERS)
    }
    expected_totals = {(org_id, None): c for org_id, c in totals_of(expected).items()}
    stored_totals = {
        (org_id, None): list(counts)
        for org_id, *counts in OrgTotal.objects.values_list("org_id", *COUNTERS)
    }
    zero = [0] * len(COUNTERS)
    out = []
    for want_rows, have_rows in ((expected, stored), (expected_totals, stored_totals)):
        for key in sorted(set(want_rows) | set(have_rows), key=lambda k: (k[0], k[1] or "")):
            want, have = want_rows.get(key, zero), have_rows.get(key, zero)
            for name, a, b in zip(COUNTERS, want, have, strict=True):
                if a != b:
                    out.append(Difference(key[0], key[1], name, a, b))
    return out + tickets.check()
