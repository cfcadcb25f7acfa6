"""B1 — roster import (formerly bench/import_bench.py).

* **O**: our importer end to end through ``run_import_job`` (read xlsx/CSV → normalise and
  validate → dedup against the existing member table → encrypt → batched insert → error
  workbook), into the bench city (the existing members are the dedup table).
* **R**: a raw bulk insert of the same prepared rows (the valid rows, already validated,
  encrypted and indexed, outside the timing) into the same tables: ``executemany`` in one
  transaction on SQLite, ``COPY`` (psycopg ``cursor.copy``) on PostgreSQL.
* **N**: openpyxl + the same validation (``RowCleaner``) + a per-row ORM ``save()`` of the
  person and the membership, on a slice, extrapolated per row.
* peak memory (the high-water mark VmHWM of a child process importing the file) at two sizes.

Everything written by a run is deleted again, so the city keeps its size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, WORK, ratio


def _storage() -> None:
    from django.conf import settings

    settings.GONGHUI_IMPORT_RUNNER = "inline"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(WORK / "storage")},
        },
    }


def setup():
    from bench.b2_list import biggest_district, district_admin
    from gonghui.orgs.models import Org

    district, _n = biggest_district()
    user = district_admin(district)
    unions = list(
        Org.objects.filter(path__startswith=district.path, kind="grassroots")
        .order_by("pk")
        .values_list("pk", flat=True)[:50]
    )
    return district, user, unions


def roster_files(n: int, unions: list, seed: int = 11) -> tuple[dict, object]:
    from gonghui.platform.imports.tests.rosterdata import make_roster, write_csv, write_xlsx

    WORK.mkdir(parents=True, exist_ok=True)
    roster = make_roster(n, org_codes=unions, id_offset=700_000, seed=seed)
    files = {}
    for ext, writer in (("xlsx", write_xlsx), ("csv", write_csv)):
        path = WORK / f"roster-{n}-{unions[0]}.{ext}"
        if not path.exists():
            writer(roster.table, path)
        files[ext] = path
    return files, roster


def import_file(path: Path, district, user):
    from django.core.files import File

    from gonghui.platform.imports.jobs import run_import_job
    from gonghui.platform.imports.models import ImportJob

    with open(path, "rb") as fh:
        job = ImportJob(org=district, created_by=user, original_name=path.name)
        job.file.save(path.name, File(fh, name=path.name), save=False)
        job.save()
    t0 = time.perf_counter()
    job = run_import_job(job.pk)
    return job, time.perf_counter() - t0


def marks() -> tuple[int, int]:
    from django.db.models import Max

    from gonghui.members.models import Membership, Person

    return (
        Person.objects.aggregate(m=Max("id"))["m"] or 0,
        Membership.objects.aggregate(m=Max("id"))["m"] or 0,
    )


def undo(mark: tuple[int, int], *, counted: bool = True) -> None:
    """Delete the people and memberships created after ``mark`` (raw: fast, no collector).

    ``counted``: they were written by the product (which counted them in the cockpit
    summaries) and leave the summaries again; R's and N's rows were never counted."""
    from django.db import connection, transaction

    from gonghui.cockpit import summaries
    from gonghui.members.models import Membership, Person

    with transaction.atomic(), connection.cursor() as cursor:
        # the imported memberships leave the cockpit summaries with them
        if counted:
            gone = Membership.objects.filter(id__gt=mark[1]).only(
                "org_id", "joined_on", "state", "ended_on", "employment_form", "is_migrant"
            )
            summaries.memberships_changed(before=[summaries.snapshot(m) for m in gone.iterator()])
        cursor.execute(f"DELETE FROM {Membership._meta.db_table} WHERE id > %s", [mark[1]])
        cursor.execute(f"DELETE FROM {Person._meta.db_table} WHERE id > %s", [mark[0]])


def prepared_rows(roster, district, user):
    """The valid rows as the exact column values the database receives."""
    from django.db import connection
    from django.utils import timezone

    from gonghui.members.models import Membership, Person
    from gonghui.members.roster import OrgResolver, RowCleaner, find_header

    rows = iter(roster.table)
    _h, _header, columns = find_header(rows, 1)
    cleaner = RowCleaner(columns, OrgResolver(user, district), timezone.localdate())
    p_fields = [f for f in Person._meta.concrete_fields if f.name != "id"]
    m_fields = [f for f in Membership._meta.concrete_fields if f.name != "id"]
    people, members = [], []
    for i, cells in enumerate(rows, start=2):
        r = cleaner.clean(i, cells)
        if not r.ok:
            continue
        v = r.values
        person = Person(
            name=v["name"],
            id_number=v["id_number"],
            gender=v["gender"] or "",
            birth_date=v["birth_date"],
            phone=v["phone"] or "",
            org=v["org"],
            ethnicity=v["ethnicity"] or "",
            education=v["education"] or "",
        )
        member = Membership(
            org=v["org"],
            employer_name=v["employer_name"],
            employment_form=v["employment_form"],
            is_migrant=bool(v["is_migrant"]),
            source="import",
            joined_on=v["joined_on"],
        )
        people.append([f.get_db_prep_save(f.pre_save(person, True), connection) for f in p_fields])
        members.append([f.get_db_prep_save(f.pre_save(member, True), connection) for f in m_fields])
    # drop the rows whose ID is already in the table (the importer dedups them)
    idx = [f.attname for f in p_fields].index("id_index")
    existing = set(
        Person.objects.filter(id_index__in=[p[idx] for p in people]).values_list(
            "id_index", flat=True
        )
    )
    keep = [i for i, p in enumerate(people) if p[idx] not in existing]
    return (
        [f.column for f in p_fields],
        [people[i] for i in keep],
        [f.column for f in m_fields],
        [members[i] for i in keep],
    )


def raw_insert(p_cols, people, m_cols, members) -> float:
    from django.db import connection, transaction

    from gonghui.members.models import Membership, Person

    p0, m0 = marks()
    p_cols, m_cols = ["id", *p_cols], ["id", *m_cols]
    pid = m_cols.index("person_id")
    p_rows = [[p0 + 1 + i, *row] for i, row in enumerate(people)]
    m_rows = []
    for i, row in enumerate(members):
        row = [m0 + 1 + i, *row]
        row[pid] = p0 + 1 + i
        m_rows.append(row)
    pt, mt = Person._meta.db_table, Membership._meta.db_table
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            for table, cols, data in ((pt, p_cols, p_rows), (mt, m_cols, m_rows)):
                with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
        else:
            for table, cols, data in ((pt, p_cols, p_rows), (mt, m_cols, m_rows)):
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES"
                    f" ({', '.join(['%s'] * len(cols))})",
                    data,
                )
    seconds = time.perf_counter() - t0
    undo((p0, m0), counted=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (pt, mt):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    return seconds


def naive(path: Path, district, user, n: int) -> dict:
    """openpyxl + RowCleaner + Person.save() + Membership.save() per row, on the first n rows."""
    from django.utils import timezone
    from openpyxl import load_workbook

    from gonghui.members.models import Membership, Person
    from gonghui.members.roster import OrgResolver, RowCleaner, find_header

    mark = marks()
    t0 = time.perf_counter()
    wb = load_workbook(path, read_only=True)
    rows = (list(r) for r in wb.active.iter_rows(values_only=True))
    _h, _header, columns = find_header(rows, 1)
    cleaner = RowCleaner(columns, OrgResolver(user, district), timezone.localdate())
    done = 0
    for i, cells in enumerate(rows, start=2):
        if done >= n:
            break
        done += 1
        r = cleaner.clean(i, cells)
        if not r.ok:
            continue
        v = r.values
        index = Person._meta.get_field("id_index").pre_save(Person(id_number=v["id_number"]), True)
        person = Person.objects.filter(id_index=index).first()
        known = person is not None
        person = person or Person(id_number=v["id_number"])
        person.name, person.phone, person.org = v["name"], v["phone"] or "", v["org"]
        person.gender, person.birth_date = v["gender"] or "", v["birth_date"]
        person.save()
        if known:
            continue  # already a member: the naive import only updates the person
        Membership(
            person=person,
            org=v["org"],
            employer_name=v["employer_name"],
            employment_form=v["employment_form"],
            is_migrant=bool(v["is_migrant"]),
            source="import",
            joined_on=v["joined_on"],
        ).save()
    seconds = time.perf_counter() - t0
    wb.close()
    undo(mark, counted=False)
    return {"rows": done, "seconds": round(seconds, 3), "rows_per_s": round(done / seconds, 1)}


def summary(job, seconds: float) -> dict:
    return {
        "status": job.status,
        "rows": job.total_rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(job.total_rows / seconds, 1) if seconds else None,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "errors": job.error_count,
    }


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_child(path: str) -> None:
    """Run in a fresh process: import one file, print the peak RSS, undo."""
    _storage()
    district, user, _unions = setup()
    mark = marks()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec
    start = _status_mb("VmRSS")
    job, seconds = import_file(Path(path), district, user)
    peak = _status_mb("VmHWM")
    undo(mark)
    out = summary(job, seconds)
    out.update({"rss_start_mb": round(start, 1), "rss_peak_mb": round(peak, 1)})
    out["rss_growth_mb"] = round(peak - start, 1)
    print("CHILD-RESULT " + json.dumps(out), flush=True)


def run(cfg: dict) -> dict:
    from django.db import connection

    from gonghui.members.models import Membership

    _storage()
    district, user, unions = setup()
    n = cfg["import_rows"]
    files, roster = roster_files(n, unions)
    cols = prepared_rows(roster, district, user)
    out = {
        "rows_in_file": n,
        "broken_rows": len(roster.broken),
        "existing_members": Membership.objects.count(),
        "prepared_valid_new_rows": len(cols[1]),
    }
    # R: best of a few (the box is shared and noisy)
    r_seconds = min(raw_insert(*cols) for _ in range(max(1, min(3, cfg["repeat"]))))
    out["R_raw_insert"] = {
        "method": "COPY" if connection.vendor == "postgresql" else "executemany, one transaction",
        "rows": len(cols[1]),
        "seconds": round(r_seconds, 3),
        "rows_per_s": round(len(cols[1]) / r_seconds, 1),
    }
    for ext, path in files.items():
        best = None
        for _ in range(2 if cfg["repeat"] > 2 else 1):
            mark = marks()
            try:
                job, seconds = import_file(path, district, user)
                if "summaries_equal_after_import" not in out:
                    # the cockpit summaries, kept by the importer, against a full recount
                    from gonghui.cockpit import summaries

                    out["summaries_equal_after_import"] = summaries.check() == []
            finally:
                undo(mark)
            run_ = summary(job, seconds)
            assert job.status == "done", (job.status, job.message)
            # the generated file has 5% broken rows; a few more rows may clash with the city
            assert job.error_count >= len(roster.broken), (job.error_count, len(roster.broken))
            if best is None or run_["seconds"] < best["seconds"]:
                best = run_
        out[f"O_import_{ext}"] = best
    out["N_naive"] = naive(files["xlsx"], district, user, cfg["naive_rows"])
    o = out["O_import_xlsx"]["rows_per_s"]
    out["O_over_R"] = ratio(o, out["R_raw_insert"]["rows_per_s"])
    out["O_csv_over_R"] = ratio(
        out["O_import_csv"]["rows_per_s"], out["R_raw_insert"]["rows_per_s"]
    )
    out["O_over_N"] = ratio(o, out["N_naive"]["rows_per_s"])
    # peak memory at two sizes, each in a fresh child process
    memory = {}
    for size in cfg["import_rows_memory"]:
        mfiles, _r = roster_files(size, unions, seed=13)
        proc = subprocess.run(
            [sys.executable, "-m", "bench.b1_import", "--child", str(mfiles["xlsx"])],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ},
            check=False,
        )
        line = next((x for x in proc.stdout.splitlines() if x.startswith("CHILD-RESULT ")), None)
        if line is None:
            raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-4000:])
        memory[str(size)] = json.loads(line.removeprefix("CHILD-RESULT "))
    out["peak_memory"] = memory
    sizes = [str(s) for s in cfg["import_rows_memory"]]
    out["memory_growth_ratio"] = ratio(
        memory[sizes[1]]["rss_growth_mb"] or 0.1, memory[sizes[0]]["rss_growth_mb"] or 0.1
    )
    out["target_O_over_R_ge_0_5"] = (out["O_over_R"] or 0) >= 0.5
    out["target_O_over_N_ge_25"] = (out["O_over_N"] or 0) >= 25
    out["note"] = (
        "O includes reading the file, validation, dedup against the existing members, "
        "encryption, card numbers, audit events and the error workbook; R only the insert of "
        "rows prepared beforehand."
    )
    return out


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    from bench.common import setup_django

    setup_django(os.environ["DATABASE_URL"])
    memory_child(sys.argv[2])
