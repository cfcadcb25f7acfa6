"""Writing imported rows at the database's speed.

* :func:`reserve_ids` and :func:`insert_rows`: new rows go in with the exact column values the
  ORM would store, ids reserved first (a sequence on PostgreSQL, the next AUTOINCREMENT values
  under the write lock on SQLite) so rows that point at each other (a membership at its
  person) and values computed from the id (a card number) are part of the row; ``COPY`` on
  PostgreSQL, multi-row ``INSERT`` on SQLite. ``bulk_create`` compiles every value of every
  row through the field classes (measured: half of a roster import's time).
* :class:`SeenKeys`: which earlier row of the file had the same key (an ID number's blind
  index), kept in a temporary table instead of a Python dict, so the importer's memory does
  not grow with the file; a fixed-size bitmap answers "certainly not seen" without a query.
* :func:`bulk_session`: per-connection settings for a bulk job (PostgreSQL: commits do not
  wait for the WAL flush, so a crash of the database server may lose the commits of the last
  fraction of a second, with the job's progress written on the same connection: the job then
  shows as stalled, and importing the file again writes those rows, since re-importing is
  idempotent; and the random page cost of an SSD, see ``BULK_SETTINGS``).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import sqlite3
from collections.abc import Sequence

from django.db import connection

_counter = itertools.count(1)


def reserve_ids(model, n: int) -> Sequence[int]:
    """``n`` ids for new rows of ``model``, in ascending order, as its next inserts would get
    them. Call inside the transaction that inserts them."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Usually the n values are consecutive (nobody else drew from the sequence
            # meanwhile): then two numbers come back instead of n rows (measured: fetching
            # 4,000 one-column rows was ~5% of an import's time in the parent).
            cursor.execute(
                "WITH s AS (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS v "
                "FROM generate_series(1, %s)) "
                "SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL "
                "ELSE array_agg(v ORDER BY v) END FROM s",
                [table, n],
            )
            low, high, scattered = cursor.fetchone()
            if low is None:
                return []
            return list(scattered) if scattered is not None else range(low, high + 1)
        # SQLite: the write lock is held from BEGIN (transaction_mode IMMEDIATE); without it,
        # a concurrent insert makes ours fail with an IntegrityError, which the writer retries.
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608 # nosec B608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return range(start, start + n)


def insert_rows(model, attnames: tuple[str, ...], rows: list[tuple], ids=None) -> Sequence[int]:
    """Insert ``rows`` (database values in ``attnames`` order) with ids reserved by
    :func:`reserve_ids` (or given); returns the ids."""
    ids = ids if ids is not None else reserve_ids(model, len(rows))
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ["id", *(meta.get_field(a).column for a in attnames)])
    table = quote(meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for pk, row in zip(ids, rows, strict=True):
                    write((pk, *row))
            return ids
        width = len(attnames) + 1
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(500, limit // width))
        one = "(" + ", ".join(["?"] * width) + ")"
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = []
            for pk, row in zip(ids[start : start + per], chunk, strict=True):
                params.append(pk)
                params.extend(row)
            raw.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}",  # noqa: S608 # nosec B608
                params,
            )
    return ids


class SeenKeys:
    """The first row of the file that had each key, in a temporary table of the import's
    connection (dropped by :meth:`close`).

    ``first_rows({key: row_number})`` returns, for the keys already seen in an earlier call,
    the row where each was first seen, and remembers the others. Keys of one call must be
    distinct (the caller resolves repeats within a chunk itself, in row order).

    A Bloom filter of ``BITS`` bits (4 MB, three bits a key) answers "certainly not seen" for
    almost every new key without a query: at a million keys about one in two thousand is a
    false alarm, which costs one indexed lookup. New keys wait in memory and go to the table
    ``FLUSH`` at a time (measured: a COPY per chunk of 500 rows cost the importing thread two
    round trips a chunk, ~4% of an import's time); memory stays fixed whatever the file size."""

    BITS = 1 << 25
    FLUSH = 50_000

    def __init__(self):
        self.table = f"gh_import_seen_{next(_counter)}"
        self.bits = bytearray(self.BITS // 8)
        self.pending: dict[str, int] = {}  # new keys not yet in the table
        self._created = False  # the table exists once keys were stored in it

    def _create(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.table} "
                    "(key text PRIMARY KEY, row_number integer NOT NULL)"
                )
            else:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.table} "
                    "(key text PRIMARY KEY, row_number integer NOT NULL) WITHOUT ROWID"
                )
        self._created = True

    def _seen_before(self, key: str) -> bool:
        """Set the key's three bits; whether all three were set already."""
        digest = hashlib.blake2b(key.encode(), digest_size=12).digest()
        bits, mask, seen = self.bits, self.BITS - 1, True
        for i in (0, 4, 8):
            h = int.from_bytes(digest[i : i + 4], "big") & mask
            byte, bit = h >> 3, 1 << (h & 7)
            if not bits[byte] & bit:
                seen = False
                bits[byte] |= bit
        return seen

    def _flush(self) -> None:
        if not self.pending:
            return
        if not self._created:
            self._create()
        items = list(self.pending.items())
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} (key, row_number) FROM STDIN") as copy:
                    for item in items:
                        copy.write_row(item)
            else:
                cursor.executemany(
                    f"INSERT INTO {self.table} (key, row_number) VALUES (%s, %s)",  # noqa: S608 # nosec B608
                    items,
                )
        self.pending.clear()

    def first_rows(self, keys: dict[str, int]) -> dict[str, int]:
        if not keys:
            return {}
        maybe = [key for key in keys if self._seen_before(key)]
        found: dict[str, int] = {}
        pending = self.pending
        asked = []
        for key in maybe:
            if key in pending:
                found[key] = pending[key]
            else:
                asked.append(key)
        if asked and self._created:
            with connection.cursor() as cursor:
                for start in range(0, len(asked), 500):
                    part = asked[start : start + 500]
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(
                        f"SELECT key, row_number FROM {self.table} WHERE key IN ({marks})",  # noqa: S608 # nosec B608
                        part,
                    )
                    found.update(cursor.fetchall())
        for key, row in keys.items():
            if key not in found:
                pending[key] = row
        if len(pending) >= self.FLUSH:
            self._flush()
        return found

    def close(self) -> None:
        self.pending.clear()
        if self._created:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            self._created = False


