"""The per-request reads compiled once (gonghui/platform/security/prepared.py): the session,
the user, the grants and the subtree ids. Nothing is cached across requests but the SQL, so a
revoked grant, a moved org, a deleted session or a deactivated account takes effect on the
very next request; and what they read equals what the ORM reads."""

from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.members.models import Membership
from gonghui.members.tests.test_search import member
from gonghui.orgs.actions import move_org
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.access.models import RoleGrant
from gonghui.platform.access.scoping import (
    LITERAL_ORG_IDS,
    IdIn,
    grant_scopes,
    subtree_ids,
)
from gonghui.platform.security.prepared import PreparedRead, load_user
from gonghui.platform.testing.factories import make_org

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    """What the next request sees: a user object loaded anew."""
    return User.objects.get(pk=user.pk)


def orm_grants(user):
    rows = (
        RoleGrant.objects.active()
        .filter(user_id=user.pk, org__status="active")
        .values_list("org_id", "org__path", "include_descendants", "role")
    )
    return sorted((org_id, path, include) for org_id, path, include, _role in rows)


def prepared_grants(user):
    return sorted((s.org_id, s.path, s.include_descendants) for s in grant_scopes(fresh(user)))


def test_load_user_equals_the_orm(tree):
    user = tree.yubei_admin
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    orm = User.objects.get(pk=user.pk)
    loaded = load_user(user.pk)
    assert type(loaded) is User and not loaded._state.adding
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(orm, field.attname), field.name
    assert loaded.last_login.tzinfo is not None
    assert load_user(10**12) is None


def test_deactivated_user_is_anonymous_on_the_next_request(client, tree):
    client.force_login(tree.yubei_admin)
    m = member(tree, 1)
    assert client.get(f"/api/v1/members/{m.pk}").status_code == 200
    User.objects.filter(pk=tree.yubei_admin.pk).update(is_active=False)
    assert client.get(f"/api/v1/members/{m.pk}").status_code == 401


def test_deleted_or_expired_session_is_gone_on_the_next_request(client, tree):
    client.force_login(tree.yubei_admin)
    m = member(tree, 1)
    url = f"/api/v1/members/{m.pk}"
    assert client.get(url).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 401
    client.force_login(tree.yubei_admin)
    assert client.get(url).status_code == 200
    Session.objects.all().delete()
    assert client.get(url).status_code == 401


def test_odd_session_cookie_is_refused(client, tree):
    client.cookies["sessionid"] = "not-a-key%' OR 1=1 --"
    assert client.get("/api/v1/members/").status_code == 401


def test_grants_equal_the_orm_and_follow_every_change(tree):
    user = tree.yubei_admin
    assert prepared_grants(user) == orm_grants(user) != []
    extra = RoleGrant.objects.create(
        user=user, org=tree.industry, role="org_admin", include_descendants=False
    )
    assert prepared_grants(user) == orm_grants(user)
    assert tree.industry.pk in {s.org_id for s in grant_scopes(fresh(user))}
    # revoked: ends now
    RoleGrant.objects.filter(pk=extra.pk).update(valid_to=timezone.now())
    assert tree.industry.pk not in {s.org_id for s in grant_scopes(fresh(user))}
    # not yet valid
    later = timezone.now() + timedelta(hours=1)
    RoleGrant.objects.filter(pk=extra.pk).update(valid_from=later, valid_to=None)
    assert tree.industry.pk not in {s.org_id for s in grant_scopes(fresh(user))}
    # an org that is no longer active grants nothing
    RoleGrant.objects.filter(pk=extra.pk).update(valid_from=timezone.now() - timedelta(days=1))
    assert tree.industry.pk in {s.org_id for s in grant_scopes(fresh(user))}
    Org.objects.filter(pk=tree.industry.pk).update(status="dissolved")
    assert tree.industry.pk not in {s.org_id for s in grant_scopes(fresh(user))}
    assert prepared_grants(user) == orm_grants(user)


def test_revoked_grant_closes_the_member_detail_on_the_next_request(client, tree):
    client.force_login(tree.yubei_admin)
    m = member(tree, 1)
    url = f"/api/v1/members/{m.pk}"
    assert client.get(url).status_code == 200
    RoleGrant.objects.filter(user=tree.yubei_admin).update(valid_to=timezone.now())
    assert client.get(url).status_code == 404


def test_new_and_moved_orgs_count_on_the_next_request(client, tree):
    admin = tree.yubei_admin
    new = make_org(tree.township, OrgKind.GRASSROOTS, name="新建工会")
    assert new.pk in subtree_ids(fresh(admin), tree.yubei.path)
    # move the township (and its unions) to Jiangbei: out of Yubei's scope at once
    client.force_login(admin)
    m = member(tree, 1)
    url = f"/api/v1/members/{m.pk}"
    assert client.get(url).status_code == 200
    move_org(
        actor=tree.city_admin,
        org=Org.objects.get(pk=tree.township.pk),
        new_parent=Org.objects.get(pk=tree.jiangbei.pk),
    )
    assert new.pk not in subtree_ids(fresh(admin), tree.yubei.path)
    assert client.get(url).status_code == 404
    client.force_login(tree.jiangbei_admin)
    assert client.get(url).status_code == 200


def test_subtree_ids_equal_the_orm(tree):
    user = fresh(tree.city_admin)
    for org in (tree.city, tree.yubei, tree.township, tree.grassroots):
        expected = set(Org.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
        ids = subtree_ids(user, org.path)
        assert isinstance(ids, list) and set(ids) == expected
    assert LITERAL_ORG_IDS >= 1


def test_prepared_read_takes_the_orm_for_text_it_cannot_pass_as_is(tree):
    calls = []

    def build(_number, _at, text):
        calls.append(text)
        return Org.objects.filter(path__startswith=text).values_list("pk")

    read = PreparedRead(build, uses=("text",))
    expected = Org.objects.filter(path__startswith=tree.yubei.path).values_list("pk", flat=True)
    assert sorted(read.rows(text=tree.yubei.path)) == sorted((pk,) for pk in expected)
    assert read.rows(text="%") == []  # escaped by the ORM: a literal "%", no org
    assert calls[-1] == "%"


def test_id_in_equals_the_in_lookup(tree):
    a = member(tree, 1)
    b = member(tree, 2, org=tree.jb_grassroots, actor=tree.jiangbei_admin)
    ids = [tree.grassroots.pk, tree.township.pk]
    assert list(Membership.objects.filter(IdIn("org_id", ids))) == [a]
    assert set(Membership.objects.exclude(IdIn("org_id", ids))) == {b}
    assert list(Membership.objects.filter(IdIn("org_id", []))) == []


def test_member_detail_history_is_scoped(client, tree):
    m = member(tree, 1)
    Membership.objects.create(
        person=m.person,
        org=tree.jb_grassroots,
        employer_name="旧公司",
        employment_form=m.employment_form,
        state="withdrawn",
        source=m.source,
        joined_on=date(2020, 1, 1),
        ended_on=date(2021, 1, 1),
    )
    client.force_login(tree.yubei_admin)
    body = client.get(f"/api/v1/members/{m.pk}").json()
    assert [h["id"] for h in body["history"]] == [m.pk]
    client.force_login(tree.city_admin)
    body = client.get(f"/api/v1/members/{m.pk}").json()
    assert len(body["history"]) == 2 and body["history"][0]["id"] == m.pk
    old = Membership.objects.get(person=m.person, state="withdrawn")
    client.force_login(tree.yubei_admin)
    assert client.get(f"/api/v1/members/{old.pk}").status_code == 404
    assert client.get("/api/v1/members/999999999").status_code == 404
