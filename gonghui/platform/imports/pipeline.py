"""The row pipeline of the import engine: read, clean, find in-file repeats, write in batches.

An importer gives :func:`process_rows` a *cleaner* and a *writer*:

* A simple cleaner has ``clean(row_number, cells) -> RowResult`` (it may read the database).
* A split cleaner has ``clean_offline(row_number, cells)`` (pure: every cell normalised and
  validated, and the values the writer derives, such as ciphertexts and blind indexes) and
  ``finish(result, first_row)`` (on the thread that owns the database connection: lookups,
  and the in-file repeat: ``first_row`` is the earlier row of the file with the same
  ``result.key``, or None). A split cleaner that also has ``worker_spec()`` can be cleaned in
  worker processes (:mod:`.workers`): files of ``GONGHUI_IMPORT_WORKERS_FROM`` rows or more
  are cleaned by ``GONGHUI_IMPORT_WORKERS`` processes while this one writes, so Python's work
  runs on other cores while the database works. Smaller files, and split cleaners without a
  worker spec, are cleaned on a reader thread on PostgreSQL and inline on SQLite.
* The writer has ``write(rows, stats) -> refused rows``: one transaction per batch. A writer
  that also splits that into ``prepare(rows) -> (plan, refused rows)`` (reads only) and
  ``commit(plan, stats)`` (the transaction) is committed on a second thread on PostgreSQL
  while the next batch is prepared (:class:`OverlappedWriter`).

Rows keep the file's order whichever way they are cleaned: errors, warnings and the error
workbook are the same in every mode. In-file repeats are found through :class:`SeenKeys`, a
temporary table, so memory holds a few chunks of rows whatever the size of the file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from gonghui.platform.imports.bulk import SeenKeys
from gonghui.platform.imports.cells import is_empty


@dataclass
class RowResult:
    """One data row: its spreadsheet row number, what was typed, what we made of it."""

    row_number: int
    original: list
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, Any]] = field(default_factory=list)  # (column title, message)
    warnings: list[tuple[str, Any]] = field(default_factory=list)
    # values the writer derives from ``values`` (ciphertexts, blind indexes, pinyin),
    # computed ahead by the cleaner (in a worker process when there are workers)
    derived: dict[str, Any] | None = None
    # the key of in-file repeats (an ID number's blind index) and where in ``errors`` the
    # repeat's message goes (the cleaner's ``finish`` puts it there)
    key: str | None = None
    key_at: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportStats:
    total_rows: int = 0
    processed_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    warnings: int = 0


class ImportStopped(Exception):
    """The import could not go on (a worker process died, the file could not be read on):
    ``message`` says why; the batches written before stay, the job is failed."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


class RetryBatch(Exception):
    """Raised by a writer's ``commit`` when a concurrent write conflicted with the batch
    (a unique key taken since ``prepare`` read): the batch is prepared and written again."""


CHUNK = 500  # rows cleaned and handed over at a time
AHEAD = 8  # chunks cleaned ahead of the writer at most
# SQLite works inside this process, holding the GIL between statements: measured on the
# bench, a reader thread gained nothing there (0-20% slower, the threads contending for the
# GIL); PostgreSQL works in its own process, where it gained 10-20%. Worker processes gain on
# both (they hold their own GIL).
THREAD_ON_SQLITE = False


def non_empty(iterator: Iterator[list], first_data_row: int):
    """``(row number, cells)`` of the rows that have a value."""
    for offset, cells in enumerate(iterator, start=first_data_row):
        if not all(is_empty(c) for c in cells):
            yield offset, cells


def chunked(items, size: int = CHUNK):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def worker_count(total_rows: int) -> int:
    """How many worker processes clean a file of ``total_rows`` rows."""
    wanted = getattr(settings, "GONGHUI_IMPORT_WORKERS", 0)
    if not wanted or total_rows < getattr(settings, "GONGHUI_IMPORT_WORKERS_FROM", 20_000):
        return 0
    return int(wanted)


