"""The declared transitions of join requests, transfers, memberships and export requests
(members/workflows.py, issue #12 §1): for a sample of users and objects in several states the
console's buttons, the API's ``allowed_transitions`` and the portal's buttons are the declared
ones and agree with each other; a failing check is a 409 with its reasons and a disabled button
with its reason written beside it; a wrong body is a 422 naming the field; out of scope is 404.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from gonghui.members.choices import (
    JoinRequestState,
    MembershipState,
    TransferInitiator,
    TransferState,
)
from gonghui.members.models import JoinRequest, Membership, Transfer
from gonghui.members.testing import (
    JoinRequestFactory,
    MembershipFactory,
    PersonFactory,
    TransferFactory,
    make_member,
)
from gonghui.members.workflows import join_request_states, membership_states, transfer_states
from gonghui.orgs.choices import OrgStatus
from gonghui.platform.imports.models import ExportRequest, ExportState
from gonghui.platform.testing.factories import ExportRequestFactory, MemberFactory, staff_with_role
from gonghui.platform.testing.workflow import api_transitions, declared, rendered_transitions
from gonghui.platform.workflow.transitions import machine_for

pytestmark = pytest.mark.django_db

CLAIM_PHONE = "13700007000"


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def _fresh(obj):
    """The object as a new request reads it (no cached findings, relations or grants)."""
    return type(obj).objects.get(pk=obj.pk)


def _fresh_user(user):
    return type(user).objects.get(pk=user.pk)


def claim_on(person, org) -> JoinRequest:
    """An application with ``person``'s ID number and another phone (an unproved claim)."""
    return JoinRequestFactory(
        org=org, name=person.name, id_number=person.id_number, phone=CLAIM_PHONE
    )


@pytest.fixture
def users(tree):
    return {
        "yubei": tree.yubei_admin,
        "jiangbei": tree.jiangbei_admin,
        "city": tree.city_admin,
        "viewer": staff_with_role(tree.yubei, "viewer"),
        "officer": staff_with_role(tree.grassroots, "membership_officer"),
    }


def agree(client, user, obj, console, api) -> dict[str, bool]:
    """The console page and the API detail of ``obj`` for ``user`` offer what is declared,
    and the same transitions on both. Returns what the console offers."""
    client.force_login(user)
    page = client.get(console)
    detail = client.get(api)
    want_console = declared(_fresh(obj), _fresh_user(user), "console")
    want_api = declared(_fresh(obj), _fresh_user(user), "api")
    if page.status_code == 404:
        assert detail.status_code == 404
        assert want_console == {} and want_api == {}, "offered outside the scope"
        return {}
    assert page.status_code == 200 and detail.status_code == 200, (page, detail.content)
    shown = rendered_transitions(page.content)
    allowed = api_transitions(detail.json())
    assert shown == want_console, (user, obj, obj.state)
    assert allowed == want_api, (user, obj, obj.state)
    both = set(shown) & set(allowed)
    assert {n: shown[n] for n in both} == {n: allowed[n] for n in both}
    return shown


# --- agreement: console == API == declared ----------------------------------------------------


def test_join_requests_console_api_and_declarations_agree(client, tree, users):
    person = PersonFactory(org=tree.grassroots, user=MemberFactory(phone="13900001111"))
    plain = JoinRequestFactory(org=tree.grassroots)
    claim = claim_on(person, tree.grassroots)
    proved = claim_on(PersonFactory(org=tree.grassroots), tree.grassroots)
    proved.identity_proof = "in_person"
    proved.save()
    approved = JoinRequestFactory(org=tree.grassroots, state=JoinRequestState.APPROVED)
    rejected = JoinRequestFactory(org=tree.grassroots, state=JoinRequestState.REJECTED)
    seen = {}
    for who, user in users.items():
        for what, r in {
            "plain": plain,
            "claim": claim,
            "proved": proved,
            "approved": approved,
            "rejected": rejected,
        }.items():
            seen[who, what] = agree(
                client,
                user,
                r,
                reverse("console:members_joinrequest_change", args=[r.pk]),
                f"/api/v1/join-requests/{r.pk}",
            )
    # What the sample shows, spelled out.
    assert seen["yubei", "plain"] == {"approve": True, "check_identity": False, "reject": True}
    assert seen["officer", "claim"] == {
        "approve": False,
        "check_identity": True,
        "reject": True,
    }
    assert seen["city", "proved"] == {"approve": True, "check_identity": False, "reject": True}
    assert seen["yubei", "approved"] == {} and seen["city", "rejected"] == {}
    assert seen["viewer", "plain"] == {}  # may read, may not decide: no buttons at all
    assert seen["jiangbei", "plain"] == {}  # outside: 404 on both faces


