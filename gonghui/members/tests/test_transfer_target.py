"""Org pickers of the member pages (issue #14): the receiving union of a transfer and the union
of a member entered by staff are found by search, not picked from every union of the city, and
the search offers only what the form accepts (active unions that hold members; for the add
form, those in the user's scope)."""

import pytest
from django.urls import reverse

from gonghui.members.models import Transfer
from gonghui.members.testing import make_member
from gonghui.orgs.choices import OrgKind, OrgStatus
from gonghui.platform.testing.factories import make_org

pytestmark = pytest.mark.django_db

SEARCH = "console:members_membership_transfer_targets"


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_the_transfer_page_renders_no_list_of_unions(client, tree):
    for n in range(30):
        make_org(tree.jiangbei, OrgKind.GRASSROOTS, name=f"江北批量工会{n:02d}")
    m = make_member(tree.grassroots)
    client.force_login(tree.yubei_admin)
    page = client.get(reverse("console:members_membership_do", args=[m.pk, "transfer"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "江北批量工会" not in html and html.count("<option") <= 1
    assert reverse(SEARCH) in html and "select2" in html


def test_search_finds_a_union_by_name_short_name_and_number(client, tree):
    target = make_org(tree.jiangbei, OrgKind.GRASSROOTS, name="重庆江北嘉陵物流有限公司工会")
    target.short_name = "嘉陵物流工会"
    target.save()
    client.force_login(tree.yubei_admin)
    url = reverse(SEARCH)
    assert _names(client.get(url, {"term": "嘉陵物流有限"})) == [
        "重庆江北嘉陵物流有限公司工会（嘉陵物流工会）"
    ]
    assert len(_names(client.get(url, {"term": "嘉陵物流工会"}))) == 1
    assert len(_names(client.get(url, {"term": str(target.pk)}))) == 1


def test_search_offers_only_unions_that_can_take_a_member(client, tree):
    closed = make_org(tree.jiangbei, OrgKind.GRASSROOTS, name="江北已撤销公司工会")
    closed.status = OrgStatus.DISSOLVED
    closed.save()
    client.force_login(tree.yubei_admin)
    url = reverse(SEARCH)
    found = _names(client.get(url, {"term": "江北"}))
    assert found == ["江北测试公司工会"]  # not the district federation, not the closed union
    assert _names(client.get(url, {"term": str(tree.jiangbei.pk)})) == []


def test_only_who_may_request_a_transfer_asks_the_picker(client, tree):
    from gonghui.platform.testing.factories import staff_with_role

    client.force_login(staff_with_role(tree.yubei, "viewer"))
    assert client.get(reverse(SEARCH), {"term": "江北"}).status_code == 403


def test_the_picked_union_receives_the_transfer(client, tree):
    m = make_member(tree.grassroots)
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_membership_do", args=[m.pk, "transfer"])
    response = client.post(url, {"to_org": tree.grassroots.pk})  # her own union: no target
    assert response.status_code == 200 and not Transfer.objects.exists()
    response = client.post(url, {"to_org": tree.jb_grassroots.pk, "reason": "换工作"})
    assert response.status_code == 302
    assert Transfer.objects.get().to_org == tree.jb_grassroots


# --- the union of a member entered by staff (the add form) ------------------------------------


def test_the_add_form_searches_the_union_within_the_users_scope(client, tree):
    for n in range(30):
        make_org(tree.township, OrgKind.GRASSROOTS, name=f"回兴批量工会{n:02d}")
    client.force_login(tree.yubei_admin)
    html = client.get(reverse("console:members_membership_add")).content.decode()
    assert "回兴批量工会" not in html
    url = reverse("console:members_membership_orgs")
    assert url in html
    assert len(_names(client.get(url, {"term": "回兴批量"}))) == 20  # a page of answers
    assert _names(client.get(url, {"term": "渝北测试"})) == ["渝北测试公司工会"]
    # never a union outside the scope, nor an org that holds no members
    assert _names(client.get(url, {"term": "江北"})) == []
    assert _names(client.get(url, {"term": "渝北区"})) == []  # a district federation


def test_a_typed_name_instead_of_a_choice_is_refused_not_a_server_error(client, tree):
    m = make_member(tree.grassroots)
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_membership_do", args=[m.pk, "transfer"])
    response = client.post(url, {"to_org": "江北测试公司工会"})
    assert response.status_code == 200 and not Transfer.objects.exists()
    assert "Choose an active union that holds members." in response.content.decode()