def _offline_chunks(iterator, first_data_row, cleaner, total_rows, on_warning, thread_on_sqlite):
    """Chunks of offline-cleaned rows, in file order, from workers, a thread or inline.
    Returns ``(iterator of chunks, warnings_called)``: whether ``on_warning`` was already
    called for them (by the reader thread)."""
    rows = non_empty(iterator, first_data_row)
    workers = worker_count(total_rows) if hasattr(cleaner, "worker_spec") else 0
    if workers:
        from gonghui.platform.imports.workers import WorkerPool

        return WorkerPool(cleaner.worker_spec(), workers).clean(chunked(rows)), False
    clean = cleaner.clean_offline
    inline = ([clean(n, cells) for n, cells in chunk] for chunk in chunked(rows, CHUNK))
    if connection.vendor == "sqlite" and not thread_on_sqlite:
        return inline, False
    return _ahead(inline, on_warning), True


def put_unless_stopped(handover: queue.Queue, item, stop: threading.Event) -> bool:
    """Put ``item`` on a bounded queue, waiting while it is full, unless the consumer has set
    ``stop`` (it stopped reading): then give up and say so (False)."""
    while not stop.is_set():
        try:
            handover.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _ahead(chunks, on_warning):
    """Yield the chunks of ``chunks``, computed on a reader thread (which does not touch the
    database) a few chunks ahead; the thread also calls ``on_warning`` (in row order) so that
    writing the warnings sheet overlaps with the database too."""
    handover: queue.Queue = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        return put_unless_stopped(handover, item, stop)

    def produce():
        try:
            for chunk in chunks:
                if on_warning:
                    for result in chunk:
                        if result.warnings:
                            on_warning(result)
                if not put(chunk):
                    return
            put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = handover.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def overlap_possible(writer) -> bool:
    """Whether batches can be written on a second thread while the next is prepared: the
    writer splits its work (``prepare``/``commit``), the database works in its own process
    (PostgreSQL; SQLite works in this one, under the GIL), and the import does not run inside
    a transaction, whose uncommitted rows another connection could not see (a test's)."""
    return (
        hasattr(writer, "prepare")
        and hasattr(writer, "commit")
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and getattr(settings, "GONGHUI_IMPORT_OVERLAP", True)
    )


class OverlappedWriter:
    """Commits each batch on a writer thread, which has its own database connection, while
    the caller prepares the next batch on its own (reads, classification) and goes on
    cleaning rows.

    Measured on the bench (50k rows into a city of 1M members, PostgreSQL, 2 cores): writing
    batch after batch, the import's thread spent 54% of its time waiting for the database
    (mostly for COPY into the indexed member tables to finish), during which nothing else of
    the import could run on it. Batches are committed one at a time, in file order. A batch
    is prepared before the batch ahead of it is committed: that is safe because rows with the
    same key (an ID number) never meet in two batches (the second is an in-file repeat, an
    error row), and a concurrent write by someone else is caught by the database's unique
    keys (the writer's ``commit`` raises :class:`RetryBatch`; the batch is then prepared and
    written again, here, after the one ahead)."""

    def __init__(self, writer, stats: ImportStats):
        from concurrent.futures import ThreadPoolExecutor

        from gonghui.platform.imports.bulk import apply_bulk_settings

        self.writer, self.stats = writer, stats
        self.executor = ThreadPoolExecutor(
            1, thread_name_prefix="import-writer", initializer=apply_bulk_settings
        )
        self.inflight = None  # (future, rows) of the batch being committed

    def write(self, rows: list[RowResult]) -> list[RowResult]:
        """Prepare ``rows``, wait for the batch ahead, hand ``rows`` to the writer thread.
        Returns the refused rows: this batch's, and the batch ahead's if it failed again."""
        if not rows:
            return self.wait()
        plan, refused = self.writer.prepare(rows)
        refused = refused + self.wait()
        future = self.executor.submit(self.writer.commit, plan, self.stats)
        self.inflight = (future, plan.rows)
        return refused

    def wait(self) -> list[RowResult]:
        """Wait until the batch being committed is; the rows it refused."""
        if self.inflight is None:
            return []
        future, rows = self.inflight
        self.inflight = None
        try:
            future.result()
        except RetryBatch:
            return self.writer.write(rows, self.stats)
        return []

    def close(self) -> None:
        """Wait for the writer thread (an import that failed keeps the batches committed
        before, as it would writing on one thread), close its connection, end it."""
        try:
            if self.inflight is not None:
                self.inflight[0].exception()
        finally:
            self.inflight = None
            # looked up on the writer thread: its own connection, not this thread's
            self.executor.submit(lambda: connection.close()).exception()
            self.executor.shutdown(wait=True)


