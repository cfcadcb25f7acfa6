"""Hardship help in the worker portal (/m/assistance/): apply, upload, follow, resubmit."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import Application, Attachment, HardshipFile, HouseholdMember
from gonghui.assistance.testing import (
    PNG,
    Staff,
    StepFactory,
    advance,
    budgets,
    child_id,
    id_number,
    make_person,
    png,
    staff_application,
)
from gonghui.members.models import Membership
from gonghui.platform.testing.factories import MemberFactory
from gonghui.platform.testing.workflow import declared, rendered_transitions

pytestmark = pytest.mark.django_db

HOME = "/m/assistance/"
APPLY = "/m/assistance/apply/"
ACCOUNT = "6222020200112233445"


def detail(app):
    return f"/m/assistance/{app.pk}/"


@pytest.fixture
def staff(tree):
    return Staff(tree)


@pytest.fixture
def member(tree, client):
    """A current member of the grassroots union with a portal account, logged in."""
    person = make_person(tree.grassroots, account=True)
    client.force_login(person.user)
    return person


def management(total=4, initial=0):
    return {
        "household-TOTAL_FORMS": str(total),
        "household-INITIAL_FORMS": str(initial),
        "household-MIN_NUM_FORMS": "0",
        "household-MAX_NUM_FORMS": "30",
    }


def partial_form(**extra):
    """A draft with one aid item and nothing else."""
    return {**management(), "aid_living": "on", "amount_living": "3000", **extra}


def complete_form(**extra):
    """Everything submit needs, a spouse and a child, and school aid for the child (row 2)."""
    data = {
        **management(),
        "aid_living": "on",
        "amount_living": "3000",
        "aid_employment": "on",
        "school_0_row": "1",
        "school_0_school": "渝北区实验小学",
        "school_0_amount": "2000",
        "situation": "丈夫失业，本人患病，孩子上小学。",
        "main_cause": "illness",
        "secondary_causes": ["education"],
        "household_monthly_income": "2600",
        "housing": "rented",
        "health": "本人患慢性肾病",
        "bank_name": "中国工商银行重庆渝北支行",
        "bank_account": ACCOUNT,
        "household-0-name": "李强",
        "household-0-relation": "spouse",
        "household-0-id_number": id_number(501, birth="19830305"),
        "household-0-monthly_income": "800",
        "household-1-name": "李小明",
        "household-1-relation": "child",
        "household-1-id_number": child_id(701),
        "household-1-school_or_employer": "渝北区实验小学",
    }
    data.update(extra)
    return data


def html_of(response) -> str:
    return response.content.decode()


# --- apply, upload, submit ----------------------------------------------------------------


def test_member_starts_saves_a_draft_uploads_and_submits(client, member, tree):
    home = client.get(HOME)
    assert home.status_code == 200
    assert 'id="aid-start"' in html_of(home)

    form = client.get(APPLY)
    assert form.status_code == 200
    page = html_of(form)
    # Works without JavaScript: four empty household rows, and the health notice.
    assert 'name="household-3-name"' in page
    assert "stored encrypted" in page and 'id="health-why"' in page

    saved = client.post(APPLY, partial_form(save="1"))
    assert saved.status_code == 302 and saved["Location"] == APPLY
    app = Application.objects.get(applicant=member)
    assert app.state == S.DRAFT and app.channel == "portal"
    assert app.items.get().amount_requested == Decimal("3000.00")

    # Submitting the incomplete draft: saved, refused, and the missing items are listed.
    refused = client.post(APPLY, partial_form(submit="1"), follow=True)
    page = html_of(refused)
    assert "cannot be submitted yet" in page
    assert "Give the household&#x27;s monthly income." in page
    assert "Describe the household&#x27;s situation." in page
    app.refresh_from_db()
    assert app.state == S.DRAFT

    uploaded = client.post(
        f"/m/assistance/{app.pk}/upload/",
        {"kind": "id_copy", "upload": png("id-card.png"), "back": "apply"},
    )
    assert uploaded.status_code == 302
    att = Attachment.objects.get(application=app)
    assert att.kind == "id_copy" and att.uploaded_by == member.user
    page = html_of(client.get(APPLY))
    assert "id-card.png" in page and "ID card copy" in page
    assert att.content.url not in page  # no public link, only the checked download view

    download = client.get(f"/m/assistance/document/{att.public_id}/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store"
    assert b"".join(download.streaming_content) == PNG

    submitted = client.post(APPLY, complete_form(submit="1"))
    assert submitted.status_code == 302 and submitted["Location"] == detail(app)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED
    items = {i.aid_type: i for i in app.items.all()}
    assert set(items) == {"living", "employment", "education"}
    assert items["education"].beneficiary.name == "李小明"
    assert items["education"].amount_requested == Decimal("2000.00")
    assert items["employment"].amount_requested is None
    assert app.file.bank_account == ACCOUNT
    assert [m.name for m in app.file.household.all()] == ["李强", "李小明"]

    page = html_of(client.get(detail(app)))
    assert "Application started" in page and "Submitted to the union" in page
    assert tree.grassroots.name in page
    assert "first review" in page  # the next step, in plain words
    assert ACCOUNT not in page


def test_draft_is_shown_back_with_the_account_masked(client, member):
    client.post(APPLY, complete_form(save="1"))
    page = html_of(client.get(APPLY))
    assert "丈夫失业" in page and "本人患慢性肾病" in page
    # Household ID numbers are shown masked, never put back into a field (issue #11).
    assert 'value="李小明"' in page and child_id(701) not in page
    assert 'placeholder="500112********701X"' in page
    assert ACCOUNT not in page
    assert "622202*********3445" in page
    # The saved child is preselected for school aid.
    assert '<option value="1" selected>' in page
    # Saving again with empty account and ID fields keeps the account and the ID numbers.
    keys = [m.pk for m in HardshipFile.objects.get(applicant=member).household.order_by("pk")]
    client.post(
        APPLY,
        complete_form(
            save="1",
            bank_account="",
            **{"household-0-key": str(keys[0]), "household-0-id_number": ""},
            **{"household-1-key": str(keys[1]), "household-1-id_number": ""},
        ),
    )
    file = HardshipFile.objects.get(applicant=member)
    assert file.bank_account == ACCOUNT
    assert [m.id_number for m in file.household.order_by("pk")] == [
        id_number(501, birth="19830305"),
        child_id(701),
    ]


def test_upload_of_a_wrong_type_shows_the_action_message(client, member):
    client.post(APPLY, partial_form(save="1"))
    app = Application.objects.get(applicant=member)
    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00not an image", content_type="image/png")
    response = client.post(f"/m/assistance/{app.pk}/upload/", {"kind": "other", "upload": fake})
    page = html_of(client.get(response["Location"]))
    assert "Upload a PDF, JPEG or PNG file." in page
    assert not Attachment.objects.exists()


def test_home_page_card_shows_the_current_application(client, member):
    page = html_of(client.get("/m/"))
    assert 'id="my-hardship-help"' in page and 'id="aid-home-link"' in page
    client.post(APPLY, partial_form(save="1"))
    page = html_of(client.get("/m/"))
    assert 'id="aid-home-state"' in page and "Draft" in page


# --- who may apply, who may see -----------------------------------------------------------


def test_member_without_current_membership_is_told_to_ask_their_union(client, tree):
    person = make_person(tree.grassroots, account=True)
    Membership.objects.filter(person=person).update(state="lapsed")
    client.force_login(person.user)
    assert "Ask your union to apply for you." in html_of(client.get(HOME))
    page = html_of(client.get(APPLY))
    assert "Ask your union to apply for you." in page and 'id="aid-form"' not in page
    client.post(APPLY, complete_form(submit="1"))
    assert not Application.objects.exists() and not HardshipFile.objects.exists()


def test_account_without_a_person_is_told_to_ask_their_union(client):
    client.force_login(MemberFactory())
    assert "Ask your union to apply for you." in html_of(client.get(APPLY))


def test_another_member_gets_404_for_my_application_and_documents(client, tree, member):
    client.post(APPLY, partial_form(save="1"))
    app = Application.objects.get(applicant=member)
    client.post(f"/m/assistance/{app.pk}/upload/", {"kind": "id_copy", "upload": png()})
    att = Attachment.objects.get()

    other = make_person(tree.grassroots, 2, name="赵敏", account=True)
    client.force_login(other.user)
    assert client.get(detail(app)).status_code == 404
    assert client.get(f"/m/assistance/document/{att.public_id}/").status_code == 404
    assert (
        client.post(f"/m/assistance/{app.pk}/upload/", {"kind": "other", "upload": png()})
    ).status_code == 404
    assert client.post(f"/m/assistance/{app.pk}/withdraw/").status_code == 404
    assert Attachment.objects.count() == 1
    app.refresh_from_db()
    assert app.state == S.DRAFT
    page = html_of(client.get(HOME))
    assert app.number not in page and 'id="aid-start"' in page


def test_staff_uploaded_documents_are_not_listed_to_the_member(client, tree, staff, member):
    app = staff_application(staff, tree.grassroots, member)
    att = actions.upload_attachment(
        actor=staff.officer, file=app.file, application=app, kind="publicity", upload=png()
    )
    assert att.content.name
    page = html_of(client.get(detail(app)))
    assert str(att.public_id) not in page
    assert client.get(f"/m/assistance/document/{att.public_id}/").status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")


# --- returned, resubmitted; progress and decision -----------------------------------------


def test_returned_application_is_corrected_and_resubmitted(client, tree, staff, member):
    client.post(APPLY, complete_form(submit="1"))
    app = Application.objects.get(applicant=member)
    assert app.state == S.SUBMITTED
    # While in review the form is closed.
    assert client.get(APPLY)["Location"] == detail(app)
    assert client.post(APPLY, complete_form(save="1"))["Location"] == detail(app)

    actions.return_application(
        actor=staff.officer, application=app, reason="请补充医疗证明和收入证明"
    )
    page = html_of(client.get(HOME))
    assert "请补充医疗证明和收入证明" in page and "Correct and submit again" in page
    form = html_of(client.get(APPLY))
    assert "Correct my application" in form and "Submit again" in form

    # Documents can be added again while returned.
    client.post(f"/m/assistance/{app.pk}/upload/", {"kind": "medical_certificate", "upload": png()})
    assert Attachment.objects.filter(application=app, kind="medical_certificate").exists()

    response = client.post(APPLY, complete_form(submit="1", household_monthly_income="2400"))
    assert response["Location"] == detail(app)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED
    assert app.file.household_monthly_income == Decimal("2400.00")
    page = html_of(client.get(detail(app)))
    assert "Returned for correction" in page and "请补充医疗证明和收入证明" in page
    assert "Corrected and submitted again" in page
    assert "officer" not in page  # the union's name only, never the staff member's
    assert Application.objects.count() == 1


def test_progress_shows_publicity_then_decision_and_payment(client, tree, staff, member):
    budgets(tree.yubei, staff.finance)
    client.post(APPLY, complete_form(submit="1"))
    app = Application.objects.get(applicant=member)
    app = advance(staff, app, S.PUBLICITY)
    page = html_of(client.get(detail(app)))
    assert 'id="publicity-end"' in page
    assert app.publicity_end.strftime("%Y-%m-%d") in page
    assert "Home visit done" in page and "Checked by the assistance centre" in page
    assert "张主席" not in page  # visitors and findings are the union's notes

    app = advance(staff, app, S.CLOSED)
    page = html_of(client.get(detail(app)))
    assert "Completed" in page and "Total granted" in page and "5,000.00" in page
    paid = app.items.get(aid_type="living").paid_at
    assert timezone.localtime(paid).strftime("%Y-%m-%d") in page
    assert "622202*********3445" in page and ACCOUNT not in page
    for name in ("officer", "reviewer", "approver", "finance"):
        assert name not in page
    # It is history now; a new application can be started.
    home = html_of(client.get(HOME))
    assert 'id="aid-history"' in home and 'id="aid-start"' in home
    # Applying again: the filed household's details are the union's and are kept.
    assert 'id="file-kept"' in html_of(client.get(APPLY))
    client.post(APPLY, complete_form(submit="1", household_monthly_income="1"))
    again = Application.objects.exclude(pk=app.pk).get()
    assert again.state == S.SUBMITTED and again.file_id == app.file_id
    assert again.file.household_monthly_income == Decimal("2600.00")
    assert again.items.get(aid_type="education").beneficiary.name == "李小明"


def test_rejection_reason_is_shown(client, tree, staff, member):
    client.post(APPLY, complete_form(submit="1"))
    app = Application.objects.get(applicant=member)
    actions.reject_application(actor=staff.officer, application=app, reason="家庭收入超过标准")
    page = html_of(client.get(detail(app)))
    assert "Not approved" in page and "家庭收入超过标准" in page
    assert "家庭收入超过标准" in html_of(client.get(HOME))


def test_member_withdraws_a_submitted_application(client, member):
    client.post(APPLY, complete_form(submit="1"))
    app = Application.objects.get(applicant=member)
    client.post(f"/m/assistance/{app.pk}/withdraw/", {"reason": "情况好转"})
    app.refresh_from_db()
    assert app.state == S.WITHDRAWN


# --- the worker's buttons: the declared transitions on the portal face ---------------------


def buttons(client, app) -> dict[str, bool]:
    return rendered_transitions(client.get(detail(app)).content)


def test_portal_buttons_are_the_declared_ones(client, tree, staff, member):
    budgets(tree.yubei, staff.finance)
    client.post(APPLY, partial_form(save="1"))
    app = Application.objects.get(applicant=member)
    page = html_of(client.get(detail(app)))
    # An incomplete draft: 提交审核 disabled, with what is missing written beside it.
    assert rendered_transitions(page) == {"submit": False, "withdraw": True}
    assert rendered_transitions(page) == declared(app, member.user, "portal")
    assert "Give the household&#x27;s monthly income." in page
    refused = client.post(f"{detail(app)}?do=submit", follow=True)
    app.refresh_from_db()
    assert app.state == S.DRAFT and "Describe the household" in html_of(refused)

    client.post(APPLY, complete_form(save="1"))
    assert buttons(client, app) == {"submit": True, "withdraw": True}
    response = client.post(f"{detail(app)}?do=submit")
    assert response.status_code == 302 and response["Location"] == detail(app)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED
    assert buttons(client, app) == {"withdraw": True} == declared(app, member.user, "portal")

    app = actions.return_application(actor=staff.officer, application=app, reason="补充材料")
    assert buttons(client, app) == {"submit": True, "withdraw": True}
    app = advance(staff, app, S.APPROVAL)
    assert buttons(client, app) == {} == declared(app, member.user, "portal")
    # A referral up is a step she sees (named, without the approvers' opinion).
    StepFactory(application=app, name="escalate", from_state=S.APPROVAL, to_state=S.APPROVAL)
    page = html_of(client.get(detail(app)))
    assert "Referred to the higher level for approval" in page and "情况属实" not in page
    # Not offered now: the page refuses it (404), and nothing moves.
    assert client.post(f"{detail(app)}?do=withdraw").status_code == 404
    assert client.post(f"{detail(app)}?do=approve").status_code == 404
    app.refresh_from_db()
    assert app.state == S.APPROVAL


def test_withdraw_asks_once_more_and_shows_the_application_withdrawn(client, tree, member):
    client.post(APPLY, complete_form(submit="1"))
    app = Application.objects.get(applicant=member)
    page = html_of(client.post(f"{detail(app)}?do=withdraw"))
    assert 'id="aid-withdraw-confirm"' in page and "Withdraw this application?" in page
    app.refresh_from_db()
    assert app.state == S.SUBMITTED  # nothing yet
    response = client.post(f"/m/assistance/{app.pk}/withdraw/", {"reason": "情况好转"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == S.WITHDRAWN
    page = html_of(client.get(detail(app)))
    assert "Withdrawn" in page and "情况好转" in page
    assert rendered_transitions(page) == {}
    # Another member cannot take my transitions.
    other = make_person(tree.grassroots, 2, name="赵敏", account=True)
    client.force_login(other.user)
    client.post(APPLY, complete_form(save="1"))
    mine = Application.objects.get(applicant=other)
    assert client.post(f"{detail(app)}?do=submit").status_code == 404
    assert mine.state == S.DRAFT


def test_the_application_labels_are_not_the_membership_ones():
    """ "Withdrawn" alone is a membership's 已退会: the application's state and button carry
    the context "application" (已撤回, 撤回申请)."""
    from gonghui.assistance.workflows_cases import application_states

    withdrawn = S.WITHDRAWN.label
    assert withdrawn._args == ("application", "Withdrawn")
    assert application_states.transitions["withdraw"].label._args == ("application", "Withdraw")


# --- bad input ------------------------------------------------------------------------------


def test_negative_amount_shows_the_message_and_saves_nothing(client, member):
    response = client.post(APPLY, complete_form(save="1", amount_living="-100"))
    assert response.status_code == 200
    page = html_of(response)
    assert "Amounts must be greater than zero." in page
    assert 'value="-100"' in page  # the input is kept for correction
    assert not Application.objects.exists() and not HardshipFile.objects.exists()
    assert not HouseholdMember.objects.exists()


def test_invalid_household_id_number_shows_the_message_and_saves_nothing(client, member):
    client.post(APPLY, partial_form(save="1", situation="原来的说明"))
    app = Application.objects.get()
    response = client.post(
        APPLY,
        complete_form(save="1", situation="新的说明", **{"household-0-id_number": "500112"}),
    )
    assert "Household member 1: the ID number is not valid." in html_of(response)
    app.refresh_from_db()
    assert app.situation == "原来的说明"
    assert not HouseholdMember.objects.exists()
    assert list(app.items.values_list("aid_type", flat=True)) == ["living"]


def test_money_aid_without_amount_is_refused(client, member):
    response = client.post(APPLY, partial_form(save="1", amount_living=""))
    assert "Enter the amount you ask for: Living aid." in html_of(response)
    assert not Application.objects.exists()


def test_school_aid_for_an_empty_row_is_refused(client, member):
    response = client.post(APPLY, partial_form(save="1", school_0_row="2", school_0_amount="100"))
    assert "the household row you chose is empty" in html_of(response)
    assert not Application.objects.exists()


# --- language -----------------------------------------------------------------------------


@pytest.mark.chinese
def test_pages_render_in_chinese(client, member):
    client.post(APPLY, partial_form(save="1"))
    app = Application.objects.get()
    for url in (HOME, APPLY, detail(app)):
        response = client.get(url)
        assert response.status_code == 200, url
        page = html_of(response)
        assert 'lang="zh-hans"' in page
        assert "工会" in page.split("<title>")[1].split("</title>")[0]


def test_draft_can_drop_the_child_it_asked_school_aid_for(client, member):
    client.post(APPLY, complete_form(save="1"))
    data = complete_form(save="1", school_0_row="", school_0_school="", school_0_amount="")
    for name in ("name", "relation", "id_number", "school_or_employer"):
        data.pop(f"household-1-{name}")
    response = client.post(APPLY, data)
    assert response.status_code == 302, html_of(response)
    file = HardshipFile.objects.get(applicant=member)
    assert [m.name for m in file.household.all()] == ["李强"]
    assert sorted(Application.objects.get().items.values_list("aid_type", flat=True)) == [
        "employment",
        "living",
    ]
