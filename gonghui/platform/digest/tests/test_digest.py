"""The staff daily digest: each staff user hears once a day what is overdue in their own scope
and what became overdue since the previous digest, in the console and, if they chose so, by
SMS; nobody hears of another district's work, and nobody with nothing overdue hears anything."""

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gonghui.members.testing import JoinRequestFactory
from gonghui.orgs.testing import TermFactory
from gonghui.platform.calendar import workdays
from gonghui.platform.digest.models import DigestRun
from gonghui.platform.digest.services import TOPIC, send_staff_digest
from gonghui.platform.inbox.models import Message
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.testing.factories import DigestRunFactory, staff_with_role

pytestmark = pytest.mark.django_db

JOINS_OVERDUE = "/console/members/joinrequest/?age=overdue"


def submitted_working_days_ago(org, n: int):
    day = workdays.add_working_days(timezone.localdate(), -n)
    return JoinRequestFactory(
        org=org, submitted_at=timezone.make_aware(datetime.combine(day, time(10)))
    )


@pytest.fixture
def overdue_world(tree):
    """渝北: two join applications past their 15 working days and the district's own term
    ended 10 days ago; 江北: one overdue join application."""
    today = timezone.localdate()
    submitted_working_days_ago(tree.grassroots, 21)
    submitted_working_days_ago(tree.yubei, 17)
    submitted_working_days_ago(tree.grassroots, 1)  # not overdue
    submitted_working_days_ago(tree.jb_grassroots, 21)
    TermFactory(org=tree.yubei, started_on=today.replace(year=today.year - 5) - timedelta(days=10))
    return tree


def digest_of(user) -> Message:
    return Message.objects.get(user=user, topic=TOPIC)


def run_digest(capsys=None) -> str:
    call_command("send_staff_digest")
    return capsys.readouterr().out if capsys else ""


def test_each_admin_hears_only_of_their_own_scope(overdue_world):
    tree = overdue_world
    send_staff_digest(timezone.localdate())

    yubei = digest_of(tree.yubei_admin)
    lines = {line["url"]: line for line in yubei.params["lines"]}
    assert lines[JOINS_OVERDUE]["count"] == 2  # not 江北's
    term_url = f"/console/orgs/term/add/?org={tree.yubei.pk}"
    assert "渝北区总工会" in lines[term_url]["label"]
    assert yubei.rendered.startswith("Daily digest: 3 overdue in your scope, 3 of them new")
    assert "江北" not in str(yubei.params)

    jiangbei = digest_of(tree.jiangbei_admin)
    assert [(line["url"], line["count"]) for line in jiangbei.params["lines"]] == [
        (JOINS_OVERDUE, 1)
    ]
    assert "渝北" not in str(jiangbei.params)

    city = digest_of(tree.city_admin)
    assert {line["url"]: line["count"] for line in city.params["lines"]}[JOINS_OVERDUE] == 3


def test_nothing_overdue_nothing_sent(tree):
    quiet = staff_with_role(tree.industry, "org_admin", username="industry_admin")
    quiet.phone, quiet.digest_sms = "13700001111", True
    quiet.save()
    outcome = send_staff_digest(timezone.localdate())
    assert outcome.messages == 0 and outcome.sms == 0
    assert not Message.objects.filter(topic=TOPIC).exists()
    assert LocmemBackend.outbox == []
    # The day is still recorded, so tomorrow's "new since" starts from nothing overdue.
    assert DigestRun.objects.get(user=quiet).overdue_count == 0


def test_sms_only_to_those_who_opted_in_and_have_a_phone(
    overdue_world, django_capture_on_commit_callbacks
):
    tree = overdue_world
    tree.yubei_admin.phone, tree.yubei_admin.digest_sms = "13700002222", True
    tree.yubei_admin.save()
    tree.jiangbei_admin.phone = "13700003333"  # a phone, but the SMS left off (the default)
    tree.jiangbei_admin.save()
    tree.city_admin.digest_sms = True  # opted in, but no phone
    tree.city_admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = send_staff_digest(timezone.localdate())
    assert outcome.sms == 1
    assert [phone for phone, _text in LocmemBackend.outbox] == ["13700002222"]
    text = LocmemBackend.outbox[0][1]
    assert "3 overdue in your scope, 3 of them new" in text
    assert "13700002222" not in text


