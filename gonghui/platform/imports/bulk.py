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
  wait for the WAL flush; a crash may lose the last batches, which the job then reports
  failed and a re-run imports again: re-importing is idempotent).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import sqlite3

from django.db import connection

_counter = itertools.count(1)


def reserve_ids(model, n: int) -> list[int]:
    """``n`` ids for new rows of ``model``, as its next inserts would get them. Call inside
    the transaction that inserts them."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the write lock is held from BEGIN (transaction_mode IMMEDIATE); without it,
        # a concurrent insert makes ours fail with an IntegrityError, which the writer retries.
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608 # nosec B608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return list(range(start, start + n))


def insert_rows(model, attnames: tuple[str, ...], rows: list[tuple], ids=None) -> list[int]:
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

    A bitmap of ``BITS`` bits (2 MB) remembers a hash bit per key: a key whose bit is clear
    was certainly not seen, so only the few others (repeats, and about n / 2^24 false alarms)
    are looked up. Memory is fixed whatever the file size."""

    BITS = 1 << 24

    def __init__(self):
        self.table = f"gh_import_seen_{next(_counter)}"
        self.bits = bytearray(self.BITS // 8)
        self._created = False

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

    def _slot(self, key: str) -> tuple[int, int]:
        h = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big")
        h &= self.BITS - 1
        return h >> 3, 1 << (h & 7)

    def first_rows(self, keys: dict[str, int]) -> dict[str, int]:
        if not keys:
            return {}
        if not self._created:
            self._create()
        bits = self.bits
        maybe = []
        for key in keys:
            byte, mask = self._slot(key)
            if bits[byte] & mask:
                maybe.append(key)
            else:
                bits[byte] |= mask
        found: dict[str, int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(maybe), 500):
                part = maybe[start : start + 500]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"SELECT key, row_number FROM {self.table} WHERE key IN ({marks})",  # noqa: S608 # nosec B608
                    part,
                )
                found.update(cursor.fetchall())
            new = [(k, r) for k, r in keys.items() if k not in found]
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} (key, row_number) FROM STDIN") as copy:
                    for item in new:
                        copy.write_row(item)
            else:
                cursor.executemany(
                    f"INSERT INTO {self.table} (key, row_number) VALUES (%s, %s)",  # noqa: S608 # nosec B608
                    new,
                )
        return found

    def close(self) -> None:
        if self._created:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            self._created = False


@contextlib.contextmanager
def bulk_session():
    """Settings for the connection while a bulk import runs (restored after)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        before = cursor.fetchone()[0]
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [before])
