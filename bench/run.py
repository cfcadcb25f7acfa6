"""`make bench`: the benchmarks of issue #6, each measuring our code (O) against its raw
limit (R) and a naive Django baseline (N) in the same run. Never part of `make test` (a tiny
run of each is: gonghui/platform/tests/test_bench_smoke.py).

    python bench/run.py [--scale tiny|small|full] [--only b1,b2,...] [--out FILE]

Database: BENCH_DATABASE_URL, else DATABASE_URL, else var/bench-<scale>.sqlite3 (filled once
by generate_city; the benchmarks undo their writes). Scale: --scale or BENCH_SCALE (default
small). Results: a new file per run, bench/results/<date>-<vendor>-<scale>-<benchmarks>-
<git revision>[-dirty][-<label>].json (never merged into another run's file), with the
revision, the load average before and after each benchmark and, on PostgreSQL, the server
settings in effect (bench/pgtune.py applies the bench's); and a table on stdout.

Keys: the city's ID numbers and mobiles are encrypted and blind-indexed with the keys of the
checkout that built it (var/demo-secrets.json, or GONGHUI_PII_KEYS/GONGHUI_BLIND_INDEX_KEY).
To measure a fixed revision from a copy (git archive), copy that file into the copy's var/
first: with other keys the import matches none of the city's people (found in #13: 1,444 rows
of the 1M-row file name people of the city, refused as members elsewhere with the right keys,
created as new people by runs from a copy with new keys).

    python bench/run.py --scale full --only b1 --label before      # B1 alone
    python bench/run.py --scale full --only b1 --b1-big 1000000     # + O on a 1M-row file

  B1 roster import          bench/b1_import.py   (was bench/import_bench.py)
  B2 member list page       bench/b2_list.py
  B3 cockpit counts         bench/b3_cockpit.py  (also at a 10k-member database, child run)
  B4 scope filter, org tree bench/b4_scope.py    (was "B7" in the old bench/run.py)
  B5 gunicorn under load    bench/b5_load.py
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, SCALES, database_url, setup_django  # noqa: E402

ALL = ("b1", "b2", "b3", "b4", "b5")


def small_db_url(url: str, members: int) -> str:
    if url.startswith("sqlite"):
        # next to the main file (the smoke test's stays in its temporary directory)
        main = Path(url.removeprefix("sqlite:///"))
        return f"sqlite:///{main.parent / f'bench-{members}.sqlite3'}"
    base, _, name = url.rpartition("/")
    return f"{base}/{name}_{members}"


def ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when missing (bench databases only)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def b3_small(url: str, members: int, scale: str) -> dict:
    """B3 at a small database, in a child process (its own DATABASE_URL)."""
    small = small_db_url(url, members)
    ensure_pg_database(small)
    env = {**os.environ, "BENCH_DATABASE_URL": small}
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__)),
            "--scale",
            scale,
            "--only",
            "b3",
            "--members",
            str(members),
            "--no-write",
            "--quiet",
            "--child",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-4000:])
    return json.loads(line.removeprefix("RESULT "))["benchmarks"]["b3"]


def table(result: dict) -> str:
    """The figures that matter, one line each."""
    b = result["benchmarks"]
    lines = [f"{'benchmark':<46} {'O':>12} {'R':>12} {'N':>12} {'O/R':>7} {'O/N':>8}"]

    def add(name, o, r, n, o_r, o_n, unit=""):
        def f(x):
            return "—" if x is None else (f"{x:,.1f}{unit}" if isinstance(x, float | int) else x)

        def g(x):
            return "—" if x is None else f"{x:.2f}"

        lines.append(f"{name:<46} {f(o):>12} {f(r):>12} {f(n):>12} {g(o_r):>7} {g(o_n):>8}")

    if "b1" in b:
        x = b["b1"]
        r = x.get("R_raw_insert")
        n = x.get("N_naive")
        nn = n["rows_per_s"] if n else None

        def span(y):
            return f"{y['rows_per_s_min']:,.0f}–{y['rows_per_s_max']:,.0f}" if y else None

        for ext in ("xlsx", "csv"):
            o = x.get(f"O_import_{ext}")
            if not o:
                continue
            add(
                f"B1 import {ext} {o['rows_written']:,}/{o['rows_in_file']:,} rows (rows/s)",
                o["rows_per_s"],
                r["rows_per_s"] if r else None,
                nn,
                x["O_over_R"] if ext == "xlsx" else x["O_csv_over_R"],
                ratio_(o["rows_per_s"], nn),
            )
            add(f"  {ext} min–max of {o['runs']} runs (rows/s)", span(o), span(r), None, None, None)
        re = x.get("reimport")
        if re:
            o, rr = re["O_import_xlsx"], re["R_raw"]
            add(
                f"B1 re-import {o['created']:,} new {o['updated']:,} upd {o['unchanged']:,} same",
                o["rows_per_s"],
                rr["rows_per_s"],
                None,
                re["O_over_R"],
                None,
            )
            add(f"  re-import min–max of {o['runs']} runs", span(o), span(rr), None, None, None)
        for size, m in x.get("peak_memory", {}).items():
            add(
                f"B1 peak RSS importing {int(size):,} rows (MB)",
                m["rss_peak_mb"],
                None,
                None,
                None,
                None,
            )
        for ext in ("csv", "xlsx"):
            big = x.get("big", {}).get(ext)
            if big:
                add(
                    f"B1 {ext} {big['rows_in_file']:,} rows into the city (s)",
                    big["seconds"],
                    None,
                    None,
                    None,
                    None,
                )
        for key in ("summaries_equal_after_import",):
            if key in x:
                add("B1 cockpit summaries = recount after import", str(x[key]), *[None] * 4)
    if "b2" in b:
        x = b["b2"]
        for k in [k for k in ("page1", "mid", "deep") if k in x]:
            y = x[k]
            add(
                f"B2 list page offset {y['offset']:,} of {x['rows_in_scope']:,} (ms)",
                y["O_api_ms"],
                y["R_raw_keyset_ms"],
                y["N_paginator_ms"],
                y["O_over_R"],
                y["O_over_N"],
            )
        if "O_empty_ms" in x:
            add("B2 same request, empty page (fixed cost) (ms)", x["O_empty_ms"], *[None] * 4)
    if "b3" in b:
        for label, x in (("", b["b3"]), ("small ", b.get("b3_small"))):
            if not x:
                continue
            for q, y in x["queries"].items():
                add(
                    f"B3 {q[:28]} @{x['members']:,} (ms)",
                    y["O_summary_rows_scoped_ms"],
                    y["R_summary_rows_raw_sql_ms"],
                    y["N_live_orm_ms"],
                    y["O_over_R"],
                    ratio_(y["O_summary_rows_scoped_ms"], y["N_live_orm_ms"]),
                )
            add(
                f"B3 all four @{x['members']:,} (ms)",
                x["O_total_ms"],
                x["R_total_ms"],
                x["N_total_ms"],
                ratio_(x["O_total_ms"], x["R_total_ms"]),
                ratio_(x["O_total_ms"], x["N_total_ms"]),
            )
            add(
                f"B3 summaries = recount @{x['members']:,} ({x['summaries_check_s']} s)",
                str(x["summaries_equal_live_counts"]),
                None,
                None,
                None,
                None,
            )
            del label
    if "b4" in b:
        x = b["b4"]
        for k in ("district", "township", "grassroots"):
            y = x[k]
            add(
                f"B4 count in {k} scope ({y['members_in_scope']:,}) (ms)",
                y["count_O_restrict_ms"],
                y["count_R_literal_ids_ms"],
                None,
                y["count_O_over_R"],
                None,
            )
        add("B4 add an org (ms)", x["add_org_ms"], None, None, None, None)
        add(
            f"B4 move a township ({x['move_township_orgs_moved']} orgs) (ms)",
            x["move_township_ms"],
            None,
            None,
            None,
            None,
        )
    if "b5" in b:
        x = b["b5"]
        for kind, rk, nk in (
            ("member_detail", "R_raw_persistent", "N_orm_new_connection"),
            ("join", "R_raw_insert_on_conflict", "N_modelform"),
        ):
            for c, y in x[kind].items():
                add(
                    f"B5 {kind} c={c} (rps)",
                    y["O_api"]["rps"],
                    y[rk]["rps"],
                    y[nk]["rps"],
                    y["O_over_R"],
                    y["O_over_N"],
                )
                add(
                    f"B5 {kind} c={c} p50/p99 O (ms)",
                    f"{y['O_api']['p50_ms']}/{y['O_api']['p99_ms']}",
                    f"{y[rk]['p50_ms']}/{y[rk]['p99_ms']}",
                    f"{y[nk]['p50_ms']}/{y[nk]['p99_ms']}",
                    None,
                    None,
                )
        add("B5 5xx responses (all runs)", x["total_5xx"], None, None, None, None)
        s = x["same_id_burst"]
        add(
            f"B5 same-ID burst x{s['rounds']}: exactly one",
            str(s["exactly_one_member_each_time"]),
            None,
            None,
            None,
            None,
        )
    return "\n".join(lines)


def ratio_(a, b):
    return round(a / b, 3) if a and b else None


def result_path(result: dict, only: list[str], label: str | None) -> Path:
    """A new file per run, named after what was run on which code: never merged into the
    result of another run (``--only`` runs get their own file too)."""
    rev = result["revision"]
    short = str(rev.get("commit") or "unknown")[:10] + ("-dirty" if rev.get("dirty") else "")
    benches = "all" if set(only) == set(ALL) else "-".join(only)
    parts = result["config"].get("b1_parts")
    if "b1" in only and parts:
        benches += "." + "+".join(parts)  # e.g. b1.big
    name = f"{result['date']}-{result['machine']['database']}-{result['scale']}-{benches}-{short}"
    if label:
        name += f"-{label}"
    target = RESULTS / f"{name}.json"
    if target.exists():
        target = RESULTS / f"{name}-{datetime.datetime.now():%H%M%S}.json"
    return target


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", default=os.environ.get("BENCH_SCALE", "small"), choices=sorted(SCALES)
    )
    parser.add_argument("--only", default=",".join(ALL))
    parser.add_argument("--members", type=int, help="override the scale's member count")
    parser.add_argument("--repeat", type=int, help="override the scale's repeat count")
    parser.add_argument(
        "--out", help="result file (default: a new file in bench/results/, see result_path)"
    )
    parser.add_argument("--label", help="added to the result file's name, e.g. before")
    parser.add_argument(
        "--b1-big",
        type=int,
        metavar="ROWS",
        help="B1 also times O on a file of ROWS rows (e.g. 1000000), in a child process",
    )
    parser.add_argument("--b1-big-formats", default="csv,xlsx", help="formats of --b1-big")
    parser.add_argument(
        "--b1-parts", help="B1 parts to run (main,reimport,naive,memory,big; default all but big)"
    )
    parser.add_argument(
        "--no-pg-tune",
        action="store_true",
        help="leave the PostgreSQL settings alone (see bench/common.py)",
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cfg = dict(SCALES[args.scale])
    if args.members:
        cfg["members"] = args.members
    if args.repeat:
        cfg["repeat"] = args.repeat
    if args.b1_big:
        cfg["import_rows_big"] = args.b1_big
        cfg["import_big_formats"] = [x for x in args.b1_big_formats.split(",") if x]
    if args.b1_parts:
        cfg["b1_parts"] = [x.strip() for x in args.b1_parts.split(",") if x.strip()]
    only = [x.strip().lower() for x in args.only.split(",") if x.strip()]
    url = database_url(args.scale)
    if args.members and not (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    ):
        url = small_db_url(url, args.members)
    ensure_pg_database(url)

    from bench import common as pgtune

    if not args.child:
        import signal

        # a terminated run still puts the server-wide settings back (the finally below)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # one run at a time (PostgreSQL: per server, its settings are server-wide); a child run
    # of a run that holds the lock does not wait for it
    with pgtune.bench_lock(url, wait=not args.child, machine=args.scale != "tiny"):
        postgres = None
        if url.startswith("postgres"):
            postgres = {"tuned": not args.no_pg_tune}
            if not args.no_pg_tune:
                postgres["applied_database"] = pgtune.tune_database(url)
                if not args.child:
                    postgres["applied_system"] = pgtune.apply_system(url)
        try:
            return _run(args, cfg, only, url, postgres)
        finally:
            if postgres and postgres.get("applied_system"):
                pgtune.restore_system(url)


def _run(args, cfg: dict, only: list[str], url: str, postgres: dict | None) -> dict:
    setup_django(url)

    from django.core.management import call_command

    from bench import common as pgtune
    from bench import data
    from bench.common import load_average, machine, revision

    def say(msg):
        if not args.quiet:
            print(msg, flush=True)

    t_all = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"bench: scale {args.scale}, database {url.split('@')[-1]}")
    city = data.ensure_city(cfg["members"])
    say(f"bench: city ready: {city}")
    result = {
        "date": datetime.date.today().isoformat(),
        "started_at": datetime.datetime.now().isoformat(timespec="seconds"),
        "scale": args.scale,
        "only": only,
        "label": args.label,
        "revision": revision(),
        "config": cfg,
        "machine": machine(),
        "city": city,
        "benchmarks": {},
        "seconds": {},
        "load_average": {},
    }
    if postgres is not None:
        postgres["show_at_start"] = pgtune.show()
        result["postgresql"] = postgres
    modules = {
        "b1": "b1_import",
        "b2": "b2_list",
        "b3": "b3_cockpit",
        "b4": "b4_scope",
        "b5": "b5_load",
    }
    import importlib

    for key in only:
        t0 = time.perf_counter()
        say(f"bench: {key} … (load {load_average()})")
        load = {"before": load_average()}
        mod = importlib.import_module(f"bench.{modules[key]}")
        result["benchmarks"][key] = mod.run(cfg)
        if key == "b3" and not args.child and cfg["b3_small"] < cfg["members"]:
            result["benchmarks"]["b3_small"] = b3_small(url, cfg["b3_small"], args.scale)
            big, small = result["benchmarks"]["b3"], result["benchmarks"]["b3_small"]
            result["benchmarks"]["b3"]["O_time_large_over_small"] = ratio_(
                big["O_total_ms"], small["O_total_ms"]
            )
            result["benchmarks"]["b3"]["R_time_large_over_small"] = ratio_(
                big["R_total_ms"], small["R_total_ms"]
            )
            big["target_large_le_1_3x_small"] = big["O_time_large_over_small"] <= 1.3
            big["target_O_over_N_ge_20_at_large"] = big["target_O_over_N_ge_20"]
        load["after"] = load_average()
        result["load_average"][key] = load
        result["seconds"][key] = round(time.perf_counter() - t0, 1)
        say(f"bench: {key} done in {result['seconds'][key]} s (load {load['after']})")
    result["seconds"]["total"] = round(time.perf_counter() - t_all, 1)
    result["finished_at"] = datetime.datetime.now().isoformat(timespec="seconds")
    if postgres is not None:
        postgres["show_at_end"] = pgtune.show()
    if not args.no_write:
        # never merged into an existing file: each run, partial or not, is its own record
        target = Path(args.out) if args.out else result_path(result, only, args.label)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )
        result["written_to"] = str(target)
        say(f"bench: written to {target}")
    if args.quiet:
        print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))
    else:
        print(table(result))
    return result


if __name__ == "__main__":
    main()
