"""B1 — roster import (formerly bench/import_bench.py).

* **O**: our importer end to end through ``run_import_job`` (read xlsx/CSV → normalise and
  validate → dedup against the existing member table → encrypt → batched insert → error
  workbook), into the bench city (the existing members are the dedup table).
* **R**: a raw insert of exactly the rows O wrote. O imports the file once; the people and
  memberships it inserted are read back as stored (``SELECT * … WHERE id > mark``, every
  column, through a raw cursor) and the import is undone; R inserts those same rows again:
  ``COPY`` (psycopg ``cursor.copy``) on PostgreSQL, ``executemany`` in one transaction on
  SQLite. So R pays for the same columns (ciphertexts, blind indexes, pinyin, card numbers)
  and the same index entries as O, and nothing else.
* O and R are timed alternately (``repeat`` runs each, the order flipped every round) and
  both divide by the **rows written** (created + updated), not by the rows in the file (about
  5% of a generated file are error rows): median, min and max of each; O/R from the medians.
* **Re-import**: a second file, half of it people imported just before (a quarter of the file
  with a changed phone or employer → "updated", a quarter identical → "unchanged") and half
  new people. O imports it; R is the raw equivalent of what O wrote: ``COPY`` of the new rows
  plus one ``UPDATE … FROM`` (SQLite: ``executemany`` of ``UPDATE … WHERE id``) of the rows O
  changed, whole rows, from a temporary table filled by ``COPY``.
* **N**: openpyxl + the same validation (``RowCleaner``) + a per-row ORM ``save()`` of the
  person and the membership, on a slice, extrapolated per row written.
* peak memory (the high-water mark VmHWM of a child process importing the file) at two sizes,
  and optionally (``import_rows_big``, ``bench/run.py --b1-big 1000000``) the time of O on a
  very big file (CSV, and xlsx) in the same kind of child process.

Everything written by a run is deleted again, so the city keeps its size; after every undo the
member tables are vacuumed and analysed (PostgreSQL ``VACUUM ANALYZE``, SQLite ``ANALYZE``)
outside any transaction, so the next run does not scan dead rows."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, WORK, load1, ratio

# the parts of B1 (bench/run.py --b1-parts); "big" runs only with import_rows_big
PARTS = ("main", "reimport", "naive", "memory", "big")
DEFAULT_PARTS = ("main", "reimport", "naive", "memory")
# bump when the generated files change, so cached files are not reused
FILE_VERSION = 2


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


def _paths(stem: str, exts) -> dict[str, Path]:
    WORK.mkdir(parents=True, exist_ok=True)
    return {ext: WORK / f"{stem}-v{FILE_VERSION}.{ext}" for ext in exts}


def write_files(table, paths: dict[str, Path]) -> None:
    from gonghui.platform.imports.tests.rosterdata import write_csv, write_xlsx

    writers = {"xlsx": write_xlsx, "csv": write_csv}
    for ext, path in paths.items():
        if not path.exists():
            tmp = path.with_suffix(".part." + ext)
            writers[ext](table, tmp)
            tmp.replace(path)


def roster_files(n: int, unions: list, seed: int = 11, exts=("xlsx", "csv")):
    """The generated roster of ``n`` rows (5% broken) as files, cached in var/bench-work."""
    from gonghui.platform.imports.tests.rosterdata import make_roster

    roster = make_roster(n, org_codes=unions, id_offset=700_000, seed=seed)
    files = _paths(f"roster-{n}-{unions[0]}-s{seed}", exts)
    write_files(roster.table, files)
    return files, roster


BIG_SEED = 31


def big_file(n: int, unions: list, ext: str, roster) -> tuple[Path, float]:
    """The file of the big roster; written once (the seconds it took, 0 when cached)."""
    path = _paths(f"roster-{n}-{unions[0]}-s{BIG_SEED}", [ext])[ext]
    if path.exists():
        return path, 0.0
    t0 = time.perf_counter()
    write_files(roster.table, {ext: path})
    return path, time.perf_counter() - t0


def reimport_files(n: int, unions: list):
    """File A: ``n // 2`` valid rows (imported first, untimed); file B: A's rows again (half
    of them changed) interleaved with ``n - n // 2`` rows of new people (5% broken)."""
    from gonghui.platform.imports.tests.rosterdata import make_reimport_roster, make_roster

    base = make_roster(n // 2, org_codes=unions, id_offset=800_000, seed=21, broken_every=0)
    again = make_reimport_roster(base, n - n // 2, org_codes=unions, id_offset=900_000, seed=23)
    a = _paths(f"reimport-base-{n // 2}-{unions[0]}", ["xlsx"])
    b = _paths(f"reimport-{n}-{unions[0]}", ["xlsx"])
    write_files(base.table, a)
    write_files(again.table, b)
    return a["xlsx"], b["xlsx"], again


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


def written(job) -> int:
    return job.created_count + job.updated_count


def marks() -> tuple[int, int]:
    from django.db.models import Max

    from gonghui.members.models import Membership, Person

    return (
        Person.objects.aggregate(m=Max("id"))["m"] or 0,
        Membership.objects.aggregate(m=Max("id"))["m"] or 0,
    )


def _tables() -> tuple[str, str]:
    from gonghui.members.models import Membership, Person

    return Person._meta.db_table, Membership._meta.db_table


def vacuum() -> float:
    """VACUUM ANALYZE (SQLite: ANALYZE) the member tables and the cockpit summaries, in
    autocommit, so the next run neither scans dead rows nor plans with stale statistics."""
    from django.db import connection

    from gonghui.cockpit.models import OrgMonthStat, OrgTotal

    assert not connection.in_atomic_block, "VACUUM cannot run inside a transaction"
    tables = [*_tables(), OrgMonthStat._meta.db_table, OrgTotal._meta.db_table]
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - t0


def undo(mark: tuple[int, int], *, counted: bool = True, restore: Rows | None = None) -> None:
    """Delete the people and memberships created after ``mark`` (raw: fast, no collector),
    put the older rows in ``restore`` back as they were (an import may change people and
    memberships that were there before: a former member joining again), then vacuum.

    ``counted``: they were written by the product (which counted them in the cockpit
    summaries) and leave the summaries again; R's and N's rows were never counted."""
    from django.db import connection, transaction

    from gonghui.cockpit import summaries
    from gonghui.members.models import Membership

    pt, mt = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        # the imported memberships leave the cockpit summaries with them
        if counted:
            gone = Membership.objects.filter(id__gt=mark[1]).only(*SNAPSHOT_FIELDS)
            summaries.memberships_changed(before=[summaries.snapshot(m) for m in gone.iterator()])
        cursor.execute(f"DELETE FROM {mt} WHERE id > %s", [mark[1]])
        cursor.execute(f"DELETE FROM {pt} WHERE id > %s", [mark[0]])
        if restore is not None:
            _write(cursor, None, restore.upto(mark), counted=counted)
    vacuum()


def put_back(rows: Rows, *, counted: bool = True) -> None:
    """Overwrite the rows (by id) with these values, e.g. after a child process's import."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        _write(cursor, None, rows, counted=counted)


SNAPSHOT_FIELDS = ("org_id", "joined_on", "state", "ended_on", "employment_form", "is_migrant")


@dataclass
class Rows:
    """Rows of the two member tables exactly as stored (every column, ``id`` first)."""

    p_cols: list[str]
    people: list[tuple]
    m_cols: list[str]
    members: list[tuple]

    def __len__(self) -> int:
        return len(self.members)

    def upto(self, mark: tuple[int, int]) -> Rows:
        """The rows with ``id <= mark`` (those an undo to ``mark`` does not delete)."""
        return Rows(
            self.p_cols,
            [r for r in self.people if r[0] <= mark[0]],
            self.m_cols,
            [r for r in self.members if r[0] <= mark[1]],
        )


def _select(table: str, where: str, params) -> tuple[list[str], list[tuple]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY id", params)
        cols = [c[0] for c in cursor.description]
        return cols, [tuple(r) for r in cursor.fetchall()]


def read_back(mark: tuple[int, int], upto: tuple[int, int] | None = None) -> Rows:
    """The people and memberships with ``mark < id`` (and ``id <= upto``), as stored."""
    pt, mt = _tables()
    if upto is None:
        p_cols, people = _select(pt, "id > %s", [mark[0]])
        m_cols, members = _select(mt, "id > %s", [mark[1]])
    else:
        p_cols, people = _select(pt, "id > %s AND id <= %s", [mark[0], upto[0]])
        m_cols, members = _select(mt, "id > %s AND id <= %s", [mark[1], upto[1]])
    assert p_cols[0] == "id" and m_cols[0] == "id"
    return Rows(p_cols, people, m_cols, members)


def plain_ids(rows) -> list[str]:
    """The ID numbers of generated roster rows (as typed: a leading ' dropped)."""
    return [str(r[1]).strip().lstrip("'").upper() for r in rows if isinstance(r[1], str)]


def existing_rows(id_numbers: list[str], mark: tuple[int, int]) -> Rows:
    """The people (``id <= mark``) with one of these ID numbers and all their memberships
    (``id <= mark``): what an import of the file may change in place. Read before an O run,
    it is what the undo puts back, and (compared with the same rows after it) what R must
    update."""
    from gonghui.platform.pii.fields import index_for

    pt, mt = _tables()
    index = sorted({index_for("id_number", x) for x in id_numbers if x})
    p_cols, m_cols, people, members = None, None, [], []
    for start in range(0, max(len(index), 1), 2000):
        chunk = index[start : start + 2000] or [""]
        marks_ = ", ".join(["%s"] * len(chunk))
        p_cols, rows = _select(pt, f"id <= %s AND id_index IN ({marks_})", [mark[0], *chunk])
        people += rows
    ids = [r[0] for r in people]
    for start in range(0, max(len(ids), 1), 2000):
        chunk = ids[start : start + 2000] or [0]
        marks_ = ", ".join(["%s"] * len(chunk))
        m_cols, rows = _select(mt, f"id <= %s AND person_id IN ({marks_})", [mark[1], *chunk])
        members += rows
    return Rows(p_cols, people, m_cols, members)


def rows_now(rows: Rows) -> Rows:
    """The same rows (by id) as they are now."""
    pt, mt = _tables()
    out = Rows(rows.p_cols, [], rows.m_cols, [])
    for table, src, dst in ((pt, rows.people, out.people), (mt, rows.members, out.members)):
        ids = [r[0] for r in src]
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            _cols, got = _select(table, f"id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            dst += got
    return out


def _insert(cursor, table: str, cols: list[str], rows: list[tuple]) -> None:
    """The raw bulk insert of one vendor: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

    if not rows:
        return
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
            rows,
        )


def _update(cursor, table: str, cols: list[str], rows: list[tuple], tmp: str = "b1") -> None:
    """Overwrite whole rows by id: PostgreSQL ``COPY`` into a temporary table, then one
    ``UPDATE … FROM``; SQLite ``executemany`` of ``UPDATE … WHERE id = %s``."""
    from django.db import connection

    if not rows:
        return
    rest = cols[1:]
    if connection.vendor == "postgresql":
        tmp = f"{tmp}_{table}"
        cursor.execute(f"CREATE TEMPORARY TABLE {tmp} (LIKE {table}) ON COMMIT DROP")
        _insert(cursor, tmp, cols, rows)
        sets = ", ".join(f"{c} = s.{c}" for c in rest)
        cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {tmp} AS s WHERE t.id = s.id")
    else:
        sets = ", ".join(f"{c} = %s" for c in rest)
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE id = %s", [(*r[1:], r[0]) for r in rows]
        )


def _write(cursor, new: Rows | None, changed: Rows | None, *, counted: bool = False) -> None:
    """Insert ``new`` and overwrite ``changed`` (whole rows, by id). ``counted``: move the
    cockpit summaries as the product would (set-up and undo only, never inside R's timing)."""
    from gonghui.cockpit import summaries
    from gonghui.members.models import Membership

    def snapshots(ids: list[int]) -> list:
        out = []
        for start in range(0, len(ids), 2000):
            rows = Membership.objects.filter(id__in=ids[start : start + 2000])
            out += [summaries.snapshot(m) for m in rows.only(*SNAPSHOT_FIELDS)]
        return out

    pt, mt = _tables()
    ids = [r[0] for r in changed.members] if changed is not None else []
    before = snapshots(ids) if counted else []
    if new is not None:
        _insert(cursor, pt, new.p_cols, new.people)
        _insert(cursor, mt, new.m_cols, new.members)
    if changed is not None:
        _update(cursor, pt, changed.p_cols, changed.people)
        _update(cursor, mt, changed.m_cols, changed.members)
    if counted:
        ids += [r[0] for r in new.members] if new is not None else []
        summaries.memberships_changed(before, snapshots(ids))


def raw_write(new: Rows, changed: Rows | None = None) -> float:
    """R: insert ``new`` (and overwrite ``changed``) in one transaction; the seconds."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _write(cursor, new, changed)
    return time.perf_counter() - t0


def restore(new: Rows, changed: Rows | None = None, *, counted: bool) -> None:
    """Put rows read back earlier in again (untimed set-up)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        _write(cursor, new, changed, counted=counted)


def changed_rows(before: Rows, after: Rows) -> Rows:
    """The rows of ``after`` that differ from the row with the same id in ``before``."""
    old_p = {r[0]: r for r in before.people}
    old_m = {r[0]: r for r in before.members}
    return Rows(
        after.p_cols,
        [r for r in after.people if old_p.get(r[0]) != r],
        after.m_cols,
        [r for r in after.members if old_m.get(r[0]) != r],
    )


def sample(seconds: float, rows: int, **extra) -> dict:
    return {
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1) if seconds else None,
        "load1": load1(),
        **extra,
    }


def spread(samples: list[dict], rows: int) -> dict:
    """Median, min and max of the samples' seconds; rows/s of the rows written."""
    secs = [s["seconds"] for s in samples]
    med, lo, hi = statistics.median(secs), min(secs), max(secs)
    return {
        "runs": len(secs),
        "rows_written": rows,
        "seconds": round(med, 3),
        "seconds_min": round(lo, 3),
        "seconds_max": round(hi, 3),
        "rows_per_s": round(rows / med, 1) if med else None,
        "rows_per_s_min": round(rows / hi, 1) if hi else None,
        "rows_per_s_max": round(rows / lo, 1) if lo else None,
        "spread_pct": round((hi - lo) / med * 100, 1) if med else None,
        "samples": samples,
    }


def counts(job) -> dict:
    return {
        "status": job.status,
        "rows_in_file": job.total_rows,
        "rows_written": written(job),
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "errors": job.error_count,
    }


def _r_counts(new: Rows, changed: Rows) -> dict:
    return {
        "new_people_rows": len(new.people),
        "new_membership_rows": len(new.members),
        "changed_people_rows": len(changed.people),
        "changed_membership_rows": len(changed.members),
    }


def main_part(cfg, district, user, unions, repeat: int) -> dict:
    """O (xlsx, CSV) and R on the same rows, alternately."""
    from django.db import connection

    from gonghui.cockpit import summaries
    from gonghui.members.models import Membership

    n = cfg["import_rows"]
    files, roster = roster_files(n, unions)
    out: dict = {
        "rows_in_file": n,
        "error_rows_generated": len(roster.broken),
        "existing_members": Membership.objects.count(),
        "repeat": repeat,
    }
    o = {"xlsx": [], "csv": []}
    r: list[dict] = []
    base = marks()
    # people of the city with an ID of the file (and their memberships): an import may change
    # them in place (a former member joining again); every undo puts them back
    there = existing_rows(plain_ids(roster.rows), base)
    jobs: dict = {}
    new: Rows | None = None
    changed: Rows | None = None

    def run_o(ext):
        nonlocal new, changed
        mark = marks()
        assert mark == base, (mark, base)
        try:
            job, seconds = import_file(files[ext], district, user)
            assert job.status == "done", (job.status, job.message)
            if new is None:
                # the rows O wrote, for R; and the cockpit summaries against a full recount
                new = read_back(mark)
                changed = changed_rows(there, rows_now(there))
                out["summaries_equal_after_import"] = summaries.check() == []
        finally:
            undo(mark, restore=there)
        # the generated file has 5% broken rows; a few more rows may clash with the city
        assert job.error_count >= len(roster.broken), (job.error_count, len(roster.broken))
        jobs.setdefault(ext, job)
        assert written(job) == written(jobs[ext]), "the same file wrote a different row count"
        o[ext].append(sample(seconds, written(job)))

    def run_r():
        mark = marks()
        assert mark == base and new.members[0][0] > mark[1], (mark, base)
        try:
            seconds = raw_write(new, changed)
        finally:
            undo(mark, counted=False, restore=there)
        r.append(sample(seconds, rows_r))

    run_o("xlsx")  # the first O also captures R's rows
    rows_r = written(jobs["xlsx"])
    for i in range(repeat):
        steps = [lambda: run_o("xlsx"), lambda: run_o("csv"), run_r]
        if i % 2:
            steps.reverse()
        if i == 0:
            steps = steps[1:]  # xlsx ran already (the capture)
        for step in steps:
            step()
    for ext in ("xlsx", "csv"):
        out[f"O_import_{ext}"] = {**counts(jobs[ext]), **spread(o[ext], written(jobs[ext]))}
    out["rows_written"] = rows_r
    out["error_rows"] = jobs["xlsx"].error_count
    out["R_raw_insert"] = {
        "method": (
            "COPY (+ UPDATE … FROM a temporary table for rows O changed in place)"
            if connection.vendor == "postgresql"
            else "executemany INSERT (+ UPDATE … WHERE id), one transaction"
        ),
        **_r_counts(new, changed),
        **spread(r, rows_r),
    }
    out["O_over_R"] = ratio(out["O_import_xlsx"]["rows_per_s"], out["R_raw_insert"]["rows_per_s"])
    out["O_csv_over_R"] = ratio(
        out["O_import_csv"]["rows_per_s"], out["R_raw_insert"]["rows_per_s"]
    )
    return out


def reimport_part(cfg, district, user, unions, repeat: int) -> dict:
    """A file half of existing people (a quarter changed, a quarter identical), half new."""
    from django.db import connection

    from gonghui.cockpit import summaries

    n = cfg["import_rows"]
    file_a, file_b, roster = reimport_files(n, unions)
    base = marks()
    # B holds every ID of A: the city's people with one of them are all an import may change
    there = existing_rows(plain_ids(roster.rows), base)
    # A through our importer once (untimed): the people "already imported"
    job_a, seconds_a = import_file(file_a, district, user)
    assert job_a.status == "done", (job_a.status, job_a.message)
    rows_a = read_back(base)
    there_a = changed_rows(there, rows_now(there))  # the city's rows A changed
    undo(base, restore=there)
    out: dict = {
        "rows_in_file": len(roster.rows),
        "existing_rows": len(roster.existing),
        "changed_rows_generated": len(roster.changed),
        "new_rows": len(roster.rows) - len(roster.existing),
        "error_rows_generated": len(roster.broken),
        "base_file": {**counts(job_a), "seconds": round(seconds_a, 3)},
        "repeat": repeat,
    }
    o: list[dict] = []
    r: list[dict] = []
    job_b = None
    new = changed = None

    def set_up(counted: bool) -> tuple[int, int]:
        """The state right after A's import (raw; counted: in the summaries as well)."""
        assert marks() == base
        restore(rows_a, there_a, counted=counted)
        vacuum()
        return marks()

    def run_o():
        nonlocal job_b, new, changed
        mark_a = set_up(counted=True)
        before = existing_rows(plain_ids(roster.rows), mark_a) if new is None else None
        try:
            job, seconds = import_file(file_b, district, user)
            assert job.status == "done", (job.status, job.message)
            if new is None:
                new = read_back(mark_a)
                changed = changed_rows(before, rows_now(before))
                out["summaries_equal_after_reimport"] = summaries.check() == []
        finally:
            undo(base, restore=there)
        job_b = job_b or job
        assert written(job) == written(job_b), (counts(job), counts(job_b))
        o.append(sample(seconds, written(job)))

    def run_r():
        set_up(counted=False)
        try:
            seconds = raw_write(new, changed)
        finally:
            undo(base, counted=False, restore=there)
        r.append(sample(seconds, written(job_b)))

    for i in range(repeat):
        for step in (run_o, run_r) if i % 2 == 0 else (run_r, run_o):
            step()
    rows = written(job_b)
    out["O_import_xlsx"] = {**counts(job_b), **spread(o, rows)}
    out["R_raw"] = {
        "method": (
            "COPY of the new rows + COPY into a temporary table and one UPDATE … FROM per table"
            if connection.vendor == "postgresql"
            else "executemany INSERT of the new rows + executemany UPDATE … WHERE id, "
            "one transaction"
        ),
        **_r_counts(new, changed),
        **spread(r, rows),
    }
    out["O_over_R"] = ratio(out["O_import_xlsx"]["rows_per_s"], out["R_raw"]["rows_per_s"])
    return out


def naive(path: Path, district, user, n: int, there: Rows | None = None) -> dict:
    """openpyxl + RowCleaner + Person.save() + Membership.save() per row, on the first n rows.
    ``there``: the city's rows it may change in place (put back by the undo)."""
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
    done = saved = 0
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
        saved += 1
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
    undo(mark, counted=False, restore=there)
    return {
        "rows_in_file": done,
        "rows_written": saved,
        "seconds": round(seconds, 3),
        "rows_per_s": round(saved / seconds, 1),
        "load1": load1(),
    }


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_child(path: str) -> None:
    """Run in a fresh process: import one file, print seconds and peak RSS, undo."""
    _storage()
    district, user, _unions = setup()
    mark = marks()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec
    start = _status_mb("VmRSS")
    load_before = load1()
    job, seconds = import_file(Path(path), district, user)
    peak = _status_mb("VmHWM")
    load_after = load1()
    t0 = time.perf_counter()
    undo(mark)
    out = {**counts(job), "seconds": round(seconds, 3)}
    out["rows_per_s"] = round(written(job) / seconds, 1) if seconds else None
    out.update({"rss_start_mb": round(start, 1), "rss_peak_mb": round(peak, 1)})
    out["rss_growth_mb"] = round(peak - start, 1)
    out["load1_before_after"] = [load_before, load_after]
    out["undo_and_vacuum_seconds"] = round(time.perf_counter() - t0, 1)
    print("CHILD-RESULT " + json.dumps(out), flush=True)


def child_import(path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.b1_import", "--child", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        check=False,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("CHILD-RESULT ")), None)
    if line is None:
        raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-4000:])
    return json.loads(line.removeprefix("CHILD-RESULT "))


def child_import_restoring(path: Path, id_numbers: list[str]) -> dict:
    """``child_import``, then the city's rows the child's import changed in place put back
    (the child undoes only the rows it created)."""
    there = existing_rows(id_numbers, marks())
    res = child_import(path)
    put_back(there)
    return res


def memory_part(cfg, unions) -> dict:
    memory = {}
    for size in cfg["import_rows_memory"]:
        mfiles, roster = roster_files(size, unions, seed=13, exts=("xlsx",))
        memory[str(size)] = child_import_restoring(mfiles["xlsx"], plain_ids(roster.rows))
    sizes = [str(s) for s in cfg["import_rows_memory"]]
    return {
        "peak_memory": memory,
        "memory_growth_ratio": ratio(
            memory[sizes[1]]["rss_growth_mb"] or 0.1, memory[sizes[0]]["rss_growth_mb"] or 0.1
        ),
    }


def big_part(cfg, unions) -> dict:
    """O on one very big file per format, each in a child process (seconds, peak RSS)."""
    from gonghui.platform.imports.tests.rosterdata import make_roster

    n = cfg["import_rows_big"]
    out: dict = {"rows_in_file": n, "target_seconds": 60}
    roster = make_roster(n, org_codes=unions, id_offset=1_700_000, seed=BIG_SEED)
    ids = plain_ids(roster.rows)
    for ext in cfg.get("import_big_formats") or ("csv", "xlsx"):
        path, made = big_file(n, unions, ext, roster)
        res = child_import_restoring(path, ids)
        res["file_mb"] = round(path.stat().st_size / 2**20, 1)
        res["file_generation_seconds"] = round(made, 1)
        res["target_le_60_s"] = res["seconds"] <= 60
        out[ext] = res
    return out


def run(cfg: dict) -> dict:
    from django.db import connection

    _storage()
    district, user, unions = setup()
    parts = [p for p in (cfg.get("b1_parts") or DEFAULT_PARTS) if p in PARTS]
    if cfg.get("import_rows_big") and "big" not in parts and cfg.get("b1_parts") is None:
        parts.append("big")
    repeat = max(1, cfg["repeat"])
    out: dict = {"parts": parts, "database": connection.vendor}
    seconds: dict = {}
    for part in parts:
        t0 = time.perf_counter()
        if part == "main":
            out.update(main_part(cfg, district, user, unions, repeat))
        elif part == "reimport":
            out["reimport"] = reimport_part(cfg, district, user, unions, repeat)
        elif part == "naive":
            files, roster = roster_files(cfg["import_rows"], unions)
            there = existing_rows(plain_ids(roster.rows[: cfg["naive_rows"]]), marks())
            out["N_naive"] = naive(files["xlsx"], district, user, cfg["naive_rows"], there)
        elif part == "memory":
            out.update(memory_part(cfg, unions))
        elif part == "big" and cfg.get("import_rows_big"):
            out["big"] = big_part(cfg, unions)
        seconds[part] = round(time.perf_counter() - t0, 1)
    out["part_seconds"] = seconds
    if "O_import_xlsx" in out and "N_naive" in out:
        out["O_over_N"] = ratio(out["O_import_xlsx"]["rows_per_s"], out["N_naive"]["rows_per_s"])
        out["O_csv_over_N"] = ratio(out["O_import_csv"]["rows_per_s"], out["N_naive"]["rows_per_s"])
        out["target_O_over_N_ge_25"] = (out["O_over_N"] or 0) >= 25
    if "O_over_R" in out:
        out["target_O_over_R_ge_0_5"] = (out["O_over_R"] or 0) >= 0.5
    out["note"] = (
        "Rows/s are rows written (created + updated), for O, R and N alike; the error rows "
        "of the file are read and reported by O but not counted. O includes reading the file, "
        "validation, dedup against the existing members, encryption, card numbers, the "
        "cockpit summaries, audit events and the error workbook; R is only the raw insert "
        "(re-import: insert + UPDATE) of exactly the rows O wrote, read back from the "
        "database after an O run. O and R alternate, the same number of runs each; the "
        "member tables are vacuumed and analysed after every undo (untimed)."
    )
    return out


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--child":
    from bench.common import setup_django

    setup_django(os.environ["DATABASE_URL"])
    memory_child(sys.argv[2])
