"""Worker processes that clean rows for the import pipeline (see pipeline.py).

Each worker is ``python -m gonghui.platform.imports.workers``, started with
:mod:`subprocess` (not :mod:`multiprocessing`: the import may run in a thread of the web
process, where forking is unsafe, or in a Celery prefork child, which may not have children of
its own). Parent and worker talk over the worker's stdin and stdout in frames: a 4-byte
length and a pickle. The first frame is the spec (the cleaner's factory as
``"module:function"``, its arguments, and the settings the cleaner needs from the parent — the
key ring — so that a worker encrypts exactly as the parent would); then chunks of ``(row
number, cells)`` go in and lists of ``RowResult`` come out, one per chunk, in order.

Chunks are dealt round-robin by a feeder thread, which reads the file, and read back in the
same order, so rows keep the file's order. Each worker has its own interpreter and GIL: with
two workers, Python's share of an import runs on other cores while this process writes and
the database works. Pickle is safe here: both ends are this program, over private pipes.
"""

from __future__ import annotations

import logging
import os
import pickle  # frames between this program's own processes (see above)  # nosec B403
import queue
import struct
import subprocess  # runs this program's own module with sys.executable  # nosec B404
import sys
import threading
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from gonghui.platform.imports.cells import Formatted
from gonghui.platform.imports.pipeline import ImportStopped, RowResult, put_unless_stopped

logger = logging.getLogger(__name__)

MSG_WORKER_STOPPED = _(
    "The import stopped because a worker process ended unexpectedly. The rows before were "
    "imported; import the file again (rows already imported come out unchanged)."
)
# what a worker needs from the parent's settings to derive values exactly as it would
SHARED_SETTINGS = ("GONGHUI_PII_KEYS", "GONGHUI_BLIND_INDEX_KEY", "TIME_ZONE", "LANGUAGE_CODE")
_HEADER = struct.Struct(">I")
AHEAD_CHUNKS = 16  # cleaned chunks waiting for the writer at most (two batches of rows)


def write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream):
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - see the module docstring  # nosec B301


class WorkerPool:
    """``n`` worker processes cleaning chunks with the cleaner built from ``spec``
    (``{"factory": "module:function", "kwargs": {...}}``)."""

    def __init__(self, spec: dict, n: int):
        self.spec = {
            **spec,
            "settings": {name: getattr(settings, name, None) for name in SHARED_SETTINGS},
        }
        self.n = max(1, n)

    def _start(self) -> list[subprocess.Popen]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.setdefault("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", ""))
        procs = []
        for _i in range(self.n):
            proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell  # nosec B603
                [sys.executable, "-m", "gonghui.platform.imports.workers"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                cwd=settings.BASE_DIR,
            )
            write_frame(proc.stdin, self.spec)
            procs.append(proc)
        return procs

    def clean(self, chunks: Iterable[list]) -> Iterator[list]:
        """The cleaned chunks of ``chunks`` (lists of ``(row number, cells)``), in order."""
        procs = self._start()
        sent = [0]  # chunks handed out so far
        # the cells of the chunks handed out and not yet back (at most what the pipes hold)
        originals: dict[int, list] = {}
        unpack = _Unpacker().row
        finished = threading.Event()
        failure: list[BaseException] = []

        def feed():
            try:
                for i, chunk in enumerate(chunks):  # reads the file: may raise
                    originals[i] = [cells for _n, cells in chunk]
                    try:
                        write_frame(procs[i % self.n].stdin, chunk)
                    except (OSError, ValueError):
                        return  # a worker ended, or the import was stopped: the reader says
                    sent[0] = i + 1
            except BaseException as exc:  # the file could not be read on: raised by clean()
                failure.append(exc)
            finally:
                finished.set()
                for proc in procs:
                    try:
                        write_frame(proc.stdin, None)
                        proc.stdin.close()
                    except (BrokenPipeError, OSError, ValueError):
                        pass

        # The collector reads the chunks back in order while this thread's caller writes to
        # the database, so the workers keep cleaning: without it they would stop, their
        # output pipes full, whenever a batch is being written (measured: slower than inline).
        ready: queue.Queue = queue.Queue(maxsize=AHEAD_CHUNKS)
        stop = threading.Event()
        done = object()
        received = [0]

        def put(item) -> bool:
            return put_unless_stopped(ready, item, stop)

        def collect():
            try:
                while not (finished.is_set() and received[0] >= sent[0]):
                    proc = procs[received[0] % self.n]
                    try:
                        item = read_frame(proc.stdout)
                    except (EOFError, OSError, ValueError):
                        if finished.is_set() and received[0] >= sent[0]:
                            break
                        raise ImportStopped(MSG_WORKER_STOPPED) from None
                    if isinstance(item, dict) and "error" in item:
                        logger.error("import worker failed:\n%s", item["error"])
                        raise ImportStopped(MSG_WORKER_STOPPED)
                    cells = originals.pop(received[0])
                    received[0] += 1
                    rows = [unpack(r, original) for r, original in zip(item, cells, strict=True)]
                    if not put(rows):
                        return
                if failure:
                    raise failure[0]
                put(done)
            except BaseException as exc:  # handed to the consumer, raised there
                put(exc)

        feeder = threading.Thread(target=feed, name="import-feeder", daemon=True)
        collector = threading.Thread(target=collect, name="import-collector", daemon=True)
        feeder.start()
        collector.start()
        completed = False
        try:
            while True:
                item = ready.get()
                if item is done:
                    completed = True
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            for proc in procs:
                if proc.poll() is None and not completed:
                    proc.kill()  # stopped early: nothing more is wanted from it
            for proc in procs:
                try:
                    proc.wait(timeout=10)  # done: it ends on the end-of-work frame
                except subprocess.TimeoutExpired:
                    proc.kill()
            for proc in procs:
                for stream in (proc.stdin, proc.stdout):
                    try:
                        stream.close()
                    except (BrokenPipeError, OSError, ValueError):
                        pass
                proc.wait()
            collector.join(timeout=5)
            feeder.join(timeout=5)