def test_transfers_console_api_and_declarations_agree(client, tree, users, settings):
    settings.GONGHUI_TRANSFER_SENDER_APPROVAL = True
    receiving = TransferFactory(
        membership=MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRING),
        to_org=tree.jb_grassroots,
    )
    sending = TransferFactory(
        membership=MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRING),
        to_org=tree.jb_grassroots,
        state=TransferState.PENDING_SENDER,
        initiated_by=TransferInitiator.RECEIVER,
    )
    approved = TransferFactory(
        membership=MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRED),
        to_org=tree.jb_grassroots,
        state=TransferState.APPROVED,
    )
    seen = {}
    for who, user in users.items():
        for what, t in {"receiving": receiving, "sending": sending, "approved": approved}.items():
            seen[who, what] = agree(
                client,
                user,
                t,
                reverse("console:members_transfer_change", args=[t.pk]),
                f"/api/v1/transfers/{t.pk}",
            )
    # Each side sees its own step only; either side refuses or withdraws.
    assert seen["yubei", "sending"] == {"approve_sending": True, "reject": True, "cancel": True}
    assert seen["jiangbei", "sending"] == {"reject": True, "cancel": True}
    assert seen["yubei", "receiving"] == {"reject": True, "cancel": True}
    assert seen["jiangbei", "receiving"] == {
        "approve_receiving": True,
        "reject": True,
        "cancel": True,
    }
    assert seen["city", "approved"] == {} and seen["viewer", "receiving"] == {}


def test_memberships_console_api_and_declarations_agree(client, tree, users):
    states = {
        "active": make_member(tree.grassroots),
        "retained": MembershipFactory(org=tree.grassroots, state=MembershipState.RETAINED),
        "lapsed": MembershipFactory(org=tree.grassroots, state=MembershipState.LAPSED),
        "withdrawn": MembershipFactory(org=tree.grassroots, state=MembershipState.WITHDRAWN),
        "transferring": MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRING),
    }
    seen = {}
    for who, user in users.items():
        for what, m in states.items():
            seen[who, what] = agree(
                client,
                user,
                m,
                reverse("console:members_membership_change", args=[m.pk]),
                f"/api/v1/members/{m.pk}",
            )
    assert seen["yubei", "active"] == {
        "transfer": True,
        "retain": True,
        "withdraw": True,
        "lapse": True,
        "expel": True,
    }
    assert seen["officer", "lapsed"] == {"reinstate": True, "expel": True}
    assert seen["city", "transferring"] == {} and seen["yubei", "withdrawn"] == {}
    assert seen["viewer", "active"] == {} and seen["jiangbei", "active"] == {}


# --- the portal face ----------------------------------------------------------------------------


