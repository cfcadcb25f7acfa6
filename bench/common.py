"""Shared bits of the bench: Django start-up on the bench database, timing, machine facts."""

from __future__ import annotations

import os
import platform
import statistics
import sys
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
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
