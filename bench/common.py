"""Shared bits of the bench: Django start-up on the bench database, timing, machine facts."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench-work"

# members in the main data set, rows in the import files, B3 sizes, B5 seconds per run
SCALES = {
    "tiny": {
        "members": 2_000,
        "import_rows": 500,
        "import_rows_memory": (300, 1_200),
        "naive_rows": 50,
        "b3_small": 1_000,
        "b5_seconds": 0.6,
        "b5_concurrency": (4,),
        "repeat": 2,
    },
    "small": {
        "members": 100_000,
        "import_rows": 20_000,
        "import_rows_memory": (10_000, 40_000),
        "naive_rows": 1_000,
        "b3_small": 10_000,
        "b5_seconds": 4,
        "b5_concurrency": (8, 64),
        "repeat": 5,
    },
    "full": {
        "members": 1_000_000,
        "import_rows": 100_000,
        "import_rows_memory": (100_000, 300_000),
        "naive_rows": 2_000,
        "b3_small": 10_000,
        "b5_seconds": 8,
        "b5_concurrency": (8, 32, 64),
        "repeat": 5,
    },
}


def database_url(scale: str) -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{ROOT / 'var' / f'bench-{scale}.sqlite3'}"


def setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("GONGHUI_IMPORT_RUNNER", "inline")
    import django

    django.setup()


def timed(fn, repeat: int = 5, warm: bool = True) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    if warm:
        fn()
    samples = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return round(statistics.median(samples) * 1000, 3)


def load1() -> float:
    """The one-minute load average (the box is shared: every timing records it)."""
    return round(os.getloadavg()[0], 2)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def revision() -> dict:
    """The code measured: ``git rev-parse HEAD`` and whether the working tree differs from it
    (the files that do, at most 50). A copy without .git (e.g. ``git archive``) says what it
    is through BENCH_REVISION (JSON, the same keys)."""
    import subprocess

    def git(*args) -> str:
        return subprocess.run(
            ["git", "--no-optional-locks", "-C", str(ROOT), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout

    try:
        head = git("rev-parse", "HEAD").strip()
        status = [line for line in git("status", "--porcelain").splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):
        # a copy without .git: BENCH_REVISION='{"commit": …, "dirty": …, "note": …}'
        import json

        given = os.environ.get("BENCH_REVISION")
        return json.loads(given) if given else {"commit": "unknown", "dirty": None}
    out = {"commit": head, "dirty": bool(status)}
    if status:
        out["dirty_files"] = status[:50]
    return out


def ratio(a, b) -> float | None:
    if not a or not b:
        return None
    return round(a / b, 3)


def machine() -> dict:
    import django
    from django.db import connection

    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db_version = cursor.fetchone()[0]
    else:
        import sqlite3

        db_version = sqlite3.sqlite_version
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
        "database_version": db_version,
        "load_average": load_average(),
    }


# --- PostgreSQL settings for the bench (docs/operations.md, "PostgreSQL for a city-scale
# install"). The bench cannot restart the server: shared_buffers (postmaster) is only
# recorded. Per-session settings go on the bench database (ALTER DATABASE: stays there, touches
# no other database); the reloadable WAL settings are server-wide, so they are set with ALTER
# SYSTEM + pg_reload_conf() for the run only and put back afterwards (also after a crash: the
# previous values wait in <tmp>/gonghui-bench-pg-system-restore.json for the next run).
# synchronous_commit stays "on": the importer turns it off for its own transactions only.

PG_SHOW = (
    "server_version",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "synchronous_commit",
    "max_wal_size",
    "checkpoint_timeout",
    "wal_compression",
    "autovacuum",
    "fsync",
    "random_page_cost",
    "max_connections",
)
PG_SYSTEM = {"max_wal_size": "8GB", "checkpoint_timeout": "15min"}
# one file per server, whichever checkout runs the bench (they take turns: bench_lock)
PG_RESTORE = Path(tempfile.gettempdir()) / "gonghui-bench-pg-system-restore.json"


def _ram_mb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 4096


def pg_database_settings() -> dict[str, str]:
    """What the bench database gets (the guide's rules for this machine's RAM)."""
    ram = _ram_mb()
    return {
        "work_mem": "32MB",
        "maintenance_work_mem": f"{max(64, min(1024, ram // 16))}MB",
        "effective_cache_size": f"{max(512, ram // 2)}MB",
    }


def _split(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base, name


def tune_database(url: str) -> dict[str, str]:
    """ALTER DATABASE <bench database> SET …: every later connection to it gets them."""
    import psycopg
    from psycopg import sql

    base, name = _split(url)
    settings = pg_database_settings()
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        for key, value in settings.items():
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                    sql.Identifier(name), sql.Identifier(key), sql.Literal(value)
                )
            )
    return settings


def _auto_conf(conn) -> dict[str, str]:
    rows = conn.execute(
        "SELECT name, setting FROM pg_file_settings"
        " WHERE sourcefile LIKE '%%postgresql.auto.conf' AND name = ANY(%s)",
        [list(PG_SYSTEM)],
    ).fetchall()
    return dict(rows)


def apply_system(url: str) -> dict:
    """The reloadable WAL settings for this run (put back by :func:`restore_system`)."""
    import json

    import psycopg

    restore_system(url)  # a crashed run's first
    base, _name = _split(url)
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            previous = {
                k: v for k, v in _auto_conf(conn).items() if PG_SYSTEM.get(k) != v
            }  # a value equal to ours was left by another bench run: reset it
            PG_RESTORE.parent.mkdir(parents=True, exist_ok=True)
            PG_RESTORE.write_text(json.dumps({"url": base, "previous": previous}))
            for key, value in PG_SYSTEM.items():
                conn.execute(f"ALTER SYSTEM SET {key} = '{value}'")
            conn.execute("SELECT pg_reload_conf()")
    except psycopg.Error as exc:  # not a superuser: record it and run without
        return {"error": str(exc).strip()}
    time.sleep(0.5)  # the postmaster rereads the files asynchronously
    return {**PG_SYSTEM, "scope": "ALTER SYSTEM for this run only, reset afterwards"}


def restore_system(url: str | None = None) -> None:
    import json

    import psycopg

    if not PG_RESTORE.exists():
        return
    saved = json.loads(PG_RESTORE.read_text())
    with psycopg.connect(f"{saved['url']}/postgres", autocommit=True) as conn:
        for key in PG_SYSTEM:
            value = saved["previous"].get(key)
            if value is None:
                conn.execute(f"ALTER SYSTEM RESET {key}")
            else:
                conn.execute(f"ALTER SYSTEM SET {key} = '{value}'")
        conn.execute("SELECT pg_reload_conf()")
    PG_RESTORE.unlink()


def show() -> dict[str, str]:
    """The server settings in effect for the bench's own connection."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for key in PG_SHOW:
            cursor.execute(f"SHOW {key}")
            out[key] = cursor.fetchone()[0]
    return out