def test_the_claim_page_offers_the_person_on_file_what_is_declared(client, tree):
    account = MemberFactory(phone="13900002222")
    person = PersonFactory(org=tree.grassroots, user=account)
    claim = claim_on(person, tree.grassroots)
    client.force_login(account)
    page = client.get(f"/m/join-claims/{claim.pk}/")
    assert page.status_code == 200
    want = declared(_fresh(claim), account, "portal")
    assert want == {"confirm_claim": True, "disown_claim": True}
    assert rendered_transitions(page.content) == want
    html = page.content.decode()
    assert "Yes, it was me" in html and "No, it was not me" in html
    assert f'action="/m/join-claims/{claim.pk}/confirm_claim/"' in html
    # The same buttons on her home page, and none on the console or the API.
    home = client.get("/m/").content.decode()
    assert rendered_transitions(home) == want
    assert declared(_fresh(claim), tree.yubei_admin, "portal") == {}

    # Anyone else: no page, no buttons, nothing runs.
    stranger = MemberFactory(phone=CLAIM_PHONE)  # even the claimant's own phone
    client.force_login(stranger)
    assert client.get(f"/m/join-claims/{claim.pk}/").status_code == 404
    assert client.post(f"/m/join-claims/{claim.pk}/disown_claim/").status_code == 404
    assert declared(_fresh(claim), stranger, "portal") == {}

    client.force_login(account)
    # The old form's answer=mine|not_mine is gone: each answer is its own declared transition.
    assert client.post(f"/m/join-claims/{claim.pk}/", {"answer": "mine"}).status_code == 405
    assert client.post(f"/m/join-claims/{claim.pk}/approve/").status_code == 404  # not hers
    response = client.post(f"/m/join-claims/{claim.pk}/confirm_claim/")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == JoinRequestState.PENDING and claim.identity_proof == "phone_on_file"
    assert client.get(f"/m/join-claims/{claim.pk}/").status_code == 404  # answered
    assert "The union can now approve the application" in client.get("/m/").content.decode()


def test_the_member_withdraws_her_own_transfer_from_the_declared_button(client, tree):
    account = MemberFactory(phone="13900003333")
    membership = MembershipFactory(
        org=tree.grassroots,
        person=PersonFactory(org=tree.grassroots, user=account),
        state=MembershipState.TRANSFERRING,
    )
    transfer = TransferFactory(membership=membership, to_org=tree.jb_grassroots)
    client.force_login(account)
    home = client.get("/m/").content.decode()
    want = declared(Transfer.objects.get(pk=transfer.pk), account, "portal")
    assert want == {"cancel": True} and rendered_transitions(home) == want
    assert f'action="/m/transfer/{transfer.pk}/cancel/"' in home
    assert client.post(f"/m/transfer/{transfer.pk}/reject/").status_code == 404
    assert client.post(f"/m/transfer/{transfer.pk}/cancel/").status_code == 302
    assert Transfer.objects.get().state == TransferState.CANCELLED
    assert Membership.objects.get(pk=membership.pk).state == MembershipState.ACTIVE


# --- refusals: 409 with reasons, 422 naming the field, 404 outside ------------------------------


def test_approving_an_unproved_claim_is_409_with_the_reason_and_a_disabled_button(client, tree):
    person = PersonFactory(org=tree.grassroots)
    claim = claim_on(person, tree.grassroots)
    client.force_login(tree.yubei_admin)
    response = _post(client, f"/api/v1/join-requests/{claim.pk}/approve")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "transition_refused"
    assert "this phone is not the one on file" in error["details"][0]["message"]
    assert JoinRequest.objects.get(pk=claim.pk).state == JoinRequestState.PENDING

    # The console shows 同意入会 disabled, the reason written beside it, not as a tooltip.
    html = client.get(reverse("console:members_joinrequest_change", args=[claim.pk])).content
    html = html.decode()
    assert rendered_transitions(html)["approve"] is False
    block = html.split('data-transition="approve"', 1)[1].split("</div>", 1)[0]
    assert 'data-disabled="1"' in html and "this phone is not the one on file" in block
    # Its page shows the reason and runs nothing.
    url = reverse("console:members_joinrequest_do", args=[claim.pk, "approve"])
    page = client.post(url)
    assert page.status_code == 200 and "this phone is not the one on file" in page.content.decode()
    assert JoinRequest.objects.get(pk=claim.pk).state == JoinRequestState.PENDING

    # The in-person check proves it: then 同意入会 runs.
    url = f"/api/v1/join-requests/{claim.pk}/check_identity"
    error = _post(client, url, {}).json()["error"]
    assert error["code"] == "validation_error" and ["body", "payload", "note"] in [
        d["loc"] for d in error["details"]
    ]
    response = _post(client, url, {"note": "核对身份证原件"})
    assert response.status_code == 200, response.content
    assert api_transitions(response.json()) == {
        "approve": True,
        "check_identity": False,
        "reject": True,
    }
    response = _post(client, f"/api/v1/join-requests/{claim.pk}/approve")
    assert response.status_code == 200 and response.json()["state"] == "approved"


