"""`make bench` cannot rot: every benchmark runs at tiny scale (a fresh SQLite file, the
local data builder, a gunicorn on a free loopback port) and must produce its figures. The
timings themselves are not asserted. Also: production settings keep database connections
open across requests (issue #6, B5)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gonghui.platform.tests.test_deploy_check import production_env
from gonghui.platform.tests.test_settings import BASE_DIR, clean_env, manage


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    out = work / "result.json"
    env = clean_env(
        BENCH_DATABASE_URL=f"sqlite:///{work / 'bench.sqlite3'}",
        BENCH_GENERATOR="local",
        GONGHUI_VAR_DIR=str(work / "var"),
    )
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "bench/run.py", "--scale", "tiny", "--out", str(out)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert "benchmark" in proc.stdout  # the printed table
    return json.loads(Path(out).read_text(encoding="utf-8"))


def test_result_file_describes_the_machine(tiny_result):
    machine = tiny_result["machine"]
    for key in ("cpu_count", "ram_gib", "python", "django", "database", "database_version"):
        assert machine[key], key
    assert tiny_result["city"]["members"] > 0
    # the code measured, and how busy the shared box was around each benchmark
    assert tiny_result["revision"]["commit"] and "dirty" in tiny_result["revision"]
    for key in ("b1", "b2", "b3", "b4", "b5"):
        load = tiny_result["load_average"][key]
        assert len(load["before"]) == 3 and len(load["after"]) == 3, key


def test_b1_import(tiny_result):
    b1 = tiny_result["benchmarks"]["b1"]
    o, csv, r = b1["O_import_xlsx"], b1["O_import_csv"], b1["R_raw_insert"]
    runs = tiny_result["config"]["repeat"]
    for run in (o, csv, r):
        # O and R alternate, the same number of runs each; rows/s of the rows written
        assert run["runs"] == runs and len(run["samples"]) == runs
        assert run["rows_per_s_min"] <= run["rows_per_s"] <= run["rows_per_s_max"]
    # R writes exactly the rows O wrote (read back after an O run), error rows not counted
    assert o["rows_written"] == o["created"] + o["updated"] == r["rows_written"] > 0
    assert r["new_membership_rows"] == o["created"]
    assert o["rows_in_file"] == b1["rows_in_file"] > o["rows_written"]
    assert o["errors"] >= b1["error_rows_generated"] > 0
    assert b1["N_naive"]["rows_per_s"] > 0
    assert len(b1["peak_memory"]) == 2
    assert all(m["rss_peak_mb"] > 0 for m in b1["peak_memory"].values())
    assert b1["O_over_R"] is not None and b1["O_over_N"] is not None
    # the importer kept the cockpit summaries equal to a full recount
    assert b1["summaries_equal_after_import"] is True


def test_b1_reimport(tiny_result):
    re = tiny_result["benchmarks"]["b1"]["reimport"]
    o, r = re["O_import_xlsx"], re["R_raw"]
    assert o["created"] > 0 and o["updated"] > 0 and o["unchanged"] > 0
    assert o["rows_written"] == r["rows_written"] == o["created"] + o["updated"]
    assert r["new_membership_rows"] == o["created"]
    assert 0 < r["changed_people_rows"] + r["changed_membership_rows"]
    assert o["runs"] == r["runs"] == tiny_result["config"]["repeat"]
    assert re["summaries_equal_after_reimport"] is True


def test_partial_runs_get_their_own_file(tmp_path, monkeypatch):
    """A --only run is never merged into another run's file."""
    sys.path.insert(0, str(BASE_DIR))
    from bench import run

    monkeypatch.setattr(run, "RESULTS", tmp_path)
    result = {
        "date": "2026-11-28",
        "scale": "full",
        "machine": {"database": "postgresql"},
        "revision": {"commit": "0123456789abcdef", "dirty": True},
        "config": {},
    }
    first = run.result_path(result, ["b1"], "before")
    assert first.name == "2026-11-28-postgresql-full-b1-0123456789-dirty-before.json"
    first.write_text("{}")
    second = run.result_path(result, ["b1"], "before")
    assert second != first and not second.exists()
    assert run.result_path(result, list(run.ALL), None).name.startswith(
        "2026-11-28-postgresql-full-all-"
    )


def test_b2_list_page(tiny_result):
    b2 = tiny_result["benchmarks"]["b2"]
    for page in ("page1", "deep"):
        row = b2[page]
        for key in ("O_api_ms", "R_raw_keyset_ms", "raw_offset_ms", "N_paginator_ms"):
            assert row[key] > 0, key
        assert isinstance(row["exact_count_on_page_view"], bool)
    assert b2["deep"]["offset"] > 0


def test_b3_cockpit_counts(tiny_result):
    for key in ("b3", "b3_small"):
        b3 = tiny_result["benchmarks"][key]
        assert set(b3["queries"]) == {
            "members_by_month_district",
            "new_members_of_year",
            "new_grassroots_unions_of_year",
            "district_totals",
        }
        # the summary rows give the same answers as the live counts
        assert b3["summaries_equal_live_counts"] is True
    assert tiny_result["benchmarks"]["b3"]["O_time_large_over_small"] > 0


def test_b4_scope(tiny_result):
    b4 = tiny_result["benchmarks"]["b4"]
    for scope in ("district", "township", "grassroots"):
        assert b4[scope]["count_O_over_R"] > 0
        assert b4[scope]["members_in_scope"] > 0, scope  # a scope with no one measures nothing
    # Both smaller scopes are inside the district measured.
    district = b4["district"]["members_in_scope"]
    assert b4["township"]["members_in_scope"] <= district
    assert b4["grassroots"]["members_in_scope"] <= district
    assert b4["add_org_ms"] > 0 and b4["move_township_ms"] > 0


def test_b5_load(tiny_result):
    b5 = tiny_result["benchmarks"]["b5"]
    for kind in ("member_detail", "join"):
        for per in b5[kind].values():
            for run in (v for v in per.values() if isinstance(v, dict)):
                assert run["requests"] > 0 and run["p99_ms"] is not None
                assert run["5xx"] == 0, run
    assert b5["same_id_burst"]["exactly_one_member_each_time"] is True, b5["same_id_burst"]


def test_production_keeps_database_connections_open(tmp_path):
    """A new database connection per request cut a lookup ~12x on the reference box: the
    production settings must keep connections (CONN_MAX_AGE > 0 or None)."""
    code = (
        "import json; from django.conf import settings as s;"
        " print(json.dumps(s.DATABASES['default'].get('CONN_MAX_AGE', 0)))"
    )
    env = production_env(tmp_path, "postgres://gonghui@127.0.0.1:9/gonghui")
    env.pop("DB_CONN_MAX_AGE", None)
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    value = json.loads(result.stdout.strip().splitlines()[-1])
    assert value is None or value > 0, f"CONN_MAX_AGE={value!r} opens a connection per request"