def _finished(chunks, cleaner, seen: SeenKeys):
    """The rows of ``chunks`` finished by the cleaner, each with the earlier row of the file
    that had its key."""
    for chunk in chunks:
        first: dict[str, int] = {}
        repeats: dict[int, int] = {}  # row number → first row, for repeats inside the chunk
        for result in chunk:
            if result.key is None:
                continue
            if result.key in first:
                repeats[result.row_number] = first[result.key]
            else:
                first[result.key] = result.row_number
        earlier = seen.first_rows(first)
        for result in chunk:
            first_row = None
            if result.key is not None:
                first_row = repeats.get(result.row_number) or earlier.get(result.key)
            yield cleaner.finish(result, first_row)


def process_rows(
    iterator: Iterator[list],
    *,
    first_data_row: int,
    cleaner,
    writer,
    stats: ImportStats,
    batch_size: int,
    on_error: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[RowResult], None] | None = None,
    on_progress: Callable[[ImportStats], None] | None = None,
    thread_on_sqlite: bool = THREAD_ON_SQLITE,
) -> ImportStats:
    """The row loop every importer shares: skip empty rows, clean each row, report errors
    and warnings, and hand the valid rows to ``writer.write(rows, stats)`` (which returns the
    rows it refused) in batches, reporting progress after each batch."""
    pending: list[RowResult] = []
    read = 0
    overlapped = OverlappedWriter(writer, stats) if overlap_possible(writer) else None

    def refused(rows: list[RowResult]) -> None:
        for row in rows:
            stats.errors += 1
            if on_error:
                on_error(row)

    def flush():
        if overlapped is not None:
            refused(overlapped.write(list(pending)))
        else:
            refused(writer.write(pending, stats))
        pending.clear()
        stats.processed_rows = read
        if on_progress:
            on_progress(stats)

    split = hasattr(cleaner, "clean_offline") and hasattr(cleaner, "finish")
    seen = SeenKeys() if split else None
    chunks = None
    warned = False
    if split:
        chunks, warned = _offline_chunks(
            iterator, first_data_row, cleaner, stats.total_rows, on_warning, thread_on_sqlite
        )
        results = _finished(chunks, cleaner, seen)
    else:
        results = (cleaner.clean(n, cells) for n, cells in non_empty(iterator, first_data_row))
    try:
        for result in results:
            read += 1
            if result.warnings:
                stats.warnings += len(result.warnings)
                if on_warning and not warned:
                    on_warning(result)
            if result.ok:
                pending.append(result)
            else:
                stats.errors += 1
                if on_error:
                    on_error(result)
            if read % batch_size == 0:
                flush()
        flush()
        if overlapped is not None:
            refused(overlapped.wait())
            if on_progress:
                on_progress(stats)
    finally:
        if overlapped is not None:
            overlapped.close()
        for closable in (results, chunks):
            close = getattr(closable, "close", None)
            if close:
                close()
        if seen is not None:
            seen.close()
    stats.total_rows = read
    return stats


def import_rows(
    rows,
    *,
    columns,
    cleaner_for: Callable[[dict[int, str]], Any],
    writer,
    first_row: int = 1,
    total_rows: int = 0,
    batch_size: int,
    on_header: Callable[[list], None] | None = None,
    on_error: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[RowResult], None] | None = None,
    on_progress: Callable[[ImportStats], None] | None = None,
    thread_on_sqlite: bool = THREAD_ON_SQLITE,
) -> ImportStats:
    """An importer's whole run: find the header row with ``columns`` (a ``ColumnSet``, which
    raises its importer's file error), report it, then :func:`process_rows` with the cleaner
    ``cleaner_for(column index → key)`` builds for that header."""
    iterator = iter(rows)
    header = columns.find_header(iterator, first_row)
    if on_header:
        on_header(header.cells)
    stats = ImportStats(total_rows=max(total_rows - (header.row_number - first_row + 1), 0))
    return process_rows(
        iterator,
        first_data_row=header.row_number + 1,
        cleaner=cleaner_for(header.columns),
        writer=writer,
        stats=stats,
        batch_size=batch_size,
        on_error=on_error,
        on_warning=on_warning,
        on_progress=on_progress,
        thread_on_sqlite=thread_on_sqlite,
    )
