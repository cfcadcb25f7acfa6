"""The deadline page (期限与督办): what the nightly run found, seen by each union for its own
subtree, with the union above seeing what was escalated to it, and a link to the record."""

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.members.tests.test_search import join_request
from gonghui.platform.calendar.evaluate import evaluate_deadlines
from gonghui.platform.testing.factories import staff_with_role

pytestmark = pytest.mark.django_db

PAGE = "/console/calendar/deadlineevent/"


@pytest.fixture
def overdue(tree):
    request = join_request(tree)
    request.submitted_at = timezone.make_aware(datetime.combine(date(2026, 2, 12), time(10)))
    request.save(update_fields=["submitted_at"])
    evaluate_deadlines(today=date(2026, 3, 12))  # 15 working days after 春节 ended 3-11
    return request


def test_the_township_sees_the_escalation_and_opens_the_record(client, tree, overdue):
    township = staff_with_role(tree.township, "membership_officer")
    client.force_login(township)
    page = client.get(PAGE + "?kind__exact=escalated")
    assert page.status_code == 200
    html = page.content.decode()
    # The rule with its length, the union it was escalated to, the due date after 春节.
    assert "Join application review" in html and "15 working days" in html
    assert tree.township.name in html and "March 11, 2026" in html
    link = reverse("console:members_joinrequest_change", args=[overdue.pk])
    assert link in html
    assert client.get(link).status_code == 200
    # The sidebar leads to the page.
    assert PAGE in client.get("/console/").content.decode()


def test_another_district_sees_nothing_and_a_worker_role_cannot_open_it(client, tree, overdue):
    client.force_login(tree.jiangbei_admin)
    html = client.get(PAGE).content.decode()
    assert reverse("console:members_joinrequest_change", args=[overdue.pk]) not in html
    client.force_login(staff_with_role(tree.yubei, "finance_officer"))
    assert client.get(PAGE).status_code == 403
