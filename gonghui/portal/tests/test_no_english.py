"""No English in the Chinese portal (issue #14): every page the demo worker opens, and the
public pages before login, read Chinese.

The walk follows the links of each page under /m/ once per URL name (her card, transfer, her
hardship applications and each of their pages, her messages...). The privacy notices are read
first, as she meets them at her first login, and then accepted so that the walk reaches the
rest."""

from __future__ import annotations

import pytest

from gonghui.accounts.models import User
from gonghui.assistance.models import Application
from gonghui.assistance.testing import make_person
from gonghui.demo.seed import DEMO_MEMBER_PHONE, seed_demo
from gonghui.members.choices import MembershipState
from gonghui.members.models import JoinChannel
from gonghui.platform.consent.models import ConsentChannel, NoticePurpose
from gonghui.platform.consent.services import accept_notice, current_notice
from gonghui.platform.pii.fields import index_for
from gonghui.platform.testing.english import ALLOWED, english_in, walk
from gonghui.portal.tests.test_assistance import APPLY, complete_form, detail

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]

SKIP = ("/m/logout/", "/m/privacy/decline/", "/m/messages/read/")


@pytest.fixture
def demo():
    return seed_demo(members_per_union=2)


def _accept_the_notices(user):
    for purpose in (NoticePurpose.PORTAL, NoticePurpose.ASSISTANCE):
        notice = current_notice(purpose)
        if notice is not None:
            accept_notice(actor=user, notice=notice, separate=True, channel=ConsentChannel.PORTAL)


def _report(found: dict) -> str:
    return "English on portal pages:\n" + "\n".join(f"{p}: {t}" for p, t in found.items())


def test_every_portal_page_reads_chinese_for_the_demo_worker(client, demo):
    worker = User.objects.get(kind="member", phone_index=index_for("phone", DEMO_MEMBER_PHONE))
    assert worker.phone == DEMO_MEMBER_PHONE
    client.force_login(worker)
    found = {}
    notices = [f"/m/privacy/{purpose}/" for purpose in (NoticePurpose.PORTAL, "assistance")]
    for path in notices:
        english = english_in(client.get(path).content.decode(), ALLOWED)
        if english:
            found[path] = english
    _accept_the_notices(worker)
    seeds = ["/m/", "/m/transfer/", "/m/assistance/apply/", "/m/no-such-page/"]
    for app in Application.objects.filter(applicant__user=worker):
        seeds += [detail(app), f"{detail(app)}withdraw/"]
    pages = 0
    for path, response in walk(client, seeds, "/m/", skip=SKIP):
        pages += 1
        english = english_in(response.content.decode(), ALLOWED)
        if english:
            found[f"{path} ({response.status_code})"] = english
    assert pages >= 8, "the walk found too few pages to mean anything"
    assert not found, _report(found)


def test_public_pages_read_chinese(client, demo):
    channel = JoinChannel.objects.first()
    found = {}
    client.post("/m/login/", {"phone": "abc"})  # a wrong number: the form says why
    paths = ("/", "/m/login/", f"/m/join/{channel.token}/", "/no-such-page/", "/m/join/done/")
    for path in paths:
        english = english_in(client.get(path).content.decode(), ALLOWED)
        if english:
            found[path] = english
    assert not found, _report(found)


def test_a_withdrawn_application_reads_chehui_not_tuihui(client, tree):
    """ "Withdraw" is 退会 for a membership: the worker withdrawing her draft reads 撤回申请,
    then 已撤回, and nowhere that she leaves the union."""
    member = make_person(tree.grassroots, account=True)
    client.force_login(member.user)
    _accept_the_notices(member.user)
    client.post(APPLY, complete_form(save="1"))
    app = Application.objects.get(applicant=member)
    page = client.get(detail(app)).content.decode()
    assert "撤回申请" in page and "退会" not in page
    client.post(f"{detail(app)}withdraw/", {"reason": "情况好转"})
    page = client.get(detail(app)).content.decode()
    assert "已撤回" in page and "退会" not in page
    assert str(MembershipState.WITHDRAWN.label) == "已退会"
