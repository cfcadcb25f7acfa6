"""我的数据 (issue #14): a worker reads everything the platform holds about her on one page,
downloads the same as JSON, and asks for a correction; each reading is audited, and another
worker's records never appear."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from gonghui.assistance.testing import (
    AidItemFactory,
    ApplicationFactory,
    AttachmentFactory,
    HardshipFileFactory,
    HouseholdMemberFactory,
    StepFactory,
)
from gonghui.members.testing import JoinRequestFactory, MembershipFactory, PersonFactory
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.consent.models import CorrectionRequest
from gonghui.platform.inbox.models import Message
from gonghui.platform.testing.factories import MemberFactory

pytestmark = pytest.mark.django_db


def worker_with_everything(org, *, name, household_name, school, amount):
    """A member of ``org`` with an account, a join application, a hardship file with a
    household member, and an application with an aid item, a document and a timeline."""
    user = MemberFactory()
    person = PersonFactory(org=org, user=user, phone=user.phone, name=name)
    MembershipFactory(org=org, person=person)
    JoinRequestFactory(org=org, name=name, id_number=person.id_number, phone=user.phone)
    file = HardshipFileFactory(org=org, applicant=person)
    HouseholdMemberFactory(file=file, name=household_name)
    application = ApplicationFactory(org=org, file=file, state="closed")
    AidItemFactory(
        application=application,
        aid_type="education",
        school=school,
        amount_requested=amount,
        amount_approved=amount,
    )
    AttachmentFactory(file=file, application=application, original_name=f"{name}的诊断证明.png")
    StepFactory(application=application, name="return", opinion="请补充收入证明")
    StepFactory(application=application, name="first_review", opinion="内部备注：邻居反映")
    return user, person, application


@pytest.fixture
def her(tree, client):
    user, person, application = worker_with_everything(
        tree.grassroots,
        name="韦小红",
        household_name="韦大山",
        school="重庆市第一中学",
        amount=Decimal("12500.00"),
    )
    client.force_login(user)
    return user, person, application


@pytest.fixture
def other(tree):
    return worker_with_everything(
        tree.grassroots,
        name="罗美丽",
        household_name="罗大海",
        school="江北区实验小学",
        amount=Decimal("7345.00"),
    )


def test_the_page_shows_everything_about_her_and_nothing_about_another(client, her, other):
    user, person, application = her
    response = client.get("/m/my-data/")
    assert response.status_code == 200
    html = response.content.decode()
    # Her own values, in full: she is the person they are about.
    for shown in (
        "韦小红",
        person.id_number[:6] + "********" + person.id_number[14:],
        user.phone,
        "韦大山",
        "重庆市第一中学",
        "12,500.00",
        "韦小红的诊断证明.png",
        application.number,
        "请补充收入证明",
    ):
        assert shown in html, shown
    assert "内部备注" not in html  # the staff's working notes stay theirs
    # Masked as on every page, with no birth date beside it (it would complete the number).
    assert person.id_number not in html and person.birth_date.isoformat() not in html
    other_user, other_person, other_application = other
    for hidden in (
        "罗美丽",
        other_person.id_number,
        "罗大海",
        other_application.number,
        "7,345.00",
    ):
        assert hidden not in html, hidden
    event = AuditEvent.objects.get(action="consent.view_own_data")
    assert event.actor_id == user.pk and person.id_number not in json.dumps(event.details)


def test_the_download_is_the_same_data_as_json(client, her, other):
    user, person, application = her
    response = client.get("/m/my-data/download.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    body = response.content.decode()
    data = json.loads(body)
    sections = {s["key"]: s for s in data["sections"]}
    fields = sections["person"]["records"][0]["fields"]
    assert fields["id_number"] == person.id_number[:6] + "********" + person.id_number[14:]
    assert "birth_date" not in fields and person.id_number not in body
    items = sections["assistance_applications"]["records"][0]["sections"][0]["records"]
    assert items[0]["fields"]["amount_approved"] == "12500.00"  # money as text, never a float
    assert {"consents", "messages", "corrections", "join_requests", "hardship_files"} <= set(
        sections
    )
    assert "罗美丽" not in body and other[1].id_number not in body
    assert AuditEvent.objects.filter(action="consent.download_own_data", actor_id=user.pk).exists()


def test_she_asks_for_a_correction_and_her_union_gets_it(client, tree, her):
    user, person, application = her
    response = client.post(
        "/m/my-data/correction/",
        {"section": "memberships", "record": "工作单位", "requested": "重庆某某物流有限公司"},
    )
    assert response.status_code == 302 and response["Location"] == "/m/my-data/"
    correction = CorrectionRequest.objects.get()
    assert correction.user == user and correction.org == tree.grassroots
    assert correction.record.endswith("工作单位") and correction.requested == "重庆某某物流有限公司"
    assert Message.objects.filter(user=user, topic="consent.correctionrequest").exists()
    page = client.get("/m/my-data/").content.decode()
    assert f'data-correction="{correction.pk}"' in page


def test_a_correction_without_what_it_should_be_is_refused_on_the_form(client, her):
    response = client.post(
        "/m/my-data/correction/", {"section": "person", "record": "姓名", "requested": ""}
    )
    assert response.status_code == 400 and not CorrectionRequest.objects.exists()
    assert 'aria-invalid="true"' in response.content.decode()


def test_her_home_page_links_to_her_data(client, her):
    assert 'href="/m/my-data/"' in client.get("/m/").content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    for url in ("/m/my-data/", "/m/my-data/download.json"):
        assert client.get(url)["Location"].startswith("/m/login/")


@pytest.mark.chinese
def test_the_page_reads_chinese(client, her):
    from gonghui.platform.testing.english import ALLOWED, english_in

    client.post(
        "/m/my-data/correction/",
        {"section": "person", "record": "姓名", "requested": "韦晓红"},
    )
    for response in (
        client.get("/m/my-data/"),
        client.post("/m/my-data/correction/", {"section": "person", "record": "", "requested": ""}),
        client.get("/m/messages/"),
    ):
        assert not english_in(response.content.decode(), ALLOWED), english_in(
            response.content.decode(), ALLOWED
        )
