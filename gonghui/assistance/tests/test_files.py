"""One open file per household (一户一档), closed files kept read-only, sensitive fields
encrypted at rest."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import ProtectedError

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import FileState
from gonghui.assistance.models import HardshipFile, HouseholdClaim, HouseholdMember
from gonghui.assistance.testing import (
    FILE_DATA,
    advance,
    household,
    id_number,
    make_person,
    staff_application,
)
from gonghui.platform.workflow.base import ActionError

pytestmark = pytest.mark.django_db


def new_file(staff, org, person, members=None, n=1):
    return actions.save_file(
        actor=staff.officer,
        org=org,
        applicant=person,
        data=FILE_DATA,
        household=household(n) if members is None else members,
    )


def test_second_file_for_the_same_applicant_is_refused(tree, staff):
    person = make_person(tree.grassroots, 1)
    first = new_file(staff, tree.grassroots, person)
    with pytest.raises(ActionError) as exc:
        new_file(staff, tree.grassroots, person, members=[])
    assert exc.value.code == "applicant_has_open_file"
    assert exc.value.messages == ["This person already has an open hardship file."]
    assert list(HardshipFile.objects.values_list("pk", flat=True)) == [first.pk]


def test_applicant_of_another_open_file_cannot_be_a_household_member(tree, staff):
    wife = make_person(tree.grassroots, 1, name="王芳")
    husband = make_person(tree.grassroots, 2, name="李强")
    new_file(staff, tree.grassroots, wife, members=[])
    files, members, claims = (
        HardshipFile.objects.count(),
        HouseholdMember.objects.count(),
        HouseholdClaim.objects.count(),
    )
    with pytest.raises(ActionError) as exc:
        new_file(
            staff,
            tree.grassroots,
            husband,
            members=[{"name": "王芳", "relation": "spouse", "id_number": id_number(1)}],
        )
    assert exc.value.code == "household_has_open_file"
    assert exc.value.messages == [
        "Someone in this household already belongs to another open hardship file."
    ]
    assert (
        HardshipFile.objects.count(),
        HouseholdMember.objects.count(),
        HouseholdClaim.objects.count(),
    ) == (files, members, claims)


def test_household_member_of_another_open_file_cannot_be_listed_again(tree, staff):
    first = make_person(tree.grassroots, 1)
    new_file(staff, tree.grassroots, first)  # lists the spouse and the child of household(1)
    other = make_person(tree.grassroots, 2, name="陈静")
    with pytest.raises(ActionError) as exc:
        new_file(staff, tree.grassroots, other, members=[household(1)[1]])  # the same child
    assert exc.value.code == "household_has_open_file"
    assert HardshipFile.objects.count() == 1


def test_household_member_of_an_open_file_cannot_file_as_applicant(tree, staff):
    first = make_person(tree.grassroots, 1)
    spouse_id = household(1)[0]["id_number"]
    new_file(staff, tree.grassroots, first)
    from gonghui.members.models import Person

    spouse = Person.objects.create(
        name="李强", id_number=spouse_id, phone="13700000999", org=tree.grassroots, gender="M"
    )
    with pytest.raises(ActionError) as exc:
        new_file(staff, tree.grassroots, spouse, members=[])
    assert exc.value.code == "household_has_open_file"
    assert HardshipFile.objects.count() == 1


def test_applicant_listed_as_own_household_member_is_refused(tree, staff):
    person = make_person(tree.grassroots, 1)
    with pytest.raises(ActionError) as exc:
        new_file(
            staff,
            tree.grassroots,
            person,
            members=[{"name": "王芳", "relation": "other", "id_number": id_number(1)}],
        )
    assert exc.value.code == "member_is_applicant"
    assert not HardshipFile.objects.exists()


def test_after_closing_the_household_can_file_again(tree, staff):
    person = make_person(tree.grassroots, 1)
    first = new_file(staff, tree.grassroots, person)
    actions.close_file(actor=staff.officer, file=first, reason="家庭收入已稳定")
    first.refresh_from_db()
    assert first.state == FileState.CLOSED and first.close_reason == "家庭收入已稳定"
    assert not HouseholdClaim.objects.filter(file=first).exists()
    second = new_file(staff, tree.grassroots, person)
    assert second.pk != first.pk and second.state == FileState.DRAFT
    assert HouseholdClaim.objects.filter(file=second).count() == 3  # applicant, spouse, child
    # The old file is kept, with its household.
    assert HardshipFile.objects.filter(pk=first.pk, state=FileState.CLOSED).exists()
    assert first.household.count() == 2


def test_file_with_an_application_in_review_cannot_be_closed(tree, staff, funded):
    person = make_person(tree.grassroots, 1)
    app = advance(staff, staff_application(staff, tree.grassroots, person), S.SUBMITTED)
    with pytest.raises(ActionError) as exc:
        actions.close_file(actor=staff.officer, file=app.file, reason="家庭收入已稳定")
    assert exc.value.code == "file_has_open_applications"
    app.file.refresh_from_db()
    assert app.file.state == FileState.DRAFT


def test_closed_file_is_read_only(tree, staff):
    person = make_person(tree.grassroots, 1)
    file = new_file(staff, tree.grassroots, person)
    actions.close_file(actor=staff.officer, file=file, reason="家庭收入已稳定")
    with pytest.raises(ActionError) as exc:
        actions.save_file(
            actor=staff.officer,
            org=tree.grassroots,
            applicant=person,
            data={**FILE_DATA, "employer_position": "改了"},
            file=file,
        )
    assert exc.value.code == "file_closed"
    file.refresh_from_db()
    assert file.employer_position == FILE_DATA["employer_position"]
    with pytest.raises(ActionError) as exc:
        actions.close_file(actor=staff.officer, file=file, reason="再次撤档")
    assert exc.value.code == "file_closed"
    with pytest.raises(ActionError) as exc:
        actions.save_application(actor=staff.officer, file=file, items=[{"aid_type": "employment"}])
    assert exc.value.code == "file_closed"


def test_files_and_household_rows_are_never_deleted(tree, staff):
    person = make_person(tree.grassroots, 1)
    file = new_file(staff, tree.grassroots, person)
    with pytest.raises(ProtectedError):
        file.delete()
    with pytest.raises(ProtectedError):
        file.household.first().delete()
    actions.close_file(actor=staff.officer, file=file, reason="家庭收入已稳定")
    file.refresh_from_db()
    with pytest.raises(ProtectedError):
        file.delete()
    assert HardshipFile.objects.filter(pk=file.pk).exists()


def test_shortened_household_releases_the_removed_members_claims(tree, staff):
    person = make_person(tree.grassroots, 1)
    file = new_file(staff, tree.grassroots, person)
    actions.save_file(
        actor=staff.officer,
        org=tree.grassroots,
        applicant=person,
        data=FILE_DATA,
        household=household(1)[:1],
        file=file,
    )
    assert list(file.household.values_list("relation", flat=True)) == ["spouse"]
    # The child's claim is released: the child may now be listed in another file.
    assert HouseholdClaim.objects.filter(file=file).count() == 2
    other = make_person(tree.grassroots, 2, name="陈静")
    assert new_file(staff, tree.grassroots, other, members=[household(1)[1]]).pk


def test_child_named_in_an_aid_item_cannot_be_removed(tree, staff, funded):
    person = make_person(tree.grassroots, 1)
    app = staff_application(staff, tree.grassroots, person)
    with pytest.raises(ActionError) as exc:
        actions.save_file(
            actor=staff.officer,
            org=tree.grassroots,
            applicant=person,
            data=FILE_DATA,
            household=household(1)[:1],
            file=app.file,
        )
    assert exc.value.code == "member_in_use"
    assert app.file.household.count() == 2


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM "  # noqa: S608 - fixed names
            f"{connection.ops.quote_name(table)} WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def test_sensitive_fields_are_encrypted_at_rest(tree, staff):
    person = make_person(tree.grassroots, 1)
    file = new_file(staff, tree.grassroots, person)
    spouse = file.household.get(relation="spouse")
    plain = {
        ("assistance_hardshipfile", "health", file.pk): FILE_DATA["health"],
        ("assistance_hardshipfile", "bank_account", file.pk): FILE_DATA["bank_account"],
        ("assistance_householdmember", "id_number", spouse.pk): household(1)[0]["id_number"],
        ("assistance_householdmember", "name", spouse.pk): "李强",
        ("assistance_householdmember", "health", spouse.pk): "健康",
        ("assistance_householdmember", "monthly_income", spouse.pk): "800.00",
    }
    for (table, column, pk), value in plain.items():
        raw = _raw(table, column, pk)
        assert raw and value not in raw, (table, column)
    # The blind index finds the person without holding the number either.
    index = _raw("assistance_householdmember", "id_index", spouse.pk)
    assert index and household(1)[0]["id_number"] not in index
    # Read back through the model, the values are whole.
    file.refresh_from_db()
    spouse.refresh_from_db()
    assert file.health == FILE_DATA["health"]
    assert file.bank_account == FILE_DATA["bank_account"]
    assert spouse.id_number == household(1)[0]["id_number"]


def test_case_narratives_are_encrypted_at_rest(tree, staff, funded):
    from gonghui.assistance.choices import ApplicationState
    from gonghui.assistance.testing import advance, staff_application

    person = make_person(tree.grassroots, 2)
    application = advance(
        staff, staff_application(staff, tree.grassroots, person, n=2), ApplicationState.VERIFICATION
    )
    for column, value in (("situation", "丈夫失业"), ("visit_findings", "家中确有困难")):
        raw = _raw("assistance_application", column, application.pk)
        assert raw and value not in raw, column
    application.refresh_from_db()
    assert "丈夫失业" in application.situation and "家中确有困难" in application.visit_findings
