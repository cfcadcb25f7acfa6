"""站内信 (issue #14): every state change of the worker's own join application, transfer and
hardship application leaves her a message; the portal home shows the unread count; the
messages page lists them newest first and marks them read."""

import re

import pytest

from gonghui.assistance import actions as aid_actions
from gonghui.assistance.testing import Staff, advance, make_person, staff_application
from gonghui.members import actions
from gonghui.members.choices import JoinRequestState, TransferState
from gonghui.members.testing import MembershipFactory, PersonFactory
from gonghui.platform.inbox.models import Message
from gonghui.platform.inbox.registry import sources
from gonghui.platform.testing.factories import MemberFactory
from gonghui.platform.workflow.transitions import registered

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def unread_on_home(client) -> int:
    html = client.get("/m/").content.decode()
    match = re.search(r'id="unread-count">(\d+)', html)
    return int(match.group(1)) if match else 0


def listed(client) -> list[str]:
    html = client.get("/m/messages/").content.decode()
    return re.findall(r'<span class="text">([^<]+)</span>', html)


def test_an_approved_join_application_leaves_an_unread_message(client, tree):
    request = actions.submit_join_request(
        actor=None,
        org=tree.grassroots,
        name="张三",
        id_number="11010519491231002X",
        phone=PHONE,
        employer_name="某某公司",
        employment_form="standard",
    )
    actions.approve_join_request(actor=tree.yubei_admin, request=request)
    # She has no account yet: the message waits for whoever logs in with her phone.
    message = Message.objects.get()
    assert message.user is None and message.unread

    client.force_login(MemberFactory(phone=PHONE))
    assert unread_on_home(client) == 1
    assert listed(client) == [
        "Your application to join 渝北测试公司工会 was approved. Welcome to the union!"
    ]
    assert PHONE not in client.get("/m/messages/").content.decode()

    opened = client.post(f"/m/messages/{message.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/m/"
    assert unread_on_home(client) == 0
    assert 'id="messages-unread"' in client.get("/m/messages/").content.decode()


@pytest.mark.chinese
def test_a_rejected_join_application_reads_in_chinese(client, tree):
    request = actions.submit_join_request(
        actor=None,
        org=tree.grassroots,
        name="张三",
        id_number="11010519491231002X",
        phone=PHONE,
        employer_name="某某公司",
        employment_form="standard",
    )
    actions.reject_join_request(actor=tree.yubei_admin, request=request, reason="材料不全")
    assert request.__class__.objects.get().state == JoinRequestState.REJECTED
    client.force_login(MemberFactory(phone=PHONE))
    assert listed(client) == ["您加入渝北测试公司工会的申请未获批准。"]
    assert "1 条未读" in client.get("/m/").content.decode()


@pytest.fixture
def member(tree, client):
    user = MemberFactory(phone=PHONE)
    person = PersonFactory(org=tree.grassroots, user=user, phone=PHONE)
    membership = MembershipFactory(org=tree.grassroots, person=person)
    client.force_login(user)
    return membership


def test_transfer_steps_leave_messages_newest_first(client, tree, member):
    transfer = actions.request_transfer(
        actor=tree.yubei_admin, membership=member, to_org=tree.jb_grassroots, initiated_by="sender"
    )
    assert transfer.state == TransferState.PENDING_RECEIVER
    client.post(f"/m/transfer/{transfer.pk}/cancel/")  # she withdraws it herself
    transfer.refresh_from_db()
    assert transfer.state == TransferState.CANCELLED
    own = Message.objects.get(event="cancel")
    assert not own.unread  # what she did herself is on record, not news
    assert unread_on_home(client) == 0

    again = actions.request_transfer(
        actor=tree.yubei_admin, membership=member, to_org=tree.jb_grassroots, initiated_by="sender"
    )
    actions.reject_transfer(actor=tree.jiangbei_admin, transfer=again, reason="不在本单位")
    assert unread_on_home(client) == 1
    assert listed(client) == [
        "Your transfer to 江北测试公司工会 was not approved.",
        "Your transfer request to 江北测试公司工会 was withdrawn.",
    ]
    client.post("/m/messages/read/")
    assert unread_on_home(client) == 0


def test_hardship_steps_leave_messages_linking_to_the_case(client, tree):
    staff = Staff(tree)
    person = make_person(tree.grassroots, account=True)
    application = staff_application(staff, tree.grassroots, person)
    application = aid_actions.submit_application(actor=staff.officer, application=application)
    advance(staff, application, "home_visit")
    client.force_login(person.user)
    assert unread_on_home(client) == 2
    texts = listed(client)
    assert texts[0].endswith("passed the first review; a home visit comes next.")
    assert application.number in texts[1] and "submitted" in texts[1]
    message = Message.objects.filter(event="first_review").get()
    opened = client.post(f"/m/messages/{message.pk}/")
    assert opened["Location"] == f"/m/assistance/{application.pk}/"


def test_another_worker_neither_sees_nor_opens_my_messages(client, tree, member):
    transfer = actions.request_transfer(
        actor=tree.yubei_admin, membership=member, to_org=tree.jb_grassroots, initiated_by="sender"
    )
    actions.reject_transfer(actor=tree.jiangbei_admin, transfer=transfer, reason="否")
    message = Message.objects.get()
    client.force_login(MemberFactory(phone="13700000001"))
    assert listed(client) == []
    assert client.post(f"/m/messages/{message.pk}/").status_code == 404
    client.post("/m/messages/read/")
    message.refresh_from_db()
    assert message.unread


def test_messages_page_needs_a_worker(client):
    assert client.get("/m/messages/")["Location"].startswith("/m/login/")


def test_every_state_changing_transition_of_a_registered_record_has_its_words():
    machines = registered()
    assert {"members.joinrequest", "members.transfer", "assistance.application"} <= set(sources())
    for topic, source in sources().items():
        for t in machines[topic].transitions.values():
            keeps_state = t.target is None or t.target in t.source
            assert t.name in source.texts or t.name in source.quiet or keeps_state, (
                f"{topic}.{t.name} changes the state but leaves the worker no message"
            )
