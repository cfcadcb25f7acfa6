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
@pytest.mark.parametrize("flush", [1, 3, 50_000])
def test_seen_keys_find_repeats_in_memory_and_in_the_table(flush):
    seen = SeenKeys()
    seen.FLUSH = flush
    try:
        assert seen.first_rows({"a": 2, "b": 3}) == {}
        assert seen.first_rows({"c": 4, "a": 5}) == {"a": 2}
        assert seen.first_rows({"d": 6, "e": 7, "f": 8}) == {}
        assert seen.first_rows({"b": 9, "f": 10, "g": 11}) == {"b": 3, "f": 8}
        assert len(seen.pending) < max(flush, 2)  # the rest went to the table
    finally:
        seen.close()


@pytest.mark.django_db
def test_seen_keys_survive_a_full_filter(monkeypatch):
    # every bit set: each key is looked up, and only real repeats are reported
    seen = SeenKeys()
    seen.FLUSH = 1000
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


@pytest.mark.django_db
@pytest.mark.parametrize("comma", [False, True])
def test_any_of_finds_exactly_the_rows_with_those_values(comma):
    from django.contrib.auth import get_user_model

    from gonghui.platform.imports.bulk import any_of

    User = get_user_model()
    names = [f"u{i}{',x' if comma and i % 7 == 0 else ''}" for i in range(150)]
    User.objects.bulk_create([User(username=n) for n in [*names, "other", "u1x"]])
    wanted = [*names[::2], "absent"]
    found = set(any_of(User.objects.all(), "username", wanted).values_list("username", flat=True))
    assert found == set(names[::2])
    ids = list(User.objects.filter(username__in=names[:120]).values_list("pk", flat=True))
    assert set(any_of(User.objects.all(), "id", ids).values_list("pk", flat=True)) == set(ids)
