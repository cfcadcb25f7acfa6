"""The roster import with its rows cleaned in worker processes (big files) stores and
reports exactly what the inline import does; a worker that dies, or a failing batch, fails
the job with its reason, leaves no half-written batch, and the file can be imported again."""

from __future__ import annotations

import os
import signal
from datetime import date

import pytest
from django.db import DataError, transaction

from gonghui.cockpit import summaries
from gonghui.members import roster_writer
from gonghui.members.models import Membership, Person
from gonghui.members.roster import COLUMNS, import_roster
from gonghui.platform.imports import workers
from gonghui.platform.imports.pipeline import ImportStopped
from gonghui.platform.imports.tests.rosterdata import make_roster

TODAY = date(2026, 11, 26)
HEADER = [c.title for c in COLUMNS]
VOLATILE = {"id", "person_id", "card_no", "created_at", "updated_at", "state_changed_at"}


def _snapshot():
    people = [
        {k: v for k, v in p.items() if k not in VOLATILE and k not in ("id_number", "phone")}
        for p in Person.objects.order_by("id_index").values()
    ]
    members = [
        {k: v for k, v in m.items() if k not in VOLATILE}
        for m in Membership.objects.order_by("person__id_index").values()
    ]
    return people, members


def _run(tree, rows, **kwargs):
    errors, warnings = [], []
    stats = import_roster(
        [HEADER, *rows],
        actor=tree.yubei_admin,
        org=tree.yubei,
        on_error=errors.append,
        on_warning=warnings.append,
        today=TODAY,
        **kwargs,
    )
    report = (
        [(e.row_number, [(c, str(m)) for c, m in e.errors]) for e in errors],
        [(w.row_number, [(c, str(m)) for c, m in w.warnings]) for w in warnings],
    )
    return stats, report


@pytest.fixture
def with_workers(settings):
    def use(n: int):
        settings.GONGHUI_IMPORT_WORKERS = n
        settings.GONGHUI_IMPORT_WORKERS_FROM = 0 if n else 10**9

    return use


@pytest.mark.django_db
def test_workers_import_exactly_what_the_inline_import_does(tree, with_workers, monkeypatch):
    data = make_roster(1200, org_codes=[tree.grassroots.pk, tree.township.pk], seed=3)
    # the same ID again far below its first row, across chunks and batches
    repeat = list(data.rows[5])
    repeat[2] = "13900139000"
    rows = [*data.rows, repeat]
    with transaction.atomic():
        with_workers(0)
        inline_stats, inline_report = _run(tree, rows, batch_size=300)
        inline = _snapshot()
        transaction.set_rollback(True)
    with_workers(2)
    started = []
    real_start = workers.WorkerPool._start
    monkeypatch.setattr(
        workers.WorkerPool, "_start", lambda self: started.extend(real_start(self)) or started
    )
    stats, report = _run(tree, rows, batch_size=300)
    assert len(started) == 2 and all(p.returncode == 0 for p in started)
    assert stats == inline_stats
    assert report == inline_report
    assert _snapshot() == inline
    last = report[0][-1]
    assert last[0] == len(rows) + 1
    assert last[1] == [("身份证号", "The same ID number is already in row 7 of this file.")]
    assert summaries.check() == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_dies_stops_the_import_and_it_can_be_run_again(tree, with_workers):
    with_workers(1)
    data = make_roster(2000, org_codes=[tree.grassroots.pk], broken_every=10**9, seed=5)
    frames = {"read": 0}
    real_read = workers.read_frame

    def read_then_kill(stream):
        item = real_read(stream)
        frames["read"] += 1
        if frames["read"] == 3:  # a chunk of rows is back: kill the worker
            for proc in _procs:
                os.kill(proc.pid, signal.SIGKILL)
        return item

    _procs: list = []
    real_start = workers.WorkerPool._start

    def start(self):
        procs = real_start(self)
        _procs.extend(procs)
        return procs

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(workers, "read_frame", read_then_kill)
        mp.setattr(workers.WorkerPool, "_start", start)
        with pytest.raises(ImportStopped) as stopped:
            _run(tree, data.rows, batch_size=500)
    assert "worker process ended unexpectedly" in str(stopped.value.message)
    written = Membership.objects.filter(org=tree.grassroots).count()
    assert written % 500 == 0 and written < 2000  # whole batches only
    assert all(p.poll() is not None for p in _procs)  # no worker left behind

    stats, _report = _run(tree, data.rows, batch_size=500)
    assert (stats.created, stats.unchanged, stats.errors) == (2000 - written, written, 0)
    assert Membership.objects.filter(org=tree.grassroots).count() == 2000
    assert summaries.check() == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_leaves_no_half_written_batch(tree, with_workers, monkeypatch):
    with_workers(0)
    data = make_roster(900, org_codes=[tree.grassroots.pk], broken_every=10**9, seed=9)
    calls = {"n": 0}
    real_insert = roster_writer.insert_rows

    def insert_then_fail(model, *args, **kwargs):
        if model is Membership:
            calls["n"] += 1
            if calls["n"] == 2:
                raise DataError("value too long for type character varying(20)")
        return real_insert(model, *args, **kwargs)

    monkeypatch.setattr(roster_writer, "insert_rows", insert_then_fail)
    with pytest.raises(DataError):
        _run(tree, data.rows, batch_size=400)
    # the first batch is whole; of the second neither its people nor its memberships
    assert Membership.objects.filter(org=tree.grassroots).count() == 400
    assert Person.objects.filter(org=tree.grassroots).count() == 400
    monkeypatch.setattr(roster_writer, "insert_rows", real_insert)
    stats, _report = _run(tree, data.rows, batch_size=400)
    assert (stats.created, stats.unchanged) == (500, 400)
    assert summaries.check() == []