# --- the wire format of cleaned rows ----------------------------------------------------------
#
# Pickling RowResult objects as they are costs the parent ~25 µs a row to load (measured:
# a dict per row, and Django's lazy messages, whose unpickling builds a proxy class each
# time). A row goes back as a tuple: its values and derived values as tuples against a key
# tuple shared by the chunk (pickled once), and each message as (function, arguments), which
# the parent turns back into one lazy message per distinct text. The cells the row was made
# from are not sent back: the parent keeps the chunk it sent.


class _Packer:
    def __init__(self):
        self.keys: dict[tuple, tuple] = {}

    def _shared(self, keys: tuple) -> tuple:
        return self.keys.setdefault(keys, keys)

    def message(self, message):
        if isinstance(message, Formatted):
            return ("F", self.message(message.message), message.params)
        if isinstance(message, Promise):
            func, args, kwargs = message.__reduce__()[1][:3]
            return ("L", func.__module__, func.__name__, args, kwargs or None)
        return message

    def row(self, result) -> tuple:
        values = result.values
        derived = result.derived
        message = self.message
        return (
            result.row_number,
            self._shared(tuple(values)),
            tuple(values.values()),
            [(c, message(m)) for c, m in result.errors] or None,
            [(c, message(m)) for c, m in result.warnings] or None,
            self._shared(tuple(derived)) if derived is not None else None,
            tuple(derived.values()) if derived is not None else None,
            result.key,
            result.key_at,
        )


class _Unpacker:
    def __init__(self):
        self.lazies: dict = {}

    def message(self, packed):
        if type(packed) is not tuple:
            return packed
        if packed[0] == "F":
            return Formatted(self.message(packed[1]), packed[2])
        found = self.lazies.get(packed)
        if found is None:
            _tag, module, name, args, kwargs = packed
            func = getattr(__import__(module, fromlist=[name]), name)
            found = self.lazies[packed] = lazy(func, str)(*args, **(kwargs or {}))
        return found

    def row(self, packed: tuple, original: list):
        number, keys, values, errors, warnings, dkeys, dvalues, key, key_at = packed
        message = self.message
        return RowResult(
            number,
            original,
            dict(zip(keys, values, strict=True)),
            [(c, message(m)) for c, m in errors] if errors else [],
            [(c, message(m)) for c, m in warnings] if warnings else [],
            dict(zip(dkeys, dvalues, strict=True)) if dkeys is not None else None,
            key,
            key_at,
        )


def _factory(path: str):
    import importlib

    module, _sep, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def main() -> None:  # pragma: no cover - runs in the worker process (tested through the pool)
    import traceback

    import django

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the frames
    spec = read_frame(stdin)
    django.setup()
    for name, value in spec.get("settings", {}).items():
        if value is not None:
            setattr(settings, name, value)
    cleaner = _factory(spec["factory"])(**spec.get("kwargs", {}))
    clean = cleaner.clean_offline
    pack = _Packer().row
    while True:
        try:
            chunk = read_frame(stdin)
        except EOFError:
            return
        if chunk is None:
            return
        try:
            out = [pack(clean(n, cells)) for n, cells in chunk]
        except Exception:
            write_frame(stdout, {"error": traceback.format_exc()})
            return
        write_frame(stdout, out)


if __name__ == "__main__":
    main()