def test_an_identity_check_nobody_needs_is_refused_with_its_reason(client, tree):
    plain = JoinRequestFactory(org=tree.grassroots)
    client.force_login(tree.yubei_admin)
    response = _post(
        client, f"/api/v1/join-requests/{plain.pk}/identity-check", {"note": "看过身份证"}
    )
    assert response.status_code == 409
    assert "needs an in-person check" in response.json()["error"]["message"]
    html = client.get(reverse("console:members_joinrequest_change", args=[plain.pk]))
    assert "needs an in-person check" in html.content.decode()


def test_a_wrong_body_is_422_naming_the_field(client, tree):
    r = JoinRequestFactory(org=tree.grassroots)
    m = make_member(tree.grassroots)
    client.force_login(tree.yubei_admin)
    for url, field in (
        (f"/api/v1/join-requests/{r.pk}/reject", "reason"),
        (f"/api/v1/members/{m.pk}/expel", "reason"),
        (f"/api/v1/members/{m.pk}/transfer", "to_org"),
    ):
        response = _post(client, url, {})
        assert response.status_code == 422, url
        error = response.json()["error"]
        assert any(d["loc"][-1] == field for d in error["details"]), error
    response = _post(client, f"/api/v1/join-requests/{r.pk}/reject", {"reason": "x" * 301})
    assert response.status_code == 422
    assert JoinRequest.objects.get(pk=r.pk).state == JoinRequestState.PENDING


def test_out_of_scope_is_404_on_every_transition(client, tree):
    r = JoinRequestFactory(org=tree.grassroots)
    m = make_member(tree.grassroots)
    t = TransferFactory(
        membership=MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRING),
        to_org=tree.grassroots,
    )
    outsider = tree.jiangbei_admin
    client.force_login(outsider)
    cases = [
        (join_request_states, r, "join-requests", "members_joinrequest_do"),
        (membership_states, m, "members", "members_membership_do"),
        (transfer_states, t, "transfers", "members_transfer_do"),
    ]
    for machine, obj, api, console in cases:
        for name, transition in machine.transitions.items():
            if "api" in transition.faces:
                body = {"reason": "x", "note": "x", "to_org": "x"}  # valid: scope comes first
                response = _post(client, f"/api/v1/{api}/{obj.pk}/{name}", body)
                assert response.status_code == 404, (api, name, response.content)
            if "console" in transition.faces:
                url = reverse(f"console:{console}", args=[obj.pk, name])
                assert client.get(url).status_code == 404, (console, name)
    assert JoinRequest.objects.get(pk=r.pk).state == JoinRequestState.PENDING
    assert Membership.objects.get(pk=m.pk).state == MembershipState.ACTIVE
    assert Transfer.objects.get(pk=t.pk).state == TransferState.PENDING_RECEIVER


# --- checks a user sees beforehand -----------------------------------------------------------


def test_accepting_a_member_into_a_union_that_stopped_is_disabled_with_the_reason(client, tree):
    t = TransferFactory(
        membership=MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRING),
        to_org=tree.jb_grassroots,
    )
    tree.jb_grassroots.status = OrgStatus.DISSOLVED
    tree.jb_grassroots.save()
    offered = {o.name: o for o in transfer_states.offered(_fresh(t), tree.city_admin, "api")}
    assert not offered["approve_receiving"].enabled
    assert offered["approve_receiving"].reasons == ("The receiving union is not active.",)
    client.force_login(tree.city_admin)
    response = _post(client, f"/api/v1/transfers/{t.pk}/approve_receiving")
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["message"] == "The receiving union is not active."


