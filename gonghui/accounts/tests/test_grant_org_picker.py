"""The grant form's org picker (issue #14): with 100k orgs the page cannot list them all, so it
renders the chosen org only and searches the rest, within the security admin's own scope."""

import pytest
from django.urls import reverse

from gonghui.orgs.choices import OrgKind
from gonghui.platform.testing.factories import make_org, staff_with_role

pytestmark = pytest.mark.django_db

SEARCH = "console:access_rolegrant_orgs"


@pytest.fixture
def yubei_secadmin(tree):
    return staff_with_role(tree.yubei, "security_admin", username="yubei_secadmin")


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_the_grant_form_does_not_list_every_org(client, tree, yubei_secadmin):
    for n in range(30):
        make_org(tree.township, OrgKind.GRASSROOTS, name=f"渝北批量工会{n:02d}")
    client.force_login(yubei_secadmin)
    html = client.get(reverse("console:access_rolegrant_add")).content.decode()
    assert "渝北批量工会" not in html
    assert html.count("<option") < 20  # the role choices, not the org tree
    assert reverse(SEARCH) in html  # where the picker asks instead


def test_search_finds_an_org_by_name_short_name_and_number(client, tree, yubei_secadmin):
    org = make_org(tree.township, OrgKind.GRASSROOTS, name="重庆两江精密机械有限公司工会")
    org.short_name = "两江精机工会"
    org.save()
    client.force_login(yubei_secadmin)
    url = reverse(SEARCH)
    found = _names(client.get(url, {"term": "精密"}))
    assert found == ["重庆两江精密机械有限公司工会（两江精机工会）"]
    assert len(_names(client.get(url, {"term": "精机"}))) == 1
    assert len(_names(client.get(url, {"term": str(org.pk)}))) >= 1


def test_search_never_offers_an_org_outside_the_admins_scope(client, tree, yubei_secadmin):
    client.force_login(yubei_secadmin)
    url = reverse(SEARCH)
    assert _names(client.get(url, {"term": "渝北测试"})) == ["渝北测试公司工会"]
    assert _names(client.get(url, {"term": "江北"})) == []
    assert _names(client.get(url, {"term": str(tree.jb_grassroots.pk)})) == []
    everything = _names(client.get(url, {"term": "工会"}))
    assert "江北测试公司工会" not in everything and "重庆市教育工会" not in everything


def test_the_search_is_paged(client, tree, yubei_secadmin):
    for n in range(25):
        make_org(tree.township, OrgKind.GRASSROOTS, name=f"分页工会{n:02d}")
    client.force_login(yubei_secadmin)
    first = client.get(reverse(SEARCH), {"term": "分页"}).json()
    second = client.get(reverse(SEARCH), {"term": "分页", "page": 2}).json()
    assert len(first["results"]) == 20 and first["pagination"]["more"] is True
    assert len(second["results"]) == 5 and second["pagination"]["more"] is False


def test_only_who_may_grant_asks_the_picker(client, tree):
    client.force_login(tree.yubei_admin)
    assert client.get(reverse(SEARCH), {"term": "渝北"}).status_code == 403


def test_a_grant_with_a_picked_org_is_saved(client, tree, yubei_secadmin):
    from gonghui.platform.access.models import RoleGrant
    from gonghui.platform.testing.factories import UserFactory

    user = UserFactory(username="picked")
    client.force_login(yubei_secadmin)
    response = client.post(
        reverse("console:access_rolegrant_add"),
        {
            "user": user.pk,
            "org": tree.grassroots.pk,
            "role": "viewer",
            "include_descendants": "on",
            "valid_from_0": "2020-01-01",
            "valid_from_1": "00:00:00",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RoleGrant.objects.get(user=user).org == tree.grassroots
    # an org outside the scope is refused even when posted by hand
    other = UserFactory(username="picked2")
    response = client.post(
        reverse("console:access_rolegrant_add"),
        {
            "user": other.pk,
            "org": tree.jb_grassroots.pk,
            "role": "viewer",
            "valid_from_0": "2020-01-01",
            "valid_from_1": "00:00:00",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert not RoleGrant.objects.filter(user=other).exists()


@pytest.mark.chinese
def test_the_grant_form_reads_chinese(client, tree, yubei_secadmin):
    from gonghui.platform.testing.english import ALLOWED, english_in

    client.force_login(yubei_secadmin)
    html = client.get(reverse("console:access_rolegrant_add")).content.decode()
    assert "输入名称、简称、代码或编号" in html
    assert english_in(html, ALLOWED) == []
