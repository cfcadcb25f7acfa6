"""Correction requests (PIPL Art. 46, issue #14): the union of her membership sees the
request in its console queue and on its start page with the deadline (15 working days on the
holiday calendar), answers it with a declared button, and she gets a message each time;
another union never sees it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.consent.corrections import CORRECTION, correction_states
from gonghui.platform.consent.models import CorrectionRequest
from gonghui.platform.inbox.models import Message
from gonghui.platform.testing.factories import CorrectionRequestFactory, staff_with_role
from gonghui.platform.todos import todos_for

pytestmark = pytest.mark.django_db


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.fixture
def request_(tree):
    return CorrectionRequestFactory(org=tree.grassroots)


def change_url(obj) -> str:
    return reverse("console:consent_correctionrequest_change", args=[obj.pk])


def do_url(obj, name) -> str:
    return reverse("console:consent_correctionrequest_do", args=[obj.pk, name])


def test_her_union_answers_from_the_console_and_she_is_told(client, tree, request_):
    client.force_login(tree.yubei_admin)
    queue = client.get(reverse("console:consent_correctionrequest_changelist"))
    assert change_url(request_) in queue.content.decode()
    page = client.get(change_url(request_)).content.decode()
    assert "重庆某某物流有限公司" in page and do_url(request_, "correct") in page
    assert AuditEvent.objects.filter(action="consent.read_correction_request").exists()
    response = client.post(do_url(request_, "correct"), {"note": "工作单位已改为新单位"})
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.state == "corrected" and request_.decided_by == tree.yubei_admin
    message = Message.objects.get(user=request_.user, event="correct")
    assert "工作单位已改为新单位" in message.rendered
    # Answered: no button any more.
    assert client.get(do_url(request_, "refuse")).status_code == 404


def test_a_refusal_says_why(client, tree, request_):
    client.force_login(tree.yubei_admin)
    assert client.post(do_url(request_, "refuse"), {"reason": ""}).status_code == 200
    client.post(do_url(request_, "refuse"), {"reason": "单位出具的证明与所填不符"})
    request_.refresh_from_db()
    assert request_.state == "refused" and request_.outcome == "单位出具的证明与所填不符"
    assert "单位出具的证明与所填不符" in Message.objects.get(event="refuse").rendered


def test_another_union_never_sees_it(client, tree, request_):
    client.force_login(tree.jiangbei_admin)
    queue = client.get(reverse("console:consent_correctionrequest_changelist"))
    assert change_url(request_) not in queue.content.decode()
    assert client.get(change_url(request_)).status_code == 404
    assert client.post(do_url(request_, "correct"), {"note": "x"}).status_code == 404
    request_.refresh_from_db()
    assert request_.state == "submitted"


def test_the_worker_is_offered_no_answer_of_her_own(request_):
    assert correction_states.offered(request_, request_.user, "console") == []


def test_the_start_page_counts_waiting_due_soon_and_overdue(tree):
    today = datetime.date(2026, 6, 30)
    # Due soon: the latest start whose clock warns today (the 端午 holiday counts out).
    soon = next(
        today - datetime.timedelta(days=n)
        for n in range(1, 40)
        if CORRECTION.status(today - datetime.timedelta(days=n), today) == "warning"
    )
    CorrectionRequestFactory(org=tree.grassroots, submitted_at=at(datetime.date(2026, 6, 29)))
    CorrectionRequestFactory(org=tree.grassroots, submitted_at=at(soon))
    overdue = CorrectionRequestFactory(
        org=tree.grassroots, submitted_at=at(datetime.date(2026, 5, 20))
    )
    CorrectionRequestFactory(org=tree.jb_grassroots, submitted_at=at(datetime.date(2026, 5, 20)))
    CorrectionRequestFactory(
        org=tree.grassroots, submitted_at=at(datetime.date(2026, 5, 20)), state="corrected"
    )
    assert CORRECTION.is_overdue(datetime.date(2026, 5, 20), today)
    todos = {t.level: t for t in todos_for(tree.yubei_admin, today) if "orrection" in t.url}
    assert {level: t.count for level, t in todos.items()} == {
        "overdue": 1,
        "due_soon": 1,
        "waiting": 1,
    }
    assert todos["overdue"].oldest_days == CORRECTION.elapsed(
        timezone.localdate(overdue.submitted_at), today
    )
    assert todos["due_soon"].due == CORRECTION.due(soon)
    theirs = [t for t in todos_for(tree.jiangbei_admin, today) if "orrection" in t.url]
    assert [(t.level, t.count) for t in theirs] == [("overdue", 1)]


def test_a_staff_member_without_member_rights_has_no_queue(client, tree, request_):
    viewer = staff_with_role(tree.yubei, "assistance_officer", username="aid_officer")
    client.force_login(viewer)
    response = client.get(reverse("console:consent_correctionrequest_changelist"))
    assert response.status_code == 403
    assert CorrectionRequest.objects.restrict(viewer, "view").count() == 0


@pytest.mark.chinese
def test_the_console_pages_read_chinese(client, tree, request_):
    from gonghui.platform.testing.english import ALLOWED, english_in

    client.force_login(tree.yubei_admin)
    for url in (
        reverse("console:consent_correctionrequest_changelist"),
        change_url(request_),
        do_url(request_, "correct"),
        do_url(request_, "refuse"),
    ):
        html = client.get(url).content.decode()
        assert not english_in(html, ALLOWED), (url, english_in(html, ALLOWED))
    start = client.get("/console/?home=1").content.decode()
    assert "待处理的更正申请" in start


def test_the_nightly_run_escalates_an_overdue_request_to_the_union_above(tree):
    from gonghui.platform.calendar.evaluate import evaluate_deadlines
    from gonghui.platform.calendar.models import DeadlineEvent

    CorrectionRequestFactory(org=tree.grassroots, submitted_at=at(datetime.date(2026, 5, 20)))
    (result,) = evaluate_deadlines(today=datetime.date(2026, 6, 30), only=["consent.correction"])
    assert result.new == {"overdue": 1, "escalated": 1}
    escalated = DeadlineEvent.objects.get(kind="escalated")
    assert escalated.escalated_to == tree.township
