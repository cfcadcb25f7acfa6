"""Bulk actions of the member list (issue #14): export the selected members through the one
audited export path, and flag members for review with a reason (shown on the member's page
and as a list filter) or clear the flag, only on members the user may change."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gonghui.members import actions
from gonghui.members.models import Membership
from gonghui.members.testing import make_member
from gonghui.orgs.choices import OrgKind
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import grant, make_org, staff_with_role
from gonghui.platform.workflow.base import ActionError, OutOfScope

pytestmark = pytest.mark.django_db

LIST = "console:members_membership_changelist"
CARD_COLUMN = 10  # 会员卡号 in roster.EXPORT_HEADERS


@pytest.fixture
def members(tree):
    return [make_member(tree.grassroots, name=n) for n in ("张三", "李四", "王五")]


def _act(client, action, selected, **extra):
    data = {"action": action, "_selected_action": [m.pk for m in selected], **extra}
    return client.post(reverse(LIST), data)


def _fresh(m) -> Membership:
    return Membership.objects.get(pk=m.pk)


# --- export selected -------------------------------------------------------------------------


def test_export_selected_downloads_only_the_chosen_members_and_is_audited(client, tree, members):
    client.force_login(tree.yubei_admin)
    response = _act(client, "export_selected", members[:2], index=0)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:members_export"))
    download = client.get(response["Location"])
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    cards = {row[CARD_COLUMN] for row in list(sheet.values)[1:]}
    assert cards == {members[0].card_no, members[1].card_no}
    event = AuditEvent.objects.get(action="members.export")
    assert event.actor == tree.yubei_admin and event.details["rows"] == 2


def test_export_selected_never_exports_a_member_outside_the_scope(client, tree, members):
    elsewhere = make_member(tree.jb_grassroots, name="赵六")
    client.force_login(tree.yubei_admin)
    url = reverse("console:members_export") + f"?ids={members[0].pk},{elsewhere.pk}"
    download = client.get(url)
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert {row[CARD_COLUMN] for row in list(sheet.values)[1:]} == {members[0].card_no}


def test_export_selected_is_offered_only_to_who_may_export(client, tree, members):
    client.force_login(staff_with_role(tree.yubei, "viewer"))
    html = client.get(reverse(LIST)).content.decode()
    assert "export_selected" not in html and "flag_selected_for_review" not in html


# --- flag for review -------------------------------------------------------------------------


def test_flagging_asks_for_a_reason_then_flags_and_audits(client, tree, members):
    client.force_login(tree.yubei_admin)
    page = _act(client, "flag_selected_for_review", members[:2], index=0)
    assert page.status_code == 200
    html = page.content.decode()
    assert "张*" in html and "李*" in html and "张三" not in html  # masked names
    missing = _act(client, "flag_selected_for_review", members[:2], apply="1", reason=" ")
    assert (
        missing.status_code == 200
        and not Membership.objects.filter(review_flagged_at__isnull=False).exists()
    )
    done = _act(client, "flag_selected_for_review", members[:2], apply="1", reason="单位名称存疑")
    assert done.status_code == 302
    flagged = Membership.objects.filter(review_flagged_at__isnull=False)
    assert set(flagged) == set(members[:2])
    assert {m.review_reason for m in flagged} == {"单位名称存疑"}
    assert {m.review_flagged_by for m in flagged} == {tree.yubei_admin}
    events = AuditEvent.objects.filter(action="members.flag_for_review")
    assert events.count() == 2 and events.first().details["reason"] == "单位名称存疑"


def test_the_flag_shows_on_the_member_page_and_as_a_filter(client, tree, members):
    actions.flag_for_review(actor=tree.yubei_admin, membership=members[0], reason="会员卡需补发")
    client.force_login(tree.yubei_admin)
    page = client.get(reverse("console:members_membership_change", args=[members[0].pk]))
    assert "会员卡需补发" in page.content.decode()
    listed = client.get(reverse(LIST), {"review": "flagged"}).context["cl"].result_list
    assert list(listed) == [members[0]]
    # the export of the filtered list has the same rows
    download = client.get(reverse("console:members_export"), {"review": "flagged"})
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [row[CARD_COLUMN] for row in list(sheet.values)[1:]] == [members[0].card_no]


def test_clearing_the_flag(client, tree, members):
    for m in members[:2]:
        actions.flag_for_review(actor=tree.yubei_admin, membership=m, reason="核对")
    client.force_login(tree.yubei_admin)
    response = _act(client, "clear_selected_review_flags", members, index=0)
    assert response.status_code == 302
    assert not Membership.objects.filter(review_flagged_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action="members.clear_review_flag").count() == 2
    with pytest.raises(ActionError):
        actions.clear_review_flag(actor=tree.yubei_admin, membership=_fresh(members[0]))


def test_the_flag_is_cleared_from_the_member_page(client, tree, members):
    actions.flag_for_review(actor=tree.yubei_admin, membership=members[0], reason="核对")
    page = reverse("console:members_membership_change", args=[members[0].pk])
    clear = reverse("console:members_membership_clear_review_flag", args=[members[0].pk])
    viewer = staff_with_role(tree.yubei, "viewer")
    client.force_login(viewer)  # reads the flag, may not clear it
    html = client.get(page).content.decode()
    assert "核对" in html and clear not in html
    assert client.post(clear).status_code == 404
    client.force_login(tree.yubei_admin)
    assert clear in client.get(page).content.decode()
    assert client.get(clear).status_code == 200  # a confirmation first
    assert _fresh(members[0]).review_flagged_at is not None
    response = client.post(clear)
    assert response.status_code == 302 and response["Location"] == page
    assert _fresh(members[0]).review_flagged_at is None
    assert AuditEvent.objects.filter(action="members.clear_review_flag").count() == 1
    assert client.get(clear).status_code == 404  # nothing left to clear


def test_only_members_the_user_may_change_are_flagged(client, tree):
    direct = make_org(tree.yubei, OrgKind.GRASSROOTS, name="渝北直属公司工会")
    mine = make_member(tree.grassroots, name="钱七")
    not_mine = make_member(direct, name="孙八")
    # changes members below the township, only reads the rest of the district
    officer = staff_with_role(tree.township, "org_admin")
    grant(officer, tree.yubei, "viewer")
    client.force_login(officer)
    page = _act(client, "flag_selected_for_review", [mine, not_mine], index=0)
    assert page.status_code == 200 and "孙*" not in page.content.decode()
    _act(client, "flag_selected_for_review", [mine, not_mine], apply="1", reason="核对")
    assert _fresh(mine).review_flagged_at is not None
    assert _fresh(not_mine).review_flagged_at is None
    with pytest.raises(OutOfScope):  # the action itself refuses it too
        actions.flag_for_review(actor=officer, membership=not_mine, reason="核对")
    assert _fresh(not_mine).review_flagged_at is None


@pytest.mark.chinese
def test_the_new_pages_read_chinese(client, tree, members):
    from gonghui.platform.testing.english import ALLOWED, english_in

    actions.flag_for_review(actor=tree.yubei_admin, membership=members[0], reason="核对单位")
    client.force_login(tree.yubei_admin)
    pages = {
        "list": client.get(reverse(LIST), {"review": "flagged"}),
        "member": client.get(reverse("console:members_membership_change", args=[members[0].pk])),
        "flag": _act(client, "flag_selected_for_review", members[1:], index=0),
        "clear": client.get(
            reverse("console:members_membership_clear_review_flag", args=[members[0].pk])
        ),
        "transfer": client.get(
            reverse("console:members_membership_do", args=[members[1].pk, "transfer"])
        ),
        "queue search": client.get(reverse("console:members_joinrequest_changelist"), {"q": "王"}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert english_in(response.content.decode(), ALLOWED) == [], name
