"""The engine's bulk helpers: in-file repeats remembered in the database, and the settings of
an import's connection."""

from __future__ import annotations

import pytest
from django.db import connection

from gonghui.platform.imports.bulk import BULK_SETTINGS, SeenKeys, bulk_session


@pytest.mark.django_db
def test_seen_keys_give_the_first_row_of_each_repeat():
    seen = SeenKeys()
    try:
        assert seen.first_rows({"a": 2, "b": 3}) == {}
        assert seen.first_rows({"c": 4, "a": 5}) == {"a": 2}
        # a repeat of a repeat still names the first row
        assert seen.first_rows({"a": 9, "b": 10, "d": 11}) == {"a": 2, "b": 3}
        assert seen.first_rows({}) == {}
    finally:
        seen.close()


@pytest.mark.django_db
def test_seen_keys_survive_a_full_filter(monkeypatch):
    # every bit set: each key is looked up, and only real repeats are reported
    seen = SeenKeys()
    seen.bits = bytearray(b"\xff" * len(seen.bits))
    try:
        assert seen.first_rows({f"k{i}": i for i in range(1200)}) == {}
        assert seen.first_rows({"k7": 2000, "new": 2001}) == {"k7": 7}
    finally:
        seen.close()


@pytest.mark.django_db(transaction=True)
def test_an_import_connection_is_tuned_and_restored():
    if connection.vendor != "postgresql":
        with bulk_session():
            pass  # nothing to set on SQLite
        return

    def current(name):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s)", [name])
            return cursor.fetchone()[0]

    before = {name: current(name) for name in BULK_SETTINGS}
    with bulk_session():
        assert {name: current(name) for name in BULK_SETTINGS} == BULK_SETTINGS
    assert {name: current(name) for name in BULK_SETTINGS} == before


@pytest.mark.django_db
def test_reserved_ids_are_ascending_and_never_handed_out_twice():
    from gonghui.platform.imports.bulk import reserve_ids
    from gonghui.platform.imports.models import ImportJob

    if connection.vendor != "postgresql":
        pytest.skip("SQLite reserves under its write lock: the next inserts take the ids")
    assert list(reserve_ids(ImportJob, 0)) == []
    first = list(reserve_ids(ImportJob, 4000))
    second = list(reserve_ids(ImportJob, 3))
    assert first == list(range(first[0], first[0] + 4000))
    assert second[0] > first[-1] and second == sorted(second) and len(set(second)) == 3