def _job(tree, tmp_path, settings, rows):
    import csv

    from django.core.files.uploadedfile import SimpleUploadedFile

    from gonghui.platform.imports.models import ImportJob
    from gonghui.platform.pii.testing import use_private_root

    use_private_root(settings, tmp_path / "private")
    path = tmp_path / "roster.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    job = ImportJob(org=tree.yubei, created_by=tree.yubei_admin, original_name="roster.csv")
    job.file.save("roster.csv", SimpleUploadedFile("roster.csv", path.read_bytes()), save=False)
    job.save()
    return job


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_dies_is_failed_with_the_reason(tree, tmp_path, settings, with_workers):
    from gonghui.platform.imports.jobs import run_import_job

    with_workers(1)
    data = make_roster(1500, org_codes=[tree.grassroots.pk], broken_every=10**9, seed=6)
    job = _job(tree, tmp_path, settings, data.rows)
    real_read = workers.read_frame
    seen = {"n": 0}

    def read_then_die(stream):
        item = real_read(stream)
        seen["n"] += 1
        if seen["n"] == 2:
            raise EOFError  # as when the worker process is gone
        return item

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(workers, "read_frame", read_then_die)
        job = run_import_job(job.pk)
    assert job.status == "failed"
    assert "worker process ended unexpectedly" in job.message
    assert "import the file again" in job.message


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_fails_the_job_with_that_reason(tree, tmp_path, settings, with_workers):
    import errno

    from gonghui.platform.imports.errors import ErrorWorkbook
    from gonghui.platform.imports.jobs import run_import_job

    with_workers(0)
    data = make_roster(60, org_codes=[tree.grassroots.pk], seed=8)  # with broken rows
    job = _job(tree, tmp_path, settings, data.rows)

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    before = set(ALL_TEMP_FILES)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ErrorWorkbook, "save_to_tempfile", full)
        job = run_import_job(job.pk)
    assert job.status == "failed"
    assert "disk is full" in job.message
    # the unsaved error workbook's temporary files (uploaded values) are gone already
    assert set(ALL_TEMP_FILES) <= before
