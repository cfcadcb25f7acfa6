"""The roster importer's fast path (raw inserts with reserved ids, reader thread, cheaper
phone and pinyin checks, streamed error workbook) stores and reports exactly what the
ORM path does."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from django.db import connection, transaction
from openpyxl import Workbook, load_workbook

from gonghui.cockpit import summaries
from gonghui.members import actions, roster, roster_writer
from gonghui.members.actions import pinyin_of
from gonghui.members.models import Membership, Person
from gonghui.members.roster import COLUMNS, import_roster
from gonghui.platform.imports import errors as error_workbook
from gonghui.platform.imports.tests.rosterdata import make_roster
from gonghui.platform.pii import crypto
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators import normalize_mobile
from gonghui.platform.validators.mobile import MobileError

TODAY = date(2026, 11, 26)
HEADER = [c.title for c in COLUMNS]
VOLATILE = {"id", "person_id", "card_no", "created_at", "updated_at", "state_changed_at"}


def test_the_fast_path_knows_every_column():
    # A new Person or Membership field must be added to PERSON_COLUMNS / MEMBERSHIP_COLUMNS
    # (and to BatchWriter._insert_people / _insert_memberships), else imports fall back to
    # bulk_create.
    assert roster_writer._fast_insert_supported()


def test_phone_check_matches_normalize_mobile():
    rng = random.Random(5)
    numbers = ["13800138000", "14000000000", "17400000000", "17406000000", "16100000000"]
    numbers += [f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}" for _ in range(3000)]
    for number in numbers:
        try:
            expected = normalize_mobile(number)
        except MobileError as exc:
            expected = exc.code
        try:
            got = roster._normalize_mobile(number)
        except MobileError as exc:
            got = exc.code
        assert got == expected, number


def test_pinyin_matches_the_action_layer():
    names = {row[0] for row in make_roster(600, org_codes=[1]).rows if isinstance(row[0], str)}
    names |= {"吕布", "嗯", "Tom张", "张 三", "欧阳娜娜", "单于", "曾乐乐", "", "  "}
    for name in names:
        assert roster._pinyin(name) == pinyin_of(name), name


def _snapshot():
    people = [
        {k: v for k, v in p.items() if k not in VOLATILE}
        for p in Person.objects.order_by("id").values()
    ]
    members = [
        {k: v for k, v in m.items() if k not in VOLATILE}
        for m in Membership.objects.order_by("id").values()
    ]
    return people, members


def _check_stored_rows():
    for membership in Membership.objects.select_related("org"):
        assert membership.card_no == actions.card_number_for(membership)
        assert membership.created_at and membership.state_changed_at
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone FROM {Person._meta.db_table}")  # noqa: S608
        raw = cursor.fetchall()
    for person in Person.objects.all():
        assert person.id_index == index_for("id_number", person.id_number)
        assert person.phone_index == index_for("phone", person.phone)
        assert (person.name_pinyin, person.name_initials) == pinyin_of(person.name)
        assert person.created_at and person.updated_at
    for id_cipher, phone_cipher in raw:
        assert crypto.key_id_of(id_cipher) is not None
        crypto.decrypt(id_cipher)
        crypto.decrypt(phone_cipher)


@pytest.fixture(params=[False, True], ids=["inline", "reader-thread"])
def pipelined(request, monkeypatch):
    """Run with and without the reader thread (off on SQLite by default)."""
    monkeypatch.setattr(roster, "PIPELINE_ON_SQLITE", request.param)
    return request.param


@pytest.mark.django_db(transaction=False)
def test_fast_path_stores_what_bulk_create_stores(tree, monkeypatch, pipelined):
    # a former member elsewhere joins again: a new membership for an existing person
    former = actions.register_member(
        actor=tree.jiangbei_admin,
        org=tree.jb_grassroots,
        name="张三",
        id_number="11010519491231002X",
        phone="13800138000",
        employer_name="江北公司",
    )
    actions.change_membership_state(
        actor=tree.jiangbei_admin, membership=former, transition="withdraw", reason="离职"
    )
    data = make_roster(240, org_codes=[tree.grassroots.pk, tree.township.pk])
    rows = [
        *data.rows,
        ["张三", "11010519491231002X", "13800138000", tree.grassroots.pk, "某某公司", "standard"],
    ]

    def run():
        errors, warnings = [], []
        stats = import_roster(
            [HEADER, *rows],
            actor=tree.yubei_admin,
            org=tree.yubei,
            on_error=errors.append,
            on_warning=warnings.append,
            today=TODAY,
            batch_size=100,
        )
        report = (
            [(e.row_number, [(c, str(m)) for c, m in e.errors]) for e in errors],
            [(w.row_number, [(c, str(m)) for c, m in w.warnings]) for w in warnings],
        )
        return stats, report

    with transaction.atomic():
        fast_stats, fast_report = run()
        fast = _snapshot()
        _check_stored_rows()
        assert summaries.check() == []
        transaction.set_rollback(True)

    monkeypatch.setattr(roster_writer, "_fast_insert_supported", lambda: False)
    orm_stats, orm_report = run()
    assert fast_stats == orm_stats
    assert fast_report == orm_report
    assert fast == _snapshot()
    assert fast_stats.created == 240 - len(data.broken) + 1
    _check_stored_rows()
    assert summaries.check() == []


@pytest.mark.django_db
def test_a_failing_reader_stops_the_import(tree, pipelined):
    def rows():
        yield HEADER
        yield ["张三", "11010519491231002X", "13800138000", tree.grassroots.pk, "公司", "standard"]
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        import_roster(rows(), actor=tree.yubei_admin, org=tree.yubei, today=TODAY)


def test_streamed_error_sheet_reads_back_like_openpyxls():
    rows = [
        ["姓名", "身份证号", 1, None, "", "a&b<c>", " lead", "=A1", 3.5, True, date(2023, 1, 2)],
        [7, "中文 text", None, "x\ty", 12345678901234],
        list(range(30)),
    ]

    def build(fast: bool):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("s")
        if fast:
            error_workbook._streaming(sheet)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        return [[c.value for c in r] for r in load_workbook(buffer)["s"].iter_rows()]

    assert build(True) == build(False)