def test_a_second_run_the_same_day_sends_nothing_new(
    overdue_world, capsys, django_capture_on_commit_callbacks
):
    tree = overdue_world
    tree.yubei_admin.phone, tree.yubei_admin.digest_sms = "13700002222", True
    tree.yubei_admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = run_digest(capsys)
    assert "3 messages, 1 SMS queued" in first
    with django_capture_on_commit_callbacks(execute=True):
        second = run_digest(capsys)
    assert "0 messages, 0 SMS queued, 3 already had today's digest" in second
    assert Message.objects.filter(topic=TOPIC).count() == 3
    assert len(LocmemBackend.outbox) == 1


def test_new_since_the_previous_digest_counts_only_what_rose(overdue_world):
    tree = overdue_world
    # Yesterday the two join applications were already overdue, the term was not.
    DigestRunFactory(user=tree.yubei_admin)
    send_staff_digest(timezone.localdate())
    message = digest_of(tree.yubei_admin)
    assert message.rendered.startswith("Daily digest: 3 overdue in your scope, 1 of them new")
    new = {line["url"]: line["new"] for line in message.params["lines"]}
    assert new[JOINS_OVERDUE] == 0
    assert new[f"/console/orgs/term/add/?org={tree.yubei.pk}"] == 1


def test_staff_read_the_digest_in_the_console_and_switch_the_sms_on(client, overdue_world):
    tree = overdue_world
    admin = tree.yubei_admin
    admin.phone = "13700002222"
    admin.save()
    send_staff_digest(timezone.localdate())
    client.force_login(admin)

    start = client.get("/console/?home=1").content.decode()
    assert 'href="/console/account/messages/"' in start
    assert "My messages: 1 unread" in start

    page = client.get("/console/account/messages/").content.decode()
    assert "Daily digest: 3 overdue in your scope" in page
    assert f'href="{JOINS_OVERDUE}"' in page
    assert "2, 2 new" in page
    assert "137****2222" in page and "13700002222" not in page

    response = client.post("/console/account/messages/sms/", {"digest_sms": "on"})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.digest_sms is True
    client.post("/console/account/messages/sms/", {})
    admin.refresh_from_db()
    assert admin.digest_sms is False

    client.post("/console/account/messages/read/")
    assert "My messages: 1 unread" not in client.get("/console/?home=1").content.decode()
    assert digest_of(admin).read_at is not None


def test_another_users_digest_is_not_on_my_page(client, overdue_world):
    tree = overdue_world
    send_staff_digest(timezone.localdate())
    client.force_login(tree.jiangbei_admin)
    page = client.get("/console/account/messages/").content.decode()
    assert "渝北区总工会" not in page
    assert "1 overdue in your scope" in page


@pytest.mark.chinese
def test_the_digest_and_its_page_read_chinese(
    client, overdue_world, settings, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from gonghui.platform.testing.english import ALLOWED, english_in

    tree = overdue_world
    admin = tree.yubei_admin
    admin.phone, admin.digest_sms = "13700002222", True
    admin.save()
    with translation.override(settings.LANGUAGE_CODE):  # the product's language, zh-hans
        with django_capture_on_commit_callbacks(execute=True):
            send_staff_digest(timezone.localdate())
        client.force_login(admin)
        # What this page and the start page's link add (the sidebar is walked elsewhere).
        page = client.get("/console/account/messages/").content.decode()
        mine = page[page.index('<section class="border border-base-200 rounded-md p-4" aria') :]
        mine = mine[: mine.index("</ul>\n  </section>")]
        assert english_in(mine, ALLOWED) == []
        assert "每日提醒" in mine and "我的消息" in page
        start = client.get("/console/?home=1").content.decode()
        link = start[start.index('<p class="text-sm mb-3" id="my-messages-link">') :]
        link = link[: link.index("</p>")]
        assert english_in(link, ALLOWED) == [] and "1 条未读" in link
    assert LocmemBackend.outbox[0][1].startswith("【工会】每日提醒")
