"""The orgs transitions are declared once (issue #12 §1, ADR 0013): the org's status, the
founding application and the duty list. The console's buttons, the API's
``allowed_transitions`` and the declarations agree for a sample of users and objects in
several states; a failing check is a disabled button with its reason and a 409 with the
reasons, a wrong body is a 422 naming the field, an org outside the caller's scope is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.members.actions import register_member
from gonghui.orgs import building
from gonghui.orgs.actions import change_org_status, org_status
from gonghui.orgs.choices import OrgStatus
from gonghui.orgs.models import (
    DutyLevel,
    DutyList,
    DutyListState,
    FoundingApplication,
    FoundingState,
    Org,
)
from gonghui.orgs.testing import DutyItemFactory, DutyListFactory, FoundingApplicationFactory
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.testing.workflow import api_transitions, declared, rendered_transitions
from gonghui.platform.validators import make_uscc_for
from gonghui.platform.workflow.faces import offers
from gonghui.platform.workflow.transitions import machine_for

pytestmark = pytest.mark.django_db

UNION_USCC = make_uscc_for(515151, region_code="500112", authority="8", entity_type="1")
HAS_CHILDREN = "Close or move its subordinate organisations first."
HAS_MEMBERS = "Transfer or close its memberships first: it still has members."


def _api(org: Org, name: str = "") -> str:
    return f"/api/v1/orgs/{org.pk}/{name}" if name else f"/api/v1/orgs/{org.pk}"


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _console(client, obj) -> tuple[int, dict]:
    opts = obj._meta
    response = client.get(
        reverse(f"console:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
    if response.status_code != 200:
        return response.status_code, {}
    return 200, rendered_transitions(response.content)


@pytest.fixture
def viewer(tree):
    return staff_with_role(tree.yubei, "viewer", username="yubei_viewer")


def test_the_registered_machines_are_the_declared_ones():
    assert machine_for(Org) is org_status
    assert machine_for(FoundingApplication) is building.founding_states
    assert machine_for(DutyList) is building.duty_list_states


# --- the org's status ----------------------------------------------------------------------


def test_console_api_and_declarations_offer_the_same_org_transitions(client, tree, viewer):
    dissolved = Org.objects.get(pk=tree.jb_grassroots.pk)
    change_org_status(actor=tree.city_admin, org=dissolved, transition="dissolve", reason="注销")
    orgs = {
        "free": tree.grassroots,  # no children, no members: may close
        "with children": tree.township,  # closing is offered disabled
        "dissolved": Org.objects.get(pk=dissolved.pk),
    }
    users = [tree.yubei_admin, tree.city_admin, tree.jiangbei_admin, viewer]
    seen = set()
    for label, org in orgs.items():
        for user in users:
            client.force_login(user)
            status, console = _console(client, org)
            response = client.get(_api(org))
            expected = declared(org, user, "console")
            assert declared(org, user, "api") == expected, (label, user)
            if status == 404:
                # outside the user's scope: neither face shows the org, nothing is offered
                assert response.status_code == 404 and expected == {}, (label, user)
                seen.add("out of scope")
                continue
            assert response.status_code == 200
            api = api_transitions(response.json())
            assert console == api == expected, (label, user, console, api, expected)
            seen.update(f"{name}:{'on' if on else 'off'}" for name, on in expected.items())
            if not expected:
                seen.add("nothing")
    # the sample covers every kind of answer
    assert {
        "dissolve:on",
        "dissolve:off",
        "mark_merged:off",
        "reactivate:on",
        "nothing",  # the viewer holds no change_org
        "out of scope",
    } <= seen


def test_a_disabled_console_button_writes_its_reason(client, tree):
    client.force_login(tree.yubei_admin)
    html = client.get(reverse("console:orgs_org_change", args=[tree.township.pk])).content
    assert rendered_transitions(html) == {"dissolve": False, "mark_merged": False}
    assert HAS_CHILDREN in html.decode()  # written beside the button, not a tooltip


def test_an_org_with_members_offers_closing_disabled_with_the_members_reason(client, tree):
    register_member(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        name="张三",
        id_number="11010519491231002X",
        phone="13800138000",
    )
    buttons = {b.name: b for b in offers(tree.grassroots, tree.yubei_admin, "console")}
    assert not buttons["dissolve"].enabled
    assert list(buttons["dissolve"].reasons) == [HAS_MEMBERS]
    client.force_login(tree.yubei_admin)
    body = client.get(_api(tree.grassroots)).json()
    assert body["allowed_transitions"][0]["reasons"] == [HAS_MEMBERS]


def test_a_failing_check_is_409_with_the_reasons_and_nothing_changes(client, tree):
    client.force_login(tree.yubei_admin)
    events = AuditEvent.objects.count()
    response = _post(client, _api(tree.township, "dissolve"), {"reason": "撤并"})
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "transition_refused"
    assert [d["message"] for d in error["details"]] == [HAS_CHILDREN]
    assert Org.objects.get(pk=tree.township.pk).status == OrgStatus.ACTIVE
    assert AuditEvent.objects.count() == events


def test_a_wrong_body_is_422_naming_the_field(client, tree):
    client.force_login(tree.yubei_admin)
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}):
        response = _post(client, _api(tree.grassroots, "dissolve"), body)
        assert response.status_code == 422, (body, response.content)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert any("reason" in d["loc"] for d in error["details"]), error
    assert Org.objects.get(pk=tree.grassroots.pk).status == OrgStatus.ACTIVE


def test_an_org_outside_the_scope_is_404(client, tree):
    client.force_login(tree.jiangbei_admin)
    response = _post(client, _api(tree.grassroots, "dissolve"), {"reason": "注销"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Org.objects.get(pk=tree.grassroots.pk).status == OrgStatus.ACTIVE
    page = reverse("console:orgs_org_do", args=[tree.grassroots.pk, "dissolve"])
    assert client.get(page).status_code == 404
    assert client.post(page, {"reason": "注销"}).status_code == 404


def test_an_org_closes_and_reopens_through_its_endpoints(client, tree):
    client.force_login(tree.yubei_admin)
    response = _post(client, _api(tree.grassroots, "mark_merged"), {"reason": "并入联合会"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == OrgStatus.MERGED
    assert api_transitions(body) == {"reactivate": True}
    event = AuditEvent.objects.filter(action="orgs.change_org_status").latest("pk")
    assert event.details == {"transition": "active→merged", "reason": "并入联合会"}
    response = _post(client, _api(tree.grassroots, "reactivate"))  # the reason is optional
    assert response.status_code == 200, response.content
    assert response.json()["status"] == OrgStatus.ACTIVE
    # from the wrong state: a conflict, not a server error
    response = _post(client, _api(tree.grassroots, "reactivate"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_the_viewer_is_offered_nothing_and_cannot_post(client, tree, viewer):
    client.force_login(viewer)
    assert api_transitions(client.get(_api(tree.grassroots)).json()) == {}
    response = _post(client, _api(tree.grassroots, "dissolve"), {"reason": "注销"})
    assert response.status_code == 403
    assert Org.objects.get(pk=tree.grassroots.pk).status == OrgStatus.ACTIVE


def test_each_transition_has_its_own_endpoint_and_body_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    for name in ("dissolve", "mark_merged", "reactivate"):
        operation = schema["paths"][f"/api/v1/orgs/{{org_id}}/{name}"]["post"]
        assert operation["operationId"] == f"org_{name}"
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].rsplit("/", 1)[-1] in ("CloseOrgIn", "ReactivateOrgIn")
    assert "allowed_transitions" in schema["components"]["schemas"]["OrgDetail"]["properties"]


def test_the_console_runs_an_org_transition_on_its_own_page(client, tree):
    client.force_login(tree.yubei_admin)
    page = reverse("console:orgs_org_do", args=[tree.grassroots.pk, "dissolve"])
    response = client.get(page)
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    response = client.post(page, {"reason": ""})
    assert response.status_code == 200  # required: the form again
    assert client.post(page, {"reason": "企业注销"}).status_code == 302
    assert Org.objects.get(pk=tree.grassroots.pk).status == OrgStatus.DISSOLVED
    # a disabled transition's page shows the reason and runs nothing when posted
    page = reverse("console:orgs_org_do", args=[tree.yubei.pk, "dissolve"])
    response = client.post(page, {"reason": "撤并"})
    assert response.status_code == 200 and HAS_CHILDREN in response.content.decode()
    assert Org.objects.get(pk=tree.yubei.pk).status == OrgStatus.ACTIVE


# --- founding applications -----------------------------------------------------------------


def _applications(tree) -> dict[str, FoundingApplication]:
    def make(state, **fields):
        return FoundingApplicationFactory(parent=tree.township, state=state, **fields)

    return {
        "draft": make(FoundingState.DRAFT, submitted_at=None),
        "incomplete draft": make(
            FoundingState.DRAFT, submitted_at=None, proposed_chair="", meeting_date=None
        ),
        "submitted": make(FoundingState.SUBMITTED),
        "returned": make(FoundingState.RETURNED, reason="补充会员名册"),
        "rejected": make(FoundingState.REJECTED, reason="不符合建会条件"),
    }


def test_console_and_declarations_offer_the_same_founding_transitions(client, tree, viewer):
    users = [tree.yubei_admin, tree.city_admin, tree.jiangbei_admin, viewer]
    seen = set()
    for label, application in _applications(tree).items():
        for user in users:
            client.force_login(user)
            status, console = _console(client, application)
            expected = declared(application, user, "console")
            # the API has no founding endpoints: nothing is offered there
            assert declared(application, user, "api") == {}
            if status == 404:
                assert expected == {}, (label, user)
                seen.add("out of scope")
                continue
            assert console == expected, (label, user, console, expected)
            seen.update(f"{name}:{'on' if on else 'off'}" for name, on in expected.items())
    assert {
        "submit:on",
        "submit:off",
        "approve:on",
        "return:on",
        "reject:on",
        "out of scope",
    } <= seen


def test_an_incomplete_draft_shows_submit_disabled_with_every_reason(client, tree):
    application = _applications(tree)["incomplete draft"]
    client.force_login(tree.yubei_admin)
    page = client.get(
        reverse("console:orgs_foundingapplication_change", args=[application.pk])
    ).content.decode()
    assert rendered_transitions(page) == {"submit": False}
    assert "Name the proposed chair." in page
    assert "Give the date of the founding meeting." in page


def test_approval_is_refused_when_the_employer_got_a_union_meanwhile(client, tree):
    application = FoundingApplicationFactory(parent=tree.township)
    application.employer.org = tree.grassroots  # now covered by a union
    application.employer.save()
    client.force_login(tree.yubei_admin)
    [approve] = [b for b in offers(application, tree.yubei_admin) if b.name == "approve"]
    assert not approve.enabled
    assert approve.reasons == (f"This employer already has a union: {tree.grassroots.name}.",)
    page = reverse("console:orgs_foundingapplication_do", args=[application.pk, "approve"])
    response = client.post(page, {"certificate_no": "C-1", "union_uscc": UNION_USCC})
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.state == FoundingState.SUBMITTED and application.org is None


def test_the_founding_is_approved_on_its_own_page(client, tree):
    application = FoundingApplicationFactory(parent=tree.township)
    client.force_login(tree.yubei_admin)
    page = reverse("console:orgs_foundingapplication_do", args=[application.pk, "approve"])
    form = client.get(page).content.decode()
    for field in ("certificate_no", "union_uscc", "uscc_confirmed"):
        assert f'name="{field}"' in form
    response = client.post(page, {"certificate_no": "C-77", "union_uscc": "bad"})
    assert response.status_code == 200
    assert "The unified social credit code is malformed." in response.content.decode()
    response = client.post(page, {"certificate_no": "C-77", "union_uscc": UNION_USCC})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == FoundingState.APPROVED
    assert application.org.uscc == UNION_USCC


def test_the_viewer_cannot_open_a_founding_transition(client, tree, viewer):
    application = FoundingApplicationFactory(parent=tree.township)
    client.force_login(viewer)
    page = reverse("console:orgs_foundingapplication_do", args=[application.pk, "reject"])
    assert client.get(page).status_code == 404
    assert client.post(page, {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.state == FoundingState.SUBMITTED


# --- duty lists ----------------------------------------------------------------------------


def _lists(tree) -> dict[str, DutyList]:
    def make(org, state, *, items=1, level=DutyLevel.GRASSROOTS):
        published = timezone.now() if state == DutyListState.PUBLISHED else None
        duty_list = DutyListFactory(org=org, state=state, level=level, published_at=published)
        for _ in range(items):
            DutyItemFactory(list=duty_list)
        return duty_list

    return {
        "draft": make(tree.yubei, DutyListState.DRAFT),
        "empty draft": make(tree.yubei, DutyListState.DRAFT, items=0, level=DutyLevel.DISTRICT),
        "published": make(tree.yubei, DutyListState.PUBLISHED, level=DutyLevel.INDUSTRY),
        "city draft": make(tree.city, DutyListState.DRAFT, level=DutyLevel.CITY),
    }


def test_console_and_declarations_offer_the_same_duty_list_transitions(client, tree, viewer):
    users = [tree.yubei_admin, tree.city_admin, tree.jiangbei_admin, viewer]
    seen = set()
    for label, duty_list in _lists(tree).items():
        for user in users:
            client.force_login(user)
            status, console = _console(client, duty_list)
            expected = declared(duty_list, user, "console")
            assert declared(duty_list, user, "api") == {}
            if status == 404:
                assert expected == {}, (label, user)
                seen.add("out of scope")
                continue
            assert console == expected, (label, user, console, expected)
            seen.update(f"{name}:{'on' if on else 'off'}" for name, on in expected.items())
            if not expected:
                seen.add("nothing")
    assert {"publish:on", "publish:off", "nothing", "out of scope"} <= seen


def test_an_empty_list_shows_publish_disabled_with_its_reason(client, tree):
    duty_list = _lists(tree)["empty draft"]
    client.force_login(tree.yubei_admin)
    html = client.get(reverse("console:orgs_dutylist_change", args=[duty_list.pk])).content
    assert rendered_transitions(html) == {"publish": False}
    assert "A list needs at least one duty." in html.decode()


def test_a_list_is_published_on_its_own_page_and_in_bulk_through_the_declaration(client, tree):
    lists = _lists(tree)
    client.force_login(tree.yubei_admin)
    page = reverse("console:orgs_dutylist_do", args=[lists["draft"].pk, "publish"])
    assert client.post(page).status_code == 302
    lists["draft"].refresh_from_db()
    assert lists["draft"].state == DutyListState.PUBLISHED
    # the changelist's bulk action runs the same check: the empty list is refused with it
    response = client.post(
        reverse("console:orgs_dutylist_changelist"),
        {"action": "publish_selected", "_selected_action": [lists["empty draft"].pk]},
        follow=True,
    )
    assert "A list needs at least one duty." in response.content.decode()
    lists["empty draft"].refresh_from_db()
    assert lists["empty draft"].state == DutyListState.DRAFT
