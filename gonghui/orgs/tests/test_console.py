"""The staff console (Django admin + unfold at /console/) for the org tree and employers."""

import pytest
from django.urls import reverse

from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.orgs.testing import EmployerFactory
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import MemberFactory, UserFactory, make_org
from gonghui.platform.testing.scope import ScopeCase, check_scope
from gonghui.platform.validators import make_uscc_for

pytestmark = pytest.mark.django_db


def _add_data(parent, **overrides):
    data = {
        "parent": parent.pk,
        "kind": OrgKind.GRASSROOTS,
        "name": "渝北新建公司工会",
        "short_name": "",
        "uscc": "",
        "region_code": "500112",
        "address": "",
        "contact_name": "",
        "new_contact_phone": "",
        "founded_on": "",
        "note": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def _change_data(org, parent, **overrides):
    data = _add_data(parent, name=org.name, region_code=org.region_code)
    data.pop("kind")
    data.update(overrides)
    return data


def _csv(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


# --- the tree page ---------------------------------------------------------------------------


def test_tree_page_starts_at_the_admins_own_district(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_tree"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["org"].name for row in rows] == ["渝北区总工会"]
    html = response.content.decode()
    assert "渝北区总工会" in html
    assert "江北" not in html
    assert "重庆市总工会" not in html


def test_tree_children_endpoint_lists_visible_children(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_tree_children", args=[tree.yubei.pk]))
    assert response.status_code == 200
    assert "回兴街道总工会" in response.content.decode()


def test_tree_children_of_an_org_outside_scope_is_404(client, tree):
    client.force_login(tree.yubei_admin)
    for org in (tree.jiangbei, tree.jb_grassroots, tree.city):
        url = reverse("console:orgs_org_tree_children", args=[org.pk])
        assert client.get(url).status_code == 404


def test_tree_search_shows_match_with_its_ancestors(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_tree"), {"q": "回兴"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["org"].pk for row in rows] == [tree.township.pk]
    assert rows[0]["ancestors"] == "渝北区总工会"
    html = response.content.decode()
    assert "回兴街道总工会" in html
    assert "渝北区总工会" in html


def test_tree_search_does_not_leak_other_districts(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_tree"), {"q": "江北"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "江北测试公司工会" not in response.content.decode()


# --- adding and editing through the action -------------------------------------------------


def test_add_org_through_console_runs_the_action(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse("console:orgs_org_add"),
        _add_data(tree.township, new_contact_phone="13800135678"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Org.objects.get(name="渝北新建公司工会")
    assert Org.objects.get_parent(org) == tree.township
    assert org.kind == OrgKind.GRASSROOTS
    assert org.contact_phone == "13800135678"
    event = AuditEvent.objects.get(action="orgs.create_org", object_id=str(org.pk))
    assert event.actor == tree.yubei_admin
    assert "13800135678" not in str(event.details)


@pytest.mark.parametrize(
    ("parent_attr", "overrides"),
    [
        ("grassroots", {"kind": OrgKind.GRASSROOTS}),  # grassroots has no children
        ("township", {"uscc": "123"}),  # malformed credit code
        ("township", {"region_code": "5001"}),  # region code of the wrong length
    ],
)
def test_add_org_refused_by_a_guard_rerenders_with_error(client, tree, parent_attr, overrides):
    client.force_login(tree.yubei_admin)
    before = Org.objects.count()
    events = AuditEvent.objects.filter(action="orgs.create_org").count()
    response = client.post(
        reverse("console:orgs_org_add"), _add_data(getattr(tree, parent_attr), **overrides)
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    # The action's guard refused: its message is a form error shown on the page.
    errors = form.non_field_errors()
    assert errors
    html = response.content.decode()
    assert all(str(e) in html for e in errors)
    assert Org.objects.count() == before
    assert not Org.objects.filter(name="渝北新建公司工会").exists()
    assert AuditEvent.objects.filter(action="orgs.create_org").count() == events


def test_add_org_with_uscc_checksum_failure_needs_confirmation(client, tree):
    good = make_uscc_for(424242)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    client.force_login(tree.yubei_admin)
    response = client.post(reverse("console:orgs_org_add"), _add_data(tree.township, uscc=bad))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Org.objects.filter(name="渝北新建公司工会").exists()
    response = client.post(
        reverse("console:orgs_org_add"),
        _add_data(tree.township, uscc=bad, uscc_confirmed="on"),
    )
    assert response.status_code == 302
    assert Org.objects.get(name="渝北新建公司工会").uscc == bad


def test_add_org_under_parent_outside_scope_is_refused(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.post(reverse("console:orgs_org_add"), _add_data(tree.jiangbei))
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not Org.objects.filter(name="渝北新建公司工会").exists()


def test_parent_choices_contain_only_orgs_in_scope(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    names = set(form.fields["parent"].queryset.values_list("name", flat=True))
    assert names == {"渝北区总工会", "回兴街道总工会", "渝北测试公司工会"}
    html = response.content.decode()
    assert "江北" not in html
    assert "重庆市教育工会" not in html


def test_edit_org_with_invalid_phone_shows_error_and_keeps_old_value(client, tree):
    tree.grassroots.contact_phone = "13800135678"
    tree.grassroots.save()
    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_org_change", args=[tree.grassroots.pk])
    response = client.post(
        url, _change_data(tree.grassroots, tree.township, new_contact_phone="12345")
    )
    assert response.status_code == 200
    assert "new_contact_phone" in response.context["adminform"].form.errors
    tree.grassroots.refresh_from_db()
    assert tree.grassroots.contact_phone == "13800135678"
    assert not AuditEvent.objects.filter(action="orgs.update_org").exists()


def test_edit_org_page_masks_current_phone(client, tree):
    tree.grassroots.contact_phone = "13800135678"
    tree.grassroots.save()
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_change", args=[tree.grassroots.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****5678" in html
    assert "13800135678" not in html


def test_edit_org_through_console_runs_the_action(client, tree):
    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_org_change", args=[tree.grassroots.pk])
    response = client.post(
        url,
        _change_data(
            tree.grassroots, tree.township, name="渝北改名公司工会", new_contact_phone="13900001234"
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tree.grassroots.refresh_from_db()
    assert tree.grassroots.name == "渝北改名公司工会"
    assert tree.grassroots.contact_phone == "13900001234"
    assert AuditEvent.objects.filter(
        action="orgs.update_org", object_id=str(tree.grassroots.pk)
    ).exists()


def test_change_page_of_org_outside_scope_is_404(client, tree):
    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_org_change", args=[tree.jb_grassroots.pk])
    assert client.get(url).status_code == 404


# --- employers -------------------------------------------------------------------------------


def test_employer_list_and_detail_are_scoped(client, tree):
    yubei_employer = EmployerFactory(org=tree.grassroots, name="渝北甲有限公司")
    jiangbei_employer = EmployerFactory(org=tree.jb_grassroots, name="江北乙有限公司")
    for obj, insider, outsider in (
        (yubei_employer, tree.yubei_admin, tree.jiangbei_admin),
        (jiangbei_employer, tree.jiangbei_admin, tree.yubei_admin),
    ):
        check_scope(
            client,
            ScopeCase(
                obj=obj,
                insider=insider,
                outsider=outsider,
                label=obj.name,
                console_list="console:orgs_employer_changelist",
                console_detail="console:orgs_employer_change",
                api_list="/api/v1/employers/",
                api_detail=f"/api/v1/employers/{obj.pk}",
            ),
        )


# --- export ----------------------------------------------------------------------------------


def test_export_contains_own_scope_only_masks_phones_and_is_audited(client, tree):
    tree.grassroots.contact_phone = "13800135678"
    tree.grassroots.save()
    tree.jb_grassroots.contact_phone = "13900139000"
    tree.jb_grassroots.save()
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = _csv(response)
    for name in ("渝北区总工会", "回兴街道总工会", "渝北测试公司工会"):
        assert name in text
    for name in ("江北", "重庆市总工会", "重庆市教育工会"):
        assert name not in text
    assert "138****5678" in text
    assert "13800135678" not in text
    assert "13900139000" not in text
    event = AuditEvent.objects.get(action="orgs.export_orgs")
    assert event.actor == tree.yubei_admin
    assert event.details["rows"] == 3


def test_export_needs_the_export_permission(client, tree):
    from gonghui.platform.testing.factories import staff_with_role

    viewer = staff_with_role(tree.yubei, "viewer")
    client.force_login(viewer)
    assert client.get(reverse("console:orgs_org_export")).status_code == 403
    assert not AuditEvent.objects.filter(action="orgs.export_orgs").exists()


# --- changelist, history, access -------------------------------------------------------------


def test_changelist_query_count_is_bounded(client, tree, django_assert_max_num_queries):
    for i in range(60):
        make_org(tree.township, OrgKind.GRASSROOTS, name=f"渝北批量工会{i:02d}")
    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_org_changelist")
    client.get(url)  # warm up per-process caches (content types, translations)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 63
    assert len(response.context["cl"].result_list) == 50


def test_changelist_is_scoped(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:orgs_org_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "渝北测试公司工会" in html
    assert "江北测试公司工会" not in html


def test_history_page_shows_audit_events(client, tree):
    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_org_change", args=[tree.grassroots.pk])
    client.post(url, _change_data(tree.grassroots, tree.township, name="渝北历史公司工会"))
    response = client.get(reverse("console:orgs_org_history", args=[tree.grassroots.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "orgs.update_org" in html
    assert "yubei_admin" in html
    events = list(response.context["events"])
    assert [e.action for e in events] == ["orgs.update_org"]


def test_history_page_outside_scope_is_404(client, tree):
    client.force_login(tree.yubei_admin)
    url = reverse("console:orgs_org_history", args=[tree.jb_grassroots.pk])
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_console_login(client):
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def _assert_kept_out(response, url):
    assert response.status_code in (302, 403), url
    if response.status_code == 302:
        assert response["Location"].startswith("/console/login/"), url
    assert "渝北" not in response.content.decode()


@pytest.mark.parametrize("make_user", [MemberFactory, UserFactory])
def test_members_and_users_without_grants_cannot_use_console_pages(client, tree, make_user):
    user = make_user()
    client.force_login(user)
    for url in (
        reverse("console:orgs_org_changelist"),
        reverse("console:orgs_org_tree"),
        reverse("console:orgs_org_export"),
        reverse("console:orgs_employer_changelist"),
    ):
        _assert_kept_out(client.get(url), url)
    # An object page answers 403 (no access at all) or 404 (nothing in scope), never 200.
    response = client.get(reverse("console:orgs_org_change", args=[tree.yubei.pk]))
    assert response.status_code in (302, 403, 404)


def test_members_cannot_open_the_console_index(client, tree):
    client.force_login(MemberFactory())
    _assert_kept_out(client.get("/console/"), "/console/")


def test_staff_without_grants_cannot_open_the_console_index(client, tree):
    client.force_login(UserFactory())
    _assert_kept_out(client.get("/console/"), "/console/")
