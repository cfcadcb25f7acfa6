"""Roster import: normalising messy values, validation, batch upsert, re-import, scope."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from gonghui.members import actions
from gonghui.members.choices import MembershipSource, MembershipState
from gonghui.members.models import Membership, Person
from gonghui.members.roster import (
    COLUMNS,
    HELP_SHEET_NAME,
    SHEET_NAME,
    CellError,
    RosterError,
    build_template,
    choice_lookup,
    clean_bool,
    clean_choice,
    clean_date,
    clean_id_number,
    clean_phone,
    import_roster,
)
from gonghui.orgs.choices import OrgKind
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.pii.fields import index_for
from gonghui.platform.testing.factories import make_org
from gonghui.platform.validators import id_check_char

ID = "11010519491231002X"
TODAY = date(2026, 11, 26)
HEADER = [c.title for c in COLUMNS]


def row(name="张三", id_number=ID, phone="13800138000", org="", employer="某某公司", **kw):
    values = {
        "form": "standard",
        "migrant": "",
        "joined": "",
        "ethnicity": "",
        "education": "",
        "household": "",
        "skill": "",
        "model": "",
        "region": "",
        "card": "",
    }
    values.update(kw)
    return [name, id_number, phone, org, employer, *values.values()]


def run(tree, rows, actor=None, org=None, **kw):
    errors, warnings = [], []
    stats = import_roster(
        [HEADER, *rows],
        actor=actor or tree.yubei_admin,
        org=org or tree.yubei,
        on_error=errors.append,
        on_warning=warnings.append,
        today=TODAY,
        **kw,
    )
    return stats, errors, warnings


def messages(result):
    return [f"{col}: {msg}" for col, msg in result.errors]


# --- normalising one value at a time ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected", "warned"),
    [
        (ID, ID, False),
        ("'" + ID, ID, True),  # leading apostrophe (Excel's "text" marker)
        ("１１０１０５１９４９１２３１００２Ｘ", ID, True),  # full-width
        (" 110105 19491231 002X ", ID, True),  # spaces
        ("11010519491231002x", ID, True),  # lower-case x
        ("110105491231002", ID, True),  # legacy 15 digits → 18
        (110105491231002, ID, True),  # 15 digits stored as a number
        (110105491231002.0, ID, True),
    ],
)
def test_id_numbers_are_read_like_a_patient_clerk(typed, expected, warned):
    info, warnings = clean_id_number(typed)
    assert info.number == expected
    assert bool(warnings) == warned


@pytest.mark.parametrize(
    "typed", [5.00101e17, 110105194912310000.0, 110105194912310023, "5.00101E+17", "1.1E+17"]
)
def test_ids_that_excel_turned_into_numbers_cannot_be_recovered(typed):
    with pytest.raises(CellError) as err:
        clean_id_number(typed)
    assert "cannot be recovered" in str(err.value.message)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("110105194912310021", "check character"),
        ("110105199902310021", "birth date"),
        ("12345", "18 characters"),
        ("", "required"),
    ],
)
def test_bad_ids_say_why(typed, reason):
    with pytest.raises(CellError) as err:
        clean_id_number(typed)
    assert reason in str(err.value.message)


@pytest.mark.parametrize(
    ("typed", "warned"),
    [
        ("13800138000", False),
        (13800138000.0, False),
        ("+86 138-0013-8000", True),
        ("138 0013 8000", True),
        ("008613800138000", True),
        ("'13800138000", True),
    ],
)
def test_phones(typed, warned):
    number, warnings = clean_phone(typed)
    assert number == "13800138000"
    assert bool(warnings) == warned


def test_bad_phone():
    with pytest.raises(CellError):
        clean_phone("12345")


@pytest.mark.parametrize(
    ("typed", "warned"),
    [
        ("2023-05-01", False),
        ("2023-5-1", True),
        ("2023/05/01", True),
        ("2023.5.1", True),
        ("2023年5月1日", True),
        ("20230501", True),
        (45047, True),  # Excel serial number
        (45047.0, True),
        (date(2023, 5, 1), False),
        (datetime(2023, 5, 1, 0, 0), False),
        ("2023-05-01 00:00:00", False),
    ],
)
def test_dates(typed, warned):
    value, warnings = clean_date(typed, today=TODAY)
    assert value == date(2023, 5, 1)
    assert bool(warnings) == warned


@pytest.mark.parametrize(("typed", "message"), [("2099-01-01", "future"), ("2023-13-45", "2023")])
def test_bad_dates(typed, message):
    with pytest.raises(CellError) as err:
        clean_date(typed, today=TODAY)
    assert message in str(err.value.message)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("外卖骑手", "food_delivery"),
        ("food_delivery", "food_delivery"),
        ("Food delivery rider", "food_delivery"),
        (" 快递员 ", "courier"),
        ("网约车司机", "ride_hailing"),
        ("标准劳动关系职工", "standard"),
    ],
)
def test_employment_form_by_label_or_code(typed, code):
    assert clean_choice("employment_form", typed, choice_lookup("employment_form"))[0] == code


def test_unknown_choice_lists_codes():
    with pytest.raises(CellError) as err:
        clean_choice("employment_form", "宇航员", choice_lookup("employment_form"))
    assert "food_delivery" in str(err.value.message)


@pytest.mark.parametrize(("typed", "value"), [("是", True), ("否", False), (1.0, True), ("", None)])
def test_yes_no(typed, value):
    assert clean_bool(typed) is value


# --- the template --------------------------------------------------------------------------


def test_template_has_the_roster_sheet_and_the_instructions():
    workbook = load_workbook(io.BytesIO(build_template()))
    assert workbook.sheetnames == [SHEET_NAME, HELP_SHEET_NAME]
    headers = [c.value for c in workbook[SHEET_NAME][1]]
    assert headers[:6] == [
        "姓名*",
        "身份证号*",
        "手机号*",
        "所属工会编码*",
        "用人单位或平台*",
        "就业形态*",
    ]
    assert "会员卡号(留空)" in headers
    help_text = " ".join(
        str(c.value) for r in workbook[HELP_SHEET_NAME].iter_rows() for c in r if c.value
    )
    for code in ("food_delivery", "bachelor", "agricultural", "外卖骑手"):
        assert code in help_text
    assert workbook[SHEET_NAME]["B2"].number_format == "@"  # ID column is text


# --- importing -----------------------------------------------------------------------------


pytestmark = pytest.mark.django_db


def test_import_creates_people_memberships_cards_and_audits(tree):
    other = "500112199001011234"
    other = other[:17] + id_check_char(other[:17])
    stats, errors, warnings = run(
        tree,
        [
            row(org=tree.grassroots.pk, form="外卖骑手", migrant="是", joined="2023年5月1日"),
            row(name="李四", id_number=other, phone="+86 139-0000-0000", org=tree.grassroots.pk),
        ],
    )
    assert (stats.created, stats.updated, stats.unchanged, stats.errors) == (2, 0, 0, 0)
    assert len(warnings) == 2
    person = Person.objects.get(id_index=index_for("id_number", ID))
    assert person.name_pinyin == "zhangsan" and person.gender == "F"
    assert person.phone_index == index_for("phone", "13800138000")
    membership = person.memberships.get()
    assert membership.state == MembershipState.ACTIVE
    assert membership.source == MembershipSource.IMPORT
    assert membership.employment_form == "food_delivery" and membership.is_migrant
    assert membership.joined_on == date(2023, 5, 1)
    region = tree.grassroots.region_code or "500000"
    assert membership.card_no == f"2023{region}{membership.pk:08d}"
    assert AuditEvent.objects.filter(action="members.import_roster").count() == 1


def test_org_code_may_be_the_credit_code(tree):
    tree.grassroots.uscc = "91500000MA5U000000"
    tree.grassroots.save()
    stats, errors, _ = run(tree, [row(org=tree.grassroots.uscc)])
    assert stats.created == 1, [messages(e) for e in errors]


def test_400_rows_with_20_broken_import_exactly_the_valid_ones_and_reimport_changes_nothing(
    tree,
):
    from gonghui.platform.imports.tests.rosterdata import BROKEN_KINDS, make_roster

    roster = make_roster(400, org_codes=[tree.grassroots.pk, tree.township.pk])
    assert len(roster.broken) == 20  # every 20th row, 10 kinds twice
    stats, errors, warnings = run(tree, roster.rows, batch_size=100)
    assert stats.created == 400 - len(roster.broken)
    assert stats.errors == len(roster.broken)
    assert Membership.objects.count() == stats.created
    assert Person.objects.count() == stats.created
    by_row = {e.row_number: " ".join(messages(e)) for e in errors}
    assert set(by_row) == set(roster.broken)
    for row_number, kind in roster.broken.items():
        assert BROKEN_KINDS[kind] in by_row[row_number], (kind, by_row[row_number])
    assert warnings  # the messy-but-valid variants
    assert AuditEvent.objects.filter(action="members.import_roster").count() == 4

    again, errors2, _ = run(tree, roster.rows, batch_size=100)
    assert (again.created, again.updated) == (0, 0)
    assert again.unchanged == stats.created
    assert again.errors == len(roster.broken)
    assert Membership.objects.count() == stats.created


def test_same_union_updates_the_member(tree):
    run(tree, [row(org=tree.grassroots.pk)])
    stats, errors, _ = run(
        tree, [row(org=tree.grassroots.pk, phone="13900139000", employer="新公司", form="快递员")]
    )
    assert (stats.created, stats.updated, stats.unchanged) == (0, 1, 0)
    person = Person.objects.get()
    assert person.phone == "13900139000"
    assert person.phone_index == index_for("phone", "13900139000")  # bulk_update kept in step
    membership = person.memberships.get()
    assert (membership.employer_name, membership.employment_form) == ("新公司", "courier")


def test_member_of_another_union_is_an_error_naming_it_only_to_who_sees_it(tree):
    actions.register_member(
        actor=tree.jiangbei_admin,
        org=tree.jb_grassroots,
        name="张三",
        id_number=ID,
        phone="13800138000",
        employer_name="江北公司",
    )
    stats, errors, _ = run(tree, [row(org=tree.grassroots.pk)])
    assert stats.errors == 1 and stats.created == 0
    text = " ".join(messages(errors[0]))
    assert "member of another union" in text and "江北" not in text
    # The city federation sees both unions and is told which.
    stats, errors, _ = run(tree, [row(org=tree.grassroots.pk)], actor=tree.city_admin)
    assert "江北测试公司工会" in " ".join(messages(errors[0]))


def test_former_member_elsewhere_joins_again(tree):
    membership = actions.register_member(
        actor=tree.jiangbei_admin,
        org=tree.jb_grassroots,
        name="张三",
        id_number=ID,
        phone="13800138000",
        employer_name="江北公司",
    )
    actions.change_membership_state(
        actor=tree.jiangbei_admin, membership=membership, transition="withdraw", reason="离职"
    )
    stats, errors, _ = run(tree, [row(org=tree.grassroots.pk)])
    assert stats.created == 1 and Person.objects.count() == 1
    assert Person.objects.get().org == tree.grassroots


def test_rows_outside_the_importers_scope_are_errors(tree):
    stats, errors, _ = run(
        tree,
        [
            row(org=tree.jb_grassroots.pk),  # another district
            row(name="李四", id_number="110105194912310021"[:17] + "1", org=tree.yubei.pk),
        ],
    )
    assert stats.created == 0
    assert "You cannot import into this union." in " ".join(messages(errors[0]))


def test_district_federation_cannot_hold_members(tree):
    stats, errors, _ = run(tree, [row(org=tree.yubei.pk)])
    assert stats.created == 0
    assert "cannot hold members" in " ".join(messages(errors[0]))


def test_grassroots_admin_cannot_reach_the_district(tree):
    from gonghui.platform.testing.factories import staff_with_role

    officer = staff_with_role(tree.grassroots, "membership_officer")
    sibling = make_org(tree.township, OrgKind.GRASSROOTS, name="回兴另一公司工会")
    stats, errors, _ = run(tree, [row(org=sibling.pk)], actor=officer, org=tree.grassroots)
    assert stats.created == 0 and "cannot import" in " ".join(messages(errors[0]))


def test_duplicate_id_in_file_second_row_is_the_error(tree):
    stats, errors, _ = run(tree, [row(org=tree.grassroots.pk), row(org=tree.grassroots.pk)])
    assert stats.created == 1
    assert errors[0].row_number == 3 and "row 2" in " ".join(messages(errors[0]))


def test_missing_required_columns_fail_the_file(tree):
    with pytest.raises(RosterError) as err:
        import_roster([["姓名", "身份证号"], ["张三", ID]], actor=tree.yubei_admin, org=tree.yubei)
    assert "手机号*" in str(err.value.message)
    with pytest.raises(RosterError):
        import_roster([["a", "b"]], actor=tree.yubei_admin, org=tree.yubei)


def test_header_found_below_a_title_row_and_row_numbers_follow(tree):
    stats, errors, _ = run(tree, [row(org=tree.grassroots.pk, phone="1")], first_row=1)
    assert errors[0].row_number == 2
    rows = [["渝北区会员花名册"], HEADER, row(org=tree.grassroots.pk, phone="1")]
    errors = []
    import_roster(rows, actor=tree.yubei_admin, org=tree.yubei, on_error=errors.append)
    assert errors[0].row_number == 3


def test_card_number_column_is_ignored_with_a_warning(tree):
    stats, errors, warnings = run(tree, [row(org=tree.grassroots.pk, card="123")])
    assert stats.created == 1
    assert "issued by the system" in str(warnings[0].warnings[0][1])
    assert Membership.objects.get().card_no != "123"