class bench_lock:
    """One bench run at a time (a second one waits): two runs undoing each other's rows, or
    loading the same two cores, would both measure nonsense. Per machine (not for the tiny
    scale of the smoke test, which must not wait for a long run): flock on
    <tmp>/gonghui-bench.lock. PostgreSQL, also per server: an advisory lock in
    the server's ``postgres`` database (advisory locks are per database; the WAL settings
    the bench sets are per server), held by a connection of its own; SQLite: flock on
    <file>.bench-lock."""

    KEY = "SELECT hashtext('gonghui-bench')"

    def __init__(self, url: str, *, wait: bool = True, machine: bool = True):
        self.url, self.wait, self.conn, self.fh, self.machine = url, wait, None, None, None
        self.per_machine = machine

    def __enter__(self):
        if not self.wait:
            return self  # a child run of a run that holds the lock
        import fcntl

        if self.per_machine:
            # and one run per machine, whatever its database: runs on two databases would
            # share the cores (and the figures of both would be wrong)
            path = Path(tempfile.gettempdir()) / "gonghui-bench.lock"
            self.machine = open(path, "w")  # noqa: SIM115 (held until __exit__)
            try:
                fcntl.flock(self.machine, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("bench: another bench run is running on this machine; waiting", flush=True)
                fcntl.flock(self.machine, fcntl.LOCK_EX)
        if self.url.startswith("postgres"):
            import psycopg

            base, _name = _split(self.url)
            self.conn = psycopg.connect(f"{base}/postgres", autocommit=True)
            got = self.conn.execute(f"SELECT pg_try_advisory_lock(({self.KEY}))").fetchone()[0]
            if not got:
                print("bench: another bench run holds this server; waiting", flush=True)
                self.conn.execute(f"SELECT pg_advisory_lock(({self.KEY}))")
        elif self.url.startswith("sqlite"):
            import fcntl

            path = Path(self.url.removeprefix("sqlite:///") + ".bench-lock")
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = open(path, "w")  # noqa: SIM115 (held until __exit__)
            try:
                fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("bench: another bench run holds this database; waiting", flush=True)
                fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.conn is not None:
            self.conn.close()
        if self.fh is not None:
            self.fh.close()
        if self.machine is not None:
            self.machine.close()
        return False
