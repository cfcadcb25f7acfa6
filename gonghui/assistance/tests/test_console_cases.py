"""The staff console for hardship files and applications: work queues, the case page with
its transition buttons, files with sensitive fields, and attachment downloads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import FileState, ItemState
from gonghui.assistance.models import Application, HardshipFile
from gonghui.assistance.testing import (
    FILE_DATA,
    advance,
    child_id,
    id_number,
    make_person,
    png,
    staff_application,
)
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import grant, staff_with_role
from gonghui.platform.testing.workflow import rendered_transitions

pytestmark = pytest.mark.django_db

QUEUES = "/console/assistance/queues/"


def case(app) -> str:
    return reverse("console:assistance_application_change", args=[app.pk])


def step(app, name) -> str:
    return reverse("console:assistance_application_step", args=[app.pk, name])


def add_objection(app) -> str:
    return step(app, "objection")


def decide(objection, name) -> str:
    return f"{step(objection.application, name)}?objection={objection.pk}"


def file_page(file) -> str:
    return reverse("console:assistance_hardshipfile_change", args=[file.pk])


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for e in form.non_field_errors())


@pytest.fixture
def app(tree, staff, funded):
    return staff_application(staff, tree.grassroots, make_person(tree.grassroots))


# --- work queues -------------------------------------------------------------------------


def test_queues_show_each_user_their_own_cases(client, tree, staff, funded):
    yubei_app = staff_application(staff, tree.grassroots, make_person(tree.grassroots, 1))
    yubei_app = advance(staff, yubei_app, S.VERIFICATION)
    jb_officer = staff_with_role(tree.jb_grassroots, "assistance_officer", username="jb_officer")
    jb_person = make_person(tree.jb_grassroots, 2, name="赵六")
    jb_file = actions.save_file(
        actor=jb_officer, org=tree.jb_grassroots, applicant=jb_person, data=FILE_DATA
    )
    jb_app = actions.save_application(
        actor=jb_officer,
        file=jb_file,
        items=[{"aid_type": "living", "amount_requested": "1000"}],
        situation="失业",
    )
    jb_app = actions.submit_application(actor=jb_officer, application=jb_app)
    jb_app = actions.first_review(actor=jb_officer, application=jb_app)
    actions.record_home_visit(
        actor=jb_officer,
        application=jb_app,
        visit_date=timezone.localdate(),
        visitors="王主席",
        findings="属实",
        authorisation=png(),
    )

    client.force_login(staff.reviewer)
    html = _html(client.get(QUEUES))
    assert yubei_app.number in html and jb_app.number not in html
    assert 'id="queue-verification"' in html
    # a reviewer has no first-review or approval queue
    assert 'id="queue-first_review"' not in html and 'id="queue-approval"' not in html

    client.force_login(staff.jb_reviewer)
    html = _html(client.get(QUEUES))
    assert jb_app.number in html and yubei_app.number not in html

    client.force_login(staff.officer)
    html = _html(client.get(QUEUES))
    assert 'id="queue-first_review"' in html and 'id="queue-verification"' not in html


def test_publicity_queue_shows_end_date_and_objections(client, tree, staff, app):
    app = advance(staff, app, S.PUBLICITY)
    actions.record_objection(actor=staff.reviewer, application=app, content="收入不实")
    client.force_login(staff.reviewer)
    response = client.get(QUEUES)
    html = _html(response)
    section = next(s for s in response.context["sections"] if s["name"] == "publicity")
    assert section["count"] == 1
    row = section["rows"][0]
    assert row["publicity_end"] == app.publicity_end and row["objections"] == 1
    assert row["open_objections"] == 1
    assert app.publicity_end.strftime("%Y-%m-%d") in html


def test_unpaid_queue_for_finance(client, tree, staff, app):
    app = advance(staff, app, S.APPROVED)
    client.force_login(staff.finance)
    response = client.get(QUEUES)
    _html(response)
    names = [s["name"] for s in response.context["sections"]]
    assert names == ["unpaid"]
    assert response.context["sections"][0]["count"] == 3  # living, medical, education


# --- the case page -----------------------------------------------------------------------


def test_case_page_is_404_outside_scope(client, tree, staff, app):
    client.force_login(staff.jb_reviewer)
    assert client.get(case(app)).status_code == 404
    assert client.get(step(app, "return")).status_code == 404
    client.force_login(staff.officer)
    html = _html(client.get(case(app)))
    assert app.number in html and 'data-transition="submit"' in html


def test_drive_a_case_from_draft_to_approved_through_the_console(client, tree, staff, app):
    client.force_login(staff.officer)
    response = client.post(step(app, "submit"))
    assert response.status_code == 302 and response["Location"] == case(app)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED

    html = _html(client.get(case(app)))
    assert 'data-transition="first_review"' in html and 'data-transition="approve"' not in html
    client.post(step(app, "first_review"), {"opinion": "情况属实"})
    app.refresh_from_db()
    assert app.state == S.HOME_VISIT

    response = client.post(
        step(app, "home_visit"),
        {
            "visit_date": timezone.localdate().isoformat(),
            "visitors": "张主席、刘干事",
            "findings": "家中确有困难",
            "authorisation": png(),
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == S.VERIFICATION
    # the officer cannot verify: no button, and the page is refused
    assert 'data-transition="verify"' not in _html(client.get(case(app)))
    assert client.get(step(app, "verify")).status_code == 403

    client.force_login(staff.reviewer)
    response = client.post(
        step(app, "verify"),
        {
            "civil_affairs_result": "eligible",
            "checked_on": timezone.localdate().isoformat(),
            "tier": "relative",
            "level": "city",
            "opinion": "核实无误",
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == S.PUBLICITY

    # publicity still runs: 公示期满 is shown disabled with the date, and refused if posted
    until = f"Publicity runs until {app.publicity_end.isoformat()}."
    html = _html(client.get(case(app)))
    assert rendered_transitions(html)["end_publicity"] is False and until in html
    response = client.post(step(app, "end_publicity"))
    assert response.status_code == 200
    assert until in _errors(response)
    Application.objects.filter(pk=app.pk).update(
        publicity_end=timezone.localdate() - timedelta(days=1)
    )
    client.post(add_objection(app), {"content": "收入不实", "raised_by": "邻居"})
    html = _html(client.get(case(app)))
    assert rendered_transitions(html)["end_publicity"] is False
    assert "An objection is still undecided." in html
    response = client.post(step(app, "end_publicity"))
    assert "An objection is still undecided." in _errors(response)
    objection = app.objections.get()
    assert f'data-objection="{objection.pk}" data-objection-transition="dismiss"' in html
    client.post(decide(objection, "dismiss"), {"note": "经核实不成立"})
    objection.refresh_from_db()
    assert objection.decision == "dismissed"
    response = client.post(step(app, "end_publicity"))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == S.APPROVAL

    client.force_login(staff.approver)
    response = client.get(case(app))
    html = _html(response)
    assert rendered_transitions(html) == {"approve": True, "return": True, "reject": True}
    assert "budget-remaining" in html
    items = {i.aid_type: i for i in app.items.all()}
    response = client.get(step(app, "approve"))
    form = response.context["form"]
    assert form.fields[f"amount_{items['living'].pk}"].initial == "3000.00"
    assert "100000.00 yuan left" in str(form.fields[f"amount_{items['living'].pk}"].help_text)
    assert "verified 3000.00 yuan" in str(form.fields[f"amount_{items['living'].pk}"].help_text)
    data = {f"amount_{i.pk}": str(i.amount_requested) for i in items.values() if i.amount_requested}
    data[f"amount_{items['medical'].pk}"] = "3500"
    response = client.post(step(app, "approve"), {**data, "opinion": "同意"})
    assert response.status_code == 302, _errors(response)
    app.refresh_from_db()
    assert app.state == S.APPROVED
    items["medical"].refresh_from_db()
    assert items["medical"].amount_approved == Decimal("3500.00")
    assert items["medical"].state == ItemState.APPROVED
    html = _html(client.get(case(app)))
    for label in ("Submitted", "First review", "Home visit", "Verification", "Approved"):
        assert label in html


def test_bad_amount_is_refused_with_the_action_message(client, tree, staff, app):
    app = advance(staff, app, S.APPROVAL)
    client.force_login(staff.approver)
    data = {f"amount_{i.pk}": "-5" for i in app.items.all() if i.amount_requested}
    response = client.post(step(app, "approve"), data)
    assert response.status_code == 200
    assert "Amounts must be greater than zero." in _errors(response)
    app.refresh_from_db()
    assert app.state == S.APPROVAL


@pytest.mark.parametrize("name", ["return", "reject"])
def test_return_and_reject_need_a_reason(client, tree, staff, app, name):
    app = advance(staff, app, S.SUBMITTED)
    client.force_login(staff.officer)
    response = client.post(step(app, name), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["This field is required."]
    response = client.post(step(app, name), {"reason": "x"})
    assert "A reason is required." in _errors(response)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED
    response = client.post(step(app, name), {"reason": "材料不全，请补充"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == (S.RETURNED if name == "return" else S.REJECTED)
    assert app.decision_reason == "材料不全，请补充"


def test_approver_who_submitted_is_refused_with_a_clear_message(client, tree, staff, funded):
    both = staff_with_role(tree.yubei, "assistance_officer", username="both")
    grant(both, tree.yubei, "assistance_approver")
    person = make_person(tree.grassroots, 3)
    file = actions.save_file(actor=both, org=tree.grassroots, applicant=person, data=FILE_DATA)
    app = actions.save_application(
        actor=both,
        file=file,
        items=[{"aid_type": "living", "amount_requested": "1000"}],
        situation="失业",
    )
    app = actions.submit_application(actor=both, application=app)
    app = advance(staff, app, S.APPROVAL)
    client.force_login(both)
    html = _html(client.get(case(app)))
    assert rendered_transitions(html)["approve"] is False
    assert "another person must approve it" in html  # the reason, beside the disabled button
    item = app.items.get()
    response = client.post(step(app, "approve"), {f"amount_{item.pk}": "1000"})
    assert response.status_code == 200
    assert "another person must approve it" in _errors(response)
    app.refresh_from_db()
    assert app.state == S.APPROVAL


def test_withdraw_a_draft(client, tree, staff, app):
    client.force_login(staff.officer)
    response = client.post(step(app, "withdraw"), {"reason": "不再申请"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == S.WITHDRAWN


# --- sensitive fields --------------------------------------------------------------------


def test_sensitive_fields_hidden_without_the_permission(client, tree, staff, app):
    viewer = staff_with_role(tree.yubei, "viewer", username="viewer")
    file = app.file
    client.force_login(viewer)
    for url in (case(app), file_page(file)):
        html = _html(client.get(url))
        assert "hidden (sensitive)" in html
        assert FILE_DATA["health"] not in html
        assert "李强" not in html  # a household member
        assert FILE_DATA["bank_account"] not in html
        assert "622202*********3445" in html
    html = _html(client.get(case(app)))
    assert "丈夫失业" not in html  # the situation described

    client.force_login(staff.officer)
    for url in (case(app), file_page(file)):
        html = _html(client.get(url))
        assert FILE_DATA["health"] in html and "李强" in html
        assert FILE_DATA["bank_account"] not in html  # masked, revealed only on request
    assert "丈夫失业" in _html(client.get(case(app)))


# --- files -------------------------------------------------------------------------------


def test_closed_file_listed_for_reviewer_not_officer(client, tree, staff, funded):
    person = make_person(tree.grassroots, 4)
    file = actions.save_file(
        actor=staff.officer, org=tree.grassroots, applicant=person, data=FILE_DATA
    )
    client.force_login(staff.officer)
    html = _html(client.get(file_page(file)))
    assert rendered_transitions(html) == {"close": True}
    response = client.post(
        reverse("console:assistance_hardshipfile_close", args=[file.pk]), {"reason": ""}
    )
    assert response.context["form"].errors["reason"] == ["This field is required."]
    response = client.post(
        reverse("console:assistance_hardshipfile_close", args=[file.pk]), {"reason": "已脱困"}
    )
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.state == FileState.CLOSED

    changelist = reverse("console:assistance_hardshipfile_changelist")
    assert file.number not in _html(client.get(changelist))
    assert client.get(file_page(file)).status_code == 404

    client.force_login(staff.reviewer)
    assert file.number in _html(client.get(changelist))
    html = _html(client.get(file_page(file)))
    assert "Closed files are read-only." in html and 'id="file-buttons"' not in html


def test_new_file_and_application_through_the_console(client, tree, staff, funded):
    person = make_person(tree.grassroots, 5, name="孙七")
    client.force_login(staff.officer)
    add = reverse("console:assistance_hardshipfile_add")
    response = client.get(add, {"q": id_number(5)})
    html = _html(response)
    assert f"?person={person.pk}" in html
    data = {
        "org": tree.grassroots.pk,
        "main_cause": "illness",
        "secondary_causes": ["education"],
        "household_size": "3",
        "household_monthly_income": "2600",
        "health": "慢性病",
        "bank_name": "工商银行",
        "bank_account": "6222020200112233445",
        "household-TOTAL_FORMS": "4",
        "household-INITIAL_FORMS": "0",
        "household-MIN_NUM_FORMS": "0",
        "household-MAX_NUM_FORMS": "20",
        "household-0-name": "孙小明",
        "household-0-relation": "child",
        "household-0-id_number": child_id(705),
    }
    response = client.post(f"{add}?person={person.pk}", data)
    assert response.status_code == 302, response.context["form"].errors
    file = HardshipFile.objects.get(applicant=person)
    assert file.household.get().relation == "child"

    new_app = reverse("console:assistance_application_add")
    html = _html(client.get(new_app))
    assert f"?file={file.pk}" in html
    child = file.household.get()
    response = client.post(
        f"{new_app}?file={file.pk}",
        {
            "situation": "孩子上学",
            "living": "1200",
            "education": "800",
            "child": str(child.pk),
            "school": "实验小学",
            "employment": "on",
        },
    )
    assert response.status_code == 302
    app = Application.objects.get(file=file)
    assert app.state == S.DRAFT
    assert sorted(app.items.values_list("aid_type", flat=True)) == [
        "education",
        "employment",
        "living",
    ]
    # a second application while one is open is refused with the action's message
    response = client.post(f"{new_app}?file={file.pk}", {"situation": "x", "living": "100"})
    assert "already has an application in progress" in _errors(response)


def test_new_application_for_a_file_outside_scope_is_404(client, tree, staff, app):
    client.force_login(staff.jb_reviewer)
    new_app = reverse("console:assistance_application_add")
    assert client.get(f"{new_app}?file={app.file.pk}").status_code in (403, 404)
    jb_officer = staff_with_role(tree.jb_grassroots, "assistance_officer", username="jb_o2")
    client.force_login(jb_officer)
    assert client.get(f"{new_app}?file={app.file.pk}").status_code == 404


# --- attachments -------------------------------------------------------------------------


def test_attachment_download_in_scope_only(client, tree, staff, app):
    att = actions.upload_attachment(
        actor=staff.officer, file=app.file, kind="medical_certificate", upload=png("诊断.png")
    )
    url = reverse("console-assistance-attachment", args=[att.public_id])
    client.force_login(staff.officer)
    html = _html(client.get(file_page(app.file)))
    assert url in html
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    event = AuditEvent.objects.filter(action="assistance.download_attachment").get()
    assert event.object_id == str(att.pk)

    client.force_login(staff.jb_reviewer)
    assert client.get(url).status_code == 404
    viewer = staff_with_role(tree.yubei, "viewer", username="viewer2")
    client.force_login(viewer)
    assert client.get(url).status_code == 404


def test_upload_through_the_console(client, tree, staff, app):
    client.force_login(staff.officer)
    url = reverse("console:assistance_hardshipfile_upload", args=[app.file.pk])
    response = client.post(url, {"kind": "id_copy", "upload": png("id.png")})
    assert response.status_code == 302
    assert app.file.attachments.filter(kind="id_copy").count() == 1
    response = client.post(
        url, {"kind": "id_copy", "upload": SimpleUploadedFile("x.txt", b"hello", "text/plain")}
    )
    assert "Upload a PDF, JPEG or PNG file." in _errors(response)


# --- lists and navigation ----------------------------------------------------------------


def test_application_list_masks_names_and_filters(client, tree, staff, app):
    client.force_login(staff.officer)
    changelist = reverse("console:assistance_application_changelist")
    html = _html(client.get(changelist))
    assert app.number in html and "王*" in html and "王芳" not in html
    assert app.number in _html(client.get(changelist, {"q": app.file.number}))
    assert app.number not in _html(client.get(changelist, {"aid": "warmth"}))
    assert app.number in _html(client.get(changelist, {"aid": "living"}))
    client.force_login(staff.jb_reviewer)
    assert app.number not in _html(client.get(changelist))


def test_navigation_lists_the_assistance_pages(client, tree, staff):
    from django.test import RequestFactory

    from gonghui.console.navigation import sidebar

    request = RequestFactory().get("/console/")
    request.user = staff.officer
    groups = {g["title"]: [i["link"] for i in g["items"]] for g in sidebar(request)}
    links = groups["Hardship assistance 一件事"]
    assert QUEUES in links
    assert reverse("console:assistance_application_changelist") in links
    assert reverse("console:assistance_hardshipfile_changelist") in links


def test_every_step_page_renders_for_the_user_of_that_step(client, tree, staff, app):
    client.force_login(staff.officer)
    for name in ("submit", "withdraw"):
        assert client.get(step(app, name)).status_code == 200, name
    app = advance(staff, app, S.SUBMITTED)
    for name in ("first_review", "return", "reject"):
        assert client.get(step(app, name)).status_code == 200, name
    app = advance(staff, app, S.HOME_VISIT)
    assert 'enctype="multipart/form-data"' in _html(client.get(step(app, "home_visit")))
    app = advance(staff, app, S.VERIFICATION)
    client.force_login(staff.reviewer)
    assert client.get(step(app, "verify")).status_code == 200
    app = advance(staff, app, S.PUBLICITY)
    actions.record_objection(actor=staff.reviewer, application=app, content="收入不实")
    assert client.get(add_objection(app)).status_code == 200
    objection = app.objections.get()
    for name in ("uphold", "dismiss"):
        assert client.get(decide(objection, name)).status_code == 200, name
    assert client.get(step(app, "end_publicity")).status_code == 200
    # a step of another state is not offered
    response = client.get(step(app, "first_review"))
    assert response.status_code in (302, 403)
    assert client.get(step(app, "nonsense")).status_code == 404
    assert client.get(step(app, "uphold")).status_code == 404  # which objection?


def test_viewer_sees_no_queues_and_no_buttons(client, tree, staff, app):
    viewer = staff_with_role(tree.yubei, "viewer", username="viewer3")
    client.force_login(viewer)
    html = _html(client.get(QUEUES))
    assert "You have no work queues." in html
    html = _html(client.get(case(app)))
    assert 'id="transition-buttons"' not in html
    assert client.post(step(app, "submit")).status_code == 403
    app.refresh_from_db()
    assert app.state == S.DRAFT


def test_file_list_search_by_number_and_id(client, tree, staff, app):
    client.force_login(staff.officer)
    changelist = reverse("console:assistance_hardshipfile_changelist")
    assert app.file.number in _html(client.get(changelist, {"q": app.file.number}))
    assert app.file.number in _html(client.get(changelist, {"q": id_number(1)}))
    assert app.file.number not in _html(client.get(changelist, {"q": id_number(9)}))
