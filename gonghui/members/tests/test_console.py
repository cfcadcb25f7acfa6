"""The console pages for members: lists, search, detail with reveal, state changes, the join
review queue, transfers and QR channels."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.members import actions
from gonghui.members.choices import JoinRequestState, MembershipState, TransferState
from gonghui.members.models import JoinChannel, JoinRequest, Membership, Transfer
from gonghui.members.tests.test_search import join_request, make_id, make_phone, member
from gonghui.orgs.choices import OrgKind
from gonghui.platform.pii.masking import mask_id_detail, mask_id_list, mask_phone
from gonghui.platform.testing.factories import make_org
from gonghui.platform.testing.scope import ScopeCase, check_scope
from gonghui.platform.testing.workflow import rendered_transitions

pytestmark = pytest.mark.django_db

MEMBERS = "console:members_membership_changelist"


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- scope -------------------------------------------------------------------------------------


def test_membership_scope_on_every_face(client, tree):
    m = member(tree)
    check_scope(
        client,
        ScopeCase(
            obj=m,
            insider=tree.yubei_admin,
            outsider=tree.jiangbei_admin,
            console_list=MEMBERS,
            console_detail="console:members_membership_change",
            api_list="/api/v1/members/",
            api_detail=f"/api/v1/members/{m.pk}",
            label=m.card_no,
        ),
    )


def test_person_join_request_transfer_and_channel_details_are_404_outside(client, tree):
    m = member(tree)
    request = join_request(tree, 2)
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")
    client.force_login(tree.jiangbei_admin)
    for name, pk in (
        ("person", m.person.pk),
        ("joinrequest", request.pk),
        ("joinchannel", channel.pk),
    ):
        response = client.get(reverse(f"console:members_{name}_change", args=[pk]))
        assert response.status_code == 404, name
    for name in ("approve", "reject", "check_identity"):
        url = reverse("console:members_joinrequest_do", args=[request.pk, name])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x", "note": "x"}).status_code == 404
    assert JoinRequest.objects.get().state == JoinRequestState.PENDING
    url = reverse("console:members_membership_do", args=[m.pk, "expel"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert Membership.objects.get(pk=m.pk).state == MembershipState.ACTIVE


# --- the member list -------------------------------------------------------------------------


def test_member_list_shows_masked_values_only(client, tree):
    m = member(tree, 1, "张三丰")
    client.force_login(tree.yubei_admin)
    html = _html(client.get(reverse(MEMBERS)))
    assert "张**" in html
    assert mask_id_list(make_id(1)) in html
    assert mask_phone(make_phone(1)) in html
    assert m.card_no in html
    assert make_id(1) not in html
    assert make_phone(1) not in html
    assert "张三丰" not in html


@pytest.mark.parametrize("text", ["zhang", "zs", "张", "ID", "PHONE", "CARD"])
def test_member_list_search(client, tree, text):
    wanted = member(tree, 1, "张三")
    member(tree, 2, "李四")
    text = {"ID": make_id(1), "PHONE": make_phone(1), "CARD": wanted.card_no}.get(text, text)
    client.force_login(tree.yubei_admin)
    response = client.get(reverse(MEMBERS), {"q": text})
    assert list(response.context["cl"].result_list) == [wanted]


def test_member_list_filters(client, tree):
    old = member(tree, 1, "张三", joined_on=timezone.localdate() - timedelta(days=400))
    rider = member(tree, 2, "李四", employment_form="food_delivery", is_migrant=True)
    jb = member(tree, 3, "王五", org=tree.jb_grassroots, actor=tree.city_admin)
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=old, transition="retain", reason=""
    )
    client.force_login(tree.city_admin)
    url = reverse(MEMBERS)

    def found(**params):
        return set(client.get(url, params).context["cl"].result_list)

    assert found() == {old, rider, jb}
    assert found(state="retained") == {old}
    assert found(employment_form__exact="food_delivery") == {rider}
    assert found(is_migrant__exact="1") == {rider}
    assert found(subtree=str(tree.jiangbei.pk)) == {jb}
    assert found(subtree=str(tree.yubei.pk)) == {old, rider}
    this_year = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert found(joined_on_from=this_year) == {rider, jb}


def test_subtree_filter_outside_scope_shows_nothing(client, tree):
    member(tree)
    client.force_login(tree.yubei_admin)
    response = client.get(reverse(MEMBERS), {"subtree": str(tree.jiangbei.pk)})
    assert list(response.context["cl"].result_list) == []


def test_lapsing_filter_lists_flagged_members_first(client, tree):
    a = member(tree, 1, joined_on=timezone.localdate() - timedelta(days=10))
    b = member(tree, 2, joined_on=timezone.localdate() - timedelta(days=5))
    Membership.objects.filter(pk=a.pk).update(lapse_flagged_at=timezone.now())
    client.force_login(tree.yubei_admin)
    url = reverse(MEMBERS)
    assert list(client.get(url).context["cl"].result_list) == [b, a]
    assert list(client.get(url, {"lapsing": "first"}).context["cl"].result_list) == [a, b]
    assert list(client.get(url, {"lapsing": "only"}).context["cl"].result_list) == [a]


def test_member_list_query_count_with_50_members(client, tree, django_assert_max_num_queries):
    for n in range(50):
        member(tree, n + 1, "张三")
    client.force_login(tree.yubei_admin)
    url = reverse(MEMBERS)
    client.get(url)  # warm up per-process caches
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 50


def test_member_list_does_not_count_the_whole_table(client, tree):
    member(tree)
    client.force_login(tree.yubei_admin)
    response = client.get(reverse(MEMBERS))
    cl = response.context["cl"]
    assert cl.show_full_result_count is False
    assert cl.paginator.cap == 10_000 and not cl.paginator.capped


# --- detail, reveal, state changes, transfer ---------------------------------------------------


def test_member_detail_shows_reveal_panel_and_history(client, tree):
    m = member(tree, 1, "张三")
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=m, transition="withdraw", reason="本人申请"
    )
    current = member(tree, 1, "张三", org=tree.township)
    client.force_login(tree.yubei_admin)
    html = _html(client.get(reverse("console:members_membership_change", args=[current.pk])))
    assert mask_id_detail(make_id(1)) in html
    assert make_id(1) not in html and make_phone(1) not in html
    assert 'id="pii-reveal"' in html and "members.person" in html
    assert 'id="membership-history"' in html
    assert "本人申请" in html and m.card_no in html and current.card_no in html
    # The state and transfer buttons are the declared ones (members/workflows.py).
    assert rendered_transitions(html) == {
        "transfer": True,
        "retain": True,
        "withdraw": True,
        "lapse": True,
        "expel": True,
    }


def test_reveal_from_member_detail_is_audited(client, tree):
    from gonghui.platform.audit.models import AuditEvent

    m = member(tree)
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse("console-reveal"),
        {
            "label": "members.person",
            "pk": m.person.pk,
            "field": "id_number",
            "reveal_purpose_id_number": "核对身份",
        },
    )
    assert make_id(1) in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.reveal").exists()


def test_state_change_needs_a_reason_to_end(client, tree):
    m = member(tree)
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_membership_do", args=[m.pk, "withdraw"])
    assert 'name="reason"' in _html(client.get(url))
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert Membership.objects.get(pk=m.pk).state == MembershipState.ACTIVE
    response = client.post(url, {"reason": "本人申请"}, follow=True)
    assert Membership.objects.get(pk=m.pk).state == MembershipState.WITHDRAWN
    assert "The membership state was changed." in _messages(response)


@pytest.mark.parametrize(
    ("steps", "final"),
    [
        (["retain"], MembershipState.RETAINED),
        (["lapse", "reinstate"], MembershipState.ACTIVE),
        (["lapse", "expel"], MembershipState.EXPELLED),
    ],
)
def test_state_transitions_from_the_console(client, tree, steps, final):
    m = member(tree)
    client.force_login(tree.yubei_admin)
    for step in steps:
        url = reverse("console:members_membership_do", args=[m.pk, step])
        assert client.post(url, {"reason": "理由"}).status_code == 302
    assert Membership.objects.get(pk=m.pk).state == final


def test_a_transition_not_offered_from_this_state_has_no_page(client, tree):
    m = member(tree)
    client.force_login(tree.yubei_admin)
    for name in ("reinstate", "complete_transfer", "stay", "fly"):
        url = reverse("console:members_membership_do", args=[m.pk, name])
        assert client.post(url, {"reason": "x"}).status_code == 404
        assert client.get(url).status_code == 404
    assert Membership.objects.get(pk=m.pk).state == MembershipState.ACTIVE


def test_request_transfer_from_the_detail_page(client, tree):
    m = member(tree)
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_membership_do", args=[m.pk, "transfer"])
    # The picker posts the union's number; an org that is no union of members is refused.
    response = client.post(url, {"to_org": tree.jiangbei.pk})
    assert response.status_code == 200 and Transfer.objects.count() == 0
    assert "Choose an active union that holds members." in _html(response)
    response = client.post(url, {"to_org": tree.jb_grassroots.pk, "employer_name": "新公司"})
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.initiated_by == "sender" and transfer.to_org == tree.jb_grassroots
    assert Membership.objects.get(pk=m.pk).state == MembershipState.TRANSFERRING


def test_add_member_through_the_add_form(client, tree):
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_membership_add")
    assert client.get(url).status_code == 200
    data = {
        "org": tree.grassroots.pk,
        "name": "赵六",
        "id_number": make_id(7),
        "phone": make_phone(7),
        "employment_form": "courier",
        "employer_name": "快递公司",
        "joined_on": "",
        "_save": "Save",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    m = Membership.objects.get()
    assert m.person.name == "赵六" and m.employment_form == "courier" and m.card_no
    # the same person again: the action refuses, the form shows it
    response = client.post(url, data)
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert Membership.objects.count() == 1


def test_add_form_offers_only_member_unions_in_scope(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.get(reverse("console:members_membership_add"))
    orgs = set(response.context["adminform"].form.fields["org"].queryset)
    assert tree.grassroots in orgs and tree.township in orgs
    assert tree.jb_grassroots not in orgs and tree.yubei not in orgs


# --- people ------------------------------------------------------------------------------------


def test_people_list_and_detail(client, tree):
    m = member(tree, 1, "张三")
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_person_changelist")
    response = client.get(url, {"q": "zs"})
    assert list(response.context["cl"].result_list) == [m.person]
    html = _html(response)
    assert make_id(1) not in html and make_phone(1) not in html
    html = _html(client.get(reverse("console:members_person_change", args=[m.person.pk])))
    assert "张三" in html and m.card_no in html and 'id="pii-reveal"' in html
    assert make_id(1) not in html


# --- the join review queue ---------------------------------------------------------------------

QUEUE = "console:members_joinrequest_changelist"


def test_queue_shows_pending_by_default(client, tree):
    pending = join_request(tree, 1)
    rejected = join_request(tree, 2)
    actions.reject_join_request(actor=tree.yubei_admin, request=rejected, reason="资料不全")
    client.force_login(tree.yubei_admin)
    assert list(client.get(reverse(QUEUE)).context["cl"].result_list) == [pending]
    everything = client.get(reverse(QUEUE), {"state": "all"}).context["cl"].result_list
    assert set(everything) == {pending, rejected}
    html = _html(client.get(reverse(QUEUE)))
    assert make_id(1) not in html and mask_id_list(make_id(1)) in html


def test_queue_overdue_badge_and_age_filter(client, tree, settings):
    settings.GONGHUI_JOIN_REVIEW_WORKING_DAYS = 15
    old = join_request(tree, 1)
    fresh = join_request(tree, 2)
    JoinRequest.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    client.force_login(tree.yubei_admin)
    response = client.get(reverse(QUEUE), {"age": "overdue"})
    assert list(response.context["cl"].result_list) == [old]
    assert "Overdue" in _html(response)
    response = client.get(reverse(QUEUE), {"age": "5"})
    assert list(response.context["cl"].result_list) == [old]
    assert set(client.get(reverse(QUEUE)).context["cl"].result_list) == {old, fresh}


def test_approve_from_the_queue(client, tree):
    request = join_request(tree, 1)
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_joinrequest_do", args=[request.pk, "approve"])
    assert "Admit as a member" in _html(client.get(url))  # a confirmation page first
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse(QUEUE)
    request.refresh_from_db()
    assert request.state == JoinRequestState.APPROVED and request.membership.card_no


def test_reject_needs_a_reason(client, tree):
    request = join_request(tree, 1)
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_joinrequest_do", args=[request.pk, "reject"])
    assert 'name="reason"' in _html(client.get(url))
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert JoinRequest.objects.get().state == JoinRequestState.PENDING
    assert client.post(url, {"reason": "不在本单位工作"}).status_code == 302
    request.refresh_from_db()
    assert request.state == JoinRequestState.REJECTED and request.reason == "不在本单位工作"


def test_batch_approve_reports_approved_and_failed(client, tree):
    first = join_request(tree, 1)
    second = join_request(tree, 2)
    member(tree, 2, "李四", org=tree.township)  # the second applicant became a member meanwhile
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse(QUEUE),
        {"action": "approve_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    text = " ".join(_messages(response))
    assert "1 applications approved." in text
    assert "1 applications could not be approved" in text
    assert JoinRequest.objects.get(pk=first.pk).state == JoinRequestState.APPROVED
    assert JoinRequest.objects.get(pk=second.pk).state == JoinRequestState.PENDING


# --- transfers ---------------------------------------------------------------------------------


@pytest.fixture
def transfer(tree):
    m = member(tree)
    return actions.request_transfer(
        actor=tree.yubei_admin, membership=m, to_org=tree.jb_grassroots, initiated_by="sender"
    )


def test_both_sides_see_the_transfer_only_receiver_approves(client, tree, transfer):
    url = reverse("console:members_transfer_changelist")
    detail = reverse("console:members_transfer_change", args=[transfer.pk])
    approve = reverse("console:members_transfer_do", args=[transfer.pk, "approve_receiving"])
    client.force_login(tree.yubei_admin)
    assert detail in _html(client.get(url))
    html = _html(client.get(detail))
    assert approve not in html  # the sender cannot complete it
    assert rendered_transitions(html) == {"reject": True, "cancel": True}
    assert client.post(approve).status_code == 404
    assert Transfer.objects.get().state == TransferState.PENDING_RECEIVER

    client.force_login(tree.jiangbei_admin)
    assert approve in _html(client.get(detail))
    assert client.post(approve).status_code == 302
    assert Transfer.objects.get().state == TransferState.APPROVED
    assert Membership.objects.get(org=tree.jb_grassroots).state == MembershipState.ACTIVE


def test_transfer_outsider_gets_404(client, tree, transfer):
    other = make_org(tree.city, name="沙坪坝区总工会")
    from gonghui.platform.testing.factories import staff_with_role

    client.force_login(staff_with_role(other, "org_admin"))
    assert (
        client.get(reverse("console:members_transfer_change", args=[transfer.pk])).status_code
        == 404
    )


def test_sender_first_transfer_is_approved_by_the_sender_then_the_receiver(client, tree, settings):
    settings.GONGHUI_TRANSFER_SENDER_APPROVAL = True
    m = member(tree)
    t = actions.request_transfer(
        actor=tree.jiangbei_admin, membership=m, to_org=tree.jb_grassroots, initiated_by="receiver"
    )
    assert t.state == TransferState.PENDING_SENDER
    sending = reverse("console:members_transfer_do", args=[t.pk, "approve_sending"])
    receiving = reverse("console:members_transfer_do", args=[t.pk, "approve_receiving"])
    client.force_login(tree.jiangbei_admin)
    assert client.post(sending).status_code == 404  # the sending union's step
    assert client.post(receiving).status_code == 404  # not yet
    assert Transfer.objects.get().state == TransferState.PENDING_SENDER
    client.force_login(tree.yubei_admin)
    assert client.post(sending).status_code == 302
    assert Transfer.objects.get().state == TransferState.PENDING_RECEIVER
    client.force_login(tree.jiangbei_admin)
    assert client.post(receiving).status_code == 302
    assert Transfer.objects.get().state == TransferState.APPROVED


def test_reject_transfer_with_reason(client, tree, transfer):
    url = reverse("console:members_transfer_do", args=[transfer.pk, "reject"])
    client.force_login(tree.jiangbei_admin)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert client.post(url, {"reason": "不接收"}).status_code == 302
    assert Transfer.objects.get().state == TransferState.REJECTED
    assert Membership.objects.get().state == MembershipState.ACTIVE


# --- QR join channels --------------------------------------------------------------------------


def test_create_and_revoke_a_join_channel(client, tree):
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse("console:members_joinchannel_add"),
        {"org": tree.grassroots.pk, "label": "食堂海报", "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = JoinChannel.objects.get()
    assert channel.label == "食堂海报" and channel.created_by == tree.yubei_admin
    html = _html(client.get(reverse("console:members_joinchannel_changelist")))
    assert "食堂海报" in html
    client.post(
        reverse("console:members_joinchannel_changelist"),
        {"action": "revoke_selected", "_selected_action": [channel.pk]},
    )
    channel.refresh_from_db()
    assert channel.revoked_at is not None


def test_channel_list_links_the_poster(client, tree):
    from django.urls import NoReverseMatch

    channel = actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")
    client.force_login(tree.yubei_admin)
    html = _html(client.get(reverse("console:members_joinchannel_changelist")))
    try:
        poster = reverse("console-join-poster", args=[channel.pk])
    except NoReverseMatch:
        return
    assert poster in html


def test_join_requests_from_a_holding_pool_channel(client, tree):
    pool = make_org(tree.yubei, OrgKind.HOLDING_POOL, name="渝北区周转库")
    channel = actions.create_join_channel(actor=tree.yubei_admin, org=pool, label="海报")
    join_request(tree, 1, org=pool, channel=channel)
    client.force_login(tree.yubei_admin)
    response = client.get(reverse(QUEUE), {"subtree": str(pool.pk)})
    assert len(response.context["cl"].result_list) == 1


def test_members_list_requires_a_console_user(client, tree):
    from gonghui.platform.testing.factories import MemberFactory

    client.force_login(MemberFactory())
    assert client.get(reverse(MEMBERS)).status_code == 302


def test_queue_and_transfer_lists_are_n_plus_1_safe(client, tree, django_assert_max_num_queries):
    for n in range(1, 21):
        join_request(tree, n)
    for n in range(21, 31):
        actions.request_transfer(
            actor=tree.yubei_admin,
            membership=member(tree, n),
            to_org=tree.jb_grassroots,
            initiated_by="sender",
        )
    client.force_login(tree.yubei_admin)
    for name in ("joinrequest", "transfer", "person", "joinchannel"):
        url = reverse(f"console:members_{name}_changelist")
        client.get(url)
        # 13: the join queue's due dates read the holiday calendar's freshness once a request
        with django_assert_max_num_queries(13):
            assert client.get(url).status_code == 200


def test_batch_approve_counts_decided_applications_as_failed(client, tree):
    decided = join_request(tree, 1)
    actions.reject_join_request(actor=tree.yubei_admin, request=decided, reason="资料不全")
    pending = join_request(tree, 2)
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse(QUEUE) + "?state=all",
        {"action": "approve_selected", "_selected_action": [decided.pk, pending.pk]},
        follow=True,
    )
    text = " ".join(_messages(response))
    assert "1 applications approved." in text and "already been decided" in text
    assert JoinRequest.objects.get(pk=decided.pk).state == JoinRequestState.REJECTED


@pytest.mark.chinese
def test_pages_render_in_chinese(client, tree):
    m = member(tree)
    request = join_request(tree, 2)
    client.force_login(tree.yubei_admin)
    for url in (
        reverse(MEMBERS),
        reverse("console:members_membership_change", args=[m.pk]),
        reverse(QUEUE),
        reverse("console:members_joinrequest_change", args=[request.pk]),
        reverse("console:members_joinrequest_do", args=[request.pk, "reject"]),
        reverse("console:members_membership_do", args=[m.pk, "transfer"]),
        reverse("console:members_transfer_changelist"),
        reverse("console:members_joinchannel_changelist"),
        reverse("console:members_person_changelist"),
    ):
        assert client.get(url).status_code == 200, url