def test_reinstating_someone_who_is_a_member_elsewhere_is_disabled(client, tree):
    lapsed = MembershipFactory(org=tree.grassroots, state=MembershipState.LAPSED)
    MembershipFactory(org=tree.jb_grassroots, person=lapsed.person)
    client.force_login(tree.yubei_admin)
    html = client.get(reverse("console:members_membership_change", args=[lapsed.pk]))
    html = html.content.decode()
    assert rendered_transitions(html) == {"reinstate": False, "expel": True}
    assert "already a member of another union" in html
    response = _post(client, f"/api/v1/members/{lapsed.pk}/reinstate")
    assert response.status_code == 409


def test_the_membership_transfer_page_asks_for_the_declared_fields(client, tree):
    m = make_member(tree.grassroots)
    client.force_login(tree.yubei_admin)
    page = client.get(reverse("console:members_membership_do", args=[m.pk, "transfer"]))
    form = page.context["form"]
    assert set(form.fields) == {"to_org", "employer_name", "reason"}
    assert form.fields["to_org"].required
    # the receiving union is searched for, never listed (100k orgs: test_transfer_target.py)
    assert reverse("console:members_membership_transfer_targets") in page.content.decode()


# --- export requests (maker-checker, declared in platform/imports/workflows.py) -------------


def test_export_requests_are_decided_on_the_declared_pages(client, tree):
    maker = staff_with_role(tree.yubei, "membership_officer")
    checker = staff_with_role(tree.yubei, "membership_officer")
    request = ExportRequestFactory(org=tree.yubei, requested_by=maker)
    detail = reverse("console:imports_exportrequest_change", args=[request.pk])

    client.force_login(maker)
    html = client.get(detail).content.decode()
    want = declared(_fresh(request), maker, "console")
    assert want == {"approve": False, "reject": False} and rendered_transitions(html) == want
    assert "Another person must decide on your own export request." in html
    approve = reverse("console:imports_exportrequest_do", args=[request.pk, "approve"])
    client.post(approve)
    assert ExportRequest.objects.get().state == ExportState.PENDING

    client.force_login(tree.jiangbei_admin)  # an approver elsewhere
    assert client.get(detail).status_code == 404 and client.get(approve).status_code == 404

    client.force_login(checker)
    html = client.get(detail).content.decode()
    assert rendered_transitions(html) == {"approve": True, "reject": True}
    reject = reverse("console:imports_exportrequest_do", args=[request.pk, "reject"])
    assert client.post(reject, {"reason": ""}).status_code == 200  # a reason is required
    response = client.post(approve, {"reason": ""})
    assert response.status_code == 302 and response.url == detail
    request.refresh_from_db()
    assert request.state == ExportState.APPROVED and request.decided_by == checker
    assert rendered_transitions(client.get(detail).content) == {}


def test_members_models_all_declare_their_transitions():
    for model in (JoinRequest, Transfer, Membership, ExportRequest):
        assert machine_for(model) is not None, model


def test_in_scope_without_the_step_is_403_before_any_reason(client, tree):
    """A reader may see the application but not decide it; the sending union sees the
    transfer but not the receiving union's step: 403, and no check's reasons are told."""
    claim = claim_on(PersonFactory(org=tree.grassroots), tree.grassroots)
    client.force_login(staff_with_role(tree.yubei, "viewer"))
    response = _post(client, f"/api/v1/join-requests/{claim.pk}/approve")
    assert response.status_code == 403
    assert "phone" not in response.json()["error"]["message"]
    t = TransferFactory(
        membership=MembershipFactory(org=tree.grassroots, state=MembershipState.TRANSFERRING),
        to_org=tree.jb_grassroots,
    )
    client.force_login(tree.yubei_admin)
    assert _post(client, f"/api/v1/transfers/{t.pk}/approve_receiving").status_code == 403
    assert Transfer.objects.get(pk=t.pk).state == TransferState.PENDING_RECEIVER