# PostgreSQL settings of an import's connection. synchronous_commit: see the module docstring.
# random_page_cost: the importer looks up a batch of 4,000 ID numbers by their unique index;
# with the default cost (4, for spinning disks) the planner reads the whole person table
# instead (measured at 200k members: a parallel sequential scan, 75-100 ms a batch, growing
# with the table; 40-50 ms with the index). 1.1 is the usual value for SSDs (docs/operations.md).
BULK_SETTINGS = {"synchronous_commit": "off", "random_page_cost": "1.1"}


def apply_bulk_settings() -> dict[str, str]:
    """Set ``BULK_SETTINGS`` on this thread's PostgreSQL connection; returns the values they
    replaced. (A connection that is closed when the job ends, such as the import writer
    thread's, need not restore them.)"""
    before = {}
    with connection.cursor() as cursor:
        for name, value in BULK_SETTINGS.items():
            cursor.execute("SELECT current_setting(%s)", [name])
            before[name] = cursor.fetchone()[0]
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    return before


@contextlib.contextmanager
def bulk_session():
    """Settings for the connection while a bulk import runs (restored after)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    before = apply_bulk_settings()
    try:
        yield
    finally:
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


def update_rows(model, objs: list, fields: list[str]) -> None:
    """Save ``fields`` of ``objs`` (model instances) in one statement per 5,000 rows: what
    ``bulk_update`` stores, without its CASE expression per row and field (measured: ~0.1 ms
    a row to build and run). Values go through each field's ``get_db_prep_save`` (encrypted
    fields are encrypted); like ``bulk_update``, ``pre_save`` is not run.

    PostgreSQL: ``UPDATE … FROM unnest(arrays)``, one array per column; SQLite:
    ``executemany`` of an UPDATE by primary key (in-process, cheap per statement)."""
    if not objs:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    concrete = [meta.get_field(name) for name in fields]
    table = quote(meta.db_table)
    pk = meta.pk
    with connection.cursor() as cursor:
        for start in range(0, len(objs), 5000):
            part = objs[start : start + 5000]
            columns = [
                [f.get_db_prep_save(getattr(o, f.attname), connection) for o in part]
                for f in concrete
            ]
            ids = [o.pk for o in part]
            if connection.vendor == "postgresql":
                sets = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(concrete))
                arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in (pk, *concrete))
                names = ", ".join(["id", *(f"c{i}" for i in range(len(concrete)))])
                cursor.execute(
                    f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) "  # noqa: S608 # nosec B608
                    f"WHERE {table}.{quote(pk.column)} = v.id",
                    [ids, *columns],
                )
            else:
                sets = ", ".join(f"{quote(f.column)} = %s" for f in concrete)
                cursor.executemany(
                    f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s",  # noqa: S608 # nosec B608
                    [(*values, pk_) for pk_, *values in zip(ids, *columns, strict=True)],
                )


def any_of(queryset, field: str, values: list):
    """``queryset.filter(<field>__in=values)`` for a batch of thousands of values: on
    PostgreSQL one array parameter (``= ANY(%s)``) instead of a placeholder per value, which
    Django and psycopg handle one by one (measured: ~16 µs a value, a tenth of an import's
    time for the batch lookup of 4,000 ID numbers). Strings without a comma (blind indexes
    are hex) go as one comma-joined text split by the database: psycopg dumps a list
    element by element in Python (measured: ~7% of the importing thread's time)."""
    if connection.vendor != "postgresql" or len(values) < 100:
        return queryset.filter(**{f"{field}__in": values})
    model = queryset.model
    column = model._meta.get_field(field).column
    table = connection.ops.quote_name(model._meta.db_table)
    target = f"{table}.{connection.ops.quote_name(column)}"
    where, param = f"{target} = ANY(%s)", values
    if all(type(v) is str for v in values):
        joined = ",".join(values)
        if joined.count(",") == len(values) - 1:
            where, param = f"{target} = ANY(string_to_array(%s, ','))", joined
    return queryset.extra(  # noqa: S610 - names from the model, values as one parameter  # nosec B610
        where=[where], params=[param]
    )
