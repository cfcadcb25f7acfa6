"""The join queue's search box (issue #14): staff find an application by the applicant's
name, her full ID number or mobile (exact, by blind index) or the QR channel's label."""

import pytest
from django.urls import reverse

from gonghui.members.choices import JoinRequestState
from gonghui.members.testing import JoinChannelFactory, JoinRequestFactory
from gonghui.platform.testing.factories import id_number_for, phone_for

pytestmark = pytest.mark.django_db

QUEUE = "console:members_joinrequest_changelist"


@pytest.fixture
def queue(tree):
    channel = JoinChannelFactory(org=tree.grassroots, label="三号仓库海报")
    rows = {
        "wang": JoinRequestFactory(
            org=tree.grassroots,
            name="王晓红",
            id_number=id_number_for(910_001),
            phone=phone_for(910_001, "139"),
        ),
        "li": JoinRequestFactory(
            org=tree.grassroots,
            name="李建国",
            id_number=id_number_for(910_002),
            phone=phone_for(910_002, "139"),
            channel=channel,
        ),
        # another district's applicant with the same name: never found from Yubei
        "jb_wang": JoinRequestFactory(
            org=tree.jb_grassroots, name="王晓红", id_number=id_number_for(910_003)
        ),
    }
    return rows


def _found(client, term, **params) -> set[str]:
    response = client.get(reverse(QUEUE), {"q": term, **params})
    assert response.status_code == 200
    return {r.name + "@" + r.org.name for r in response.context["cl"].result_list}


def test_the_queue_has_a_search_box(client, tree, queue):
    client.force_login(tree.yubei_admin)
    html = client.get(reverse(QUEUE)).content.decode()
    assert 'name="q"' in html


def test_search_by_name_part(client, tree, queue):
    client.force_login(tree.yubei_admin)
    assert _found(client, "晓红") == {"王晓红@渝北测试公司工会"}


def test_search_by_full_id_number_and_mobile(client, tree, queue):
    client.force_login(tree.yubei_admin)
    assert _found(client, id_number_for(910_002)) == {"李建国@渝北测试公司工会"}
    assert _found(client, phone_for(910_001, "139")) == {"王晓红@渝北测试公司工会"}
    # a fragment of an ID number matches nothing: numbers are found whole or not at all
    assert _found(client, id_number_for(910_002)[:10]) == set()


def test_search_by_channel_label(client, tree, queue):
    client.force_login(tree.yubei_admin)
    assert _found(client, "三号仓库") == {"李建国@渝北测试公司工会"}


def test_search_finds_decided_applications_too(client, tree, queue):
    from gonghui.members import actions

    actions.reject_join_request(actor=tree.yubei_admin, request=queue["wang"], reason="资料不全")
    client.force_login(tree.yubei_admin)
    assert _found(client, "王晓红") == {"王晓红@渝北测试公司工会"}
    # an explicit state still narrows the search
    assert _found(client, "王晓红", state=JoinRequestState.PENDING) == set()
    # and without a search the queue stays the pending queue
    rows = client.get(reverse(QUEUE)).context["cl"].result_list
    assert [r.name for r in rows] == ["李建国"]
