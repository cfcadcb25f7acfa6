"""On PostgreSQL the roster import commits each batch on a writer thread while the next batch
is prepared (``platform/imports/pipeline.OverlappedWriter``). It stores and reports exactly
what writing batch after batch does, retries a batch that met a concurrent write, and leaves
no connection behind."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gonghui.cockpit import summaries
from gonghui.members import roster
from gonghui.members.models import Membership
from gonghui.members.tests.test_roster_workers import _run, _snapshot
from gonghui.platform.imports import pipeline
from gonghui.platform.imports.pipeline import RetryBatch
from gonghui.platform.imports.tests.rosterdata import make_roster

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the writer thread is used on PostgreSQL only"
)


def _connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _rows_with_members_elsewhere(tree):
    """A roster whose every 7th row names someone already a member of another union."""
    data = make_roster(1300, org_codes=[tree.grassroots.pk], seed=17)
    elsewhere = [list(r) for r in data.rows[::7]]
    for row in elsewhere:
        row[3] = str(tree.township.pk)
    return data.rows, elsewhere


def _reset():
    Membership.objects.all().delete()
    from gonghui.members.models import Person

    Person.objects.all().delete()
    summaries.rebuild()


@pytest.mark.django_db(transaction=True)
def test_overlapped_batches_store_and_report_what_sequential_batches_do(tree, settings):
    rows, elsewhere = _rows_with_members_elsewhere(tree)
    settings.GONGHUI_IMPORT_OVERLAP = False
    _run(tree, elsewhere, batch_size=100)
    sequential = _run(tree, rows, batch_size=250)
    sequential_db = _snapshot()
    _reset()

    settings.GONGHUI_IMPORT_OVERLAP = True
    threads = set()
    real_commit = roster.BatchWriter.commit

    def commit(self, plan, stats):
        threads.add(threading.current_thread().name)
        return real_commit(self, plan, stats)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(roster.BatchWriter, "commit", commit)
        _run(tree, elsewhere, batch_size=100)
        overlapped = _run(tree, rows, batch_size=250)
    assert threads and all(name.startswith("import-writer") for name in threads)
    assert overlapped == sequential
    stats, (errors, _warnings) = overlapped
    assert stats.errors == len(errors) > len(elsewhere)
    assert sum("already a member of" in str(m) for _n, e in errors for _c, m in e) > 150
    assert _snapshot() == sequential_db
    assert summaries.check() == []
    assert _connections() == 1  # the writer thread's connection is closed


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_met_a_concurrent_write_is_prepared_and_written_again(tree, settings):
    data = make_roster(900, org_codes=[tree.grassroots.pk], broken_every=10**9, seed=19)
    real_commit = roster.BatchWriter.commit
    calls = {"n": 0}

    def commit(self, plan, stats):
        calls["n"] += 1
        if calls["n"] == 2:  # as when someone joined with one of these ID numbers meanwhile
            raise RetryBatch
        return real_commit(self, plan, stats)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(roster.BatchWriter, "commit", commit)
        stats, (errors, _warnings) = _run(tree, data.rows, batch_size=300)
    assert (stats.created, stats.errors, errors) == (900, 0, [])
    assert Membership.objects.filter(org=tree.grassroots).count() == 900
    assert summaries.check() == []
    assert _connections() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_commit_on_the_writer_thread_fails_the_import(tree, settings):
    data = make_roster(900, org_codes=[tree.grassroots.pk], broken_every=10**9, seed=21)
    real_commit = roster.BatchWriter.commit
    calls = {"n": 0}

    def commit(self, plan, stats):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real_commit(self, plan, stats)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(roster.BatchWriter, "commit", commit)
        with pytest.raises(OSError):
            _run(tree, data.rows, batch_size=300)
    # the batch before stays whole; nothing after the failing one was written
    assert Membership.objects.filter(org=tree.grassroots).count() == 300
    assert summaries.check() == []
    assert _connections() == 1


@pytest.mark.django_db
def test_no_writer_thread_inside_a_transaction(tree):
    # a test's transaction: another connection could not see its rows
    assert not pipeline.overlap_possible(roster.BatchWriter(tree.yubei_admin))
