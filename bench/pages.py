"""Console page weight and speed (issue #14): every console list page and the start page, as
the city's administrator on the demo database, 100 rows per list page.

    python bench/pages.py [--user city_admin] [--repeat 3] [--label before] [--only members]

Database: DATABASE_URL, else the demo's SQLite (var/gonghui.sqlite3, filled by `make demo`).
Settings: bench.settings (the project's, with DEBUG off: cached templates, no query log), in
process through Django's test client with the user's session (routing, middleware, scoping,
templates; no network, no static files). The second factor is the demo's (skipped); the rest
is what production runs.

For each page: the HTML size (raw and gzip level 6, what nginx sends), the median time of
``--repeat`` requests after one warm-up, the number of SQL queries, the rows on the page, and
the stylesheets and scripts its <head> loads (their sizes, raw and gzip, read from the static
files). A list page is measured at 100 rows per page: the bench sets the admin's
``list_per_page`` to 100 for the run (where the list has that many rows), so lists that show
50 are weighed at the budget's 100. Budget: 200 KB of HTML and 300 ms per page; pages over it
are marked in the table. Timings are the box's at the time (the load average is recorded
before and after); no test asserts them.

Writes bench/results/pages-<date>-<revision>[-dirty][-<label>].json and prints a table.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, load_average, machine, revision  # noqa: E402

BUDGET_BYTES = 200 * 1024
BUDGET_MS = 300
ROWS = 100

ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+\.(?:css|js))"')


def setup(url: str | None) -> None:
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import logging

    import django

    django.setup()
    # a list the role may not open answers 403 and is reported as such, not as a traceback
    logging.getLogger("django.request").setLevel(logging.ERROR)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def asset_sizes(html: str, cache: dict) -> list[dict]:
    """The stylesheets and scripts the page loads, with their sizes from the static files."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    out = []
    for url in dict.fromkeys(ASSET.findall(html)):
        if url not in cache:
            path = url.split("?")[0]
            if path.startswith(settings.STATIC_URL):
                path = path[len(settings.STATIC_URL) :]
            found = finders.find(path)
            if found:
                data = Path(found).read_bytes()
                cache[url] = {"url": url, "bytes": len(data), "gzip": gz(data)}
            else:
                cache[url] = {"url": url, "bytes": None, "gzip": None}
        out.append(cache[url])
    return out


def rows_on(html: str) -> int | None:
    """Rows of the changelist's table (None on a page without one)."""
    table = re.search(r'<table[^>]*id="result_list".*?</table>', html, re.S)
    if not table:
        return None
    body = re.search(r"<tbody[^>]*>(.*)</tbody>", table.group(0), re.S)
    return len(re.findall(r"<tr[\s>]", body.group(1))) if body else 0


def measure(client, path: str, repeat: int, assets: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get(path)  # warm-up (template cache, the user's grants)
    if first.status_code != 200:
        return {"path": path, "status": first.status_code}
    samples, queries = [], []
    response = first
    for _ in range(max(1, repeat)):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
    body = response.content
    html = body.decode("utf-8", "replace")
    loaded = asset_sizes(html, assets)
    return {
        "path": path,
        "status": response.status_code,
        "rows": rows_on(html),
        "html_bytes": len(body),
        "html_gzip": gz(body),
        "ms_median": round(statistics.median(samples) * 1000, 1),
        "ms_samples": [round(s * 1000, 1) for s in samples],
        "queries": max(queries),
        "assets": [a["url"] for a in loaded],
        "assets_bytes": sum(a["bytes"] or 0 for a in loaded),
        "assets_gzip": sum(a["gzip"] or 0 for a in loaded),
    }


def pages(only: str | None):
    """The start page and every registered list, with its admin (None for the start page)."""
    from django.urls import NoReverseMatch, reverse

    from gonghui.console.sites import console_site

    out = [("start page", "/console/?home=1", None)]
    for model, model_admin in sorted(
        console_site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        opts = model._meta
        try:
            path = reverse(f"console:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        if only and only not in opts.label_lower:
            continue
        out.append((opts.label_lower, path, model_admin))
    return out


def run(args) -> dict:
    from django.test import Client

    from gonghui.accounts.models import User

    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    assets: dict = {}
    results = []
    load_before = load_average()
    for name, path, model_admin in pages(args.only):
        per_page = getattr(model_admin, "list_per_page", None)
        if model_admin is not None:
            model_admin.list_per_page = ROWS
        try:
            row = measure(client, path, args.repeat, assets)
        finally:
            if model_admin is not None:
                model_admin.list_per_page = per_page
        row["page"] = name
        row["list_per_page"] = per_page
        if row["status"] == 200:
            row["over_budget"] = [
                what
                for what, over in (
                    ("size", row["html_bytes"] > BUDGET_BYTES),
                    ("time", row["ms_median"] > BUDGET_MS),
                )
                if over
            ]
        results.append(row)
        print(line(row), flush=True)
    return {
        "benchmark": "console pages (bench/pages.py)",
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "user": args.user,
        "repeat": args.repeat,
        "rows_per_list_page": ROWS,
        "budget": {"html_bytes": BUDGET_BYTES, "ms": BUDGET_MS},
        "revision": revision(),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_average(),
        "assets": sorted(assets.values(), key=lambda a: a["url"]),
        "pages": results,
    }


def line(row: dict) -> str:
    if row["status"] != 200:
        return f"{row['page']:<36} {row['status']:>4}  (not shown to this user)"
    flag = ",".join(row["over_budget"])
    return (
        f"{row['page']:<36} {row['rows'] if row['rows'] is not None else '-':>4} rows "
        f"{row['html_bytes'] / 1024:8.1f} KB {row['html_gzip'] / 1024:6.1f} KB gz "
        f"{row['ms_median']:7.1f} ms {row['queries']:4d} q  "
        f"assets {row['assets_bytes'] / 1024:6.0f} KB ({row['assets_gzip'] / 1024:.0f} gz)"
        f"{'  OVER ' + flag if flag else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="city_admin")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="")
    parser.add_argument("--only", help="only lists whose app_label.model contains this")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--out", help="result file (default bench/results/pages-….json)")
    args = parser.parse_args()
    setup(args.database_url)
    result = run(args)
    rev = result["revision"]
    name = f"pages-{datetime.date.today().isoformat()}-{rev['commit'][:10]}"
    if rev.get("dirty"):
        name += "-dirty"
    if args.label:
        name += f"-{args.label}"
    out = Path(args.out) if args.out else RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    shown = [p for p in result["pages"] if p["status"] == 200]
    over = [p["page"] for p in shown if p["over_budget"]]
    print(
        f"\n{len(shown)} pages; over budget ({BUDGET_BYTES // 1024} KB, {BUDGET_MS} ms): "
        f"{', '.join(over) or 'none'}; load {result['load_before']} -> {result['load_after']}"
    )
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
