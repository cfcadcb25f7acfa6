"""The other to-do sources of the start page: responsibility letters not signed, imports that
need their uploader, payments the bank refused; and the page's cost does not grow with the
number of records waiting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.assistance.testing import PaymentFactory, Staff
from gonghui.members.testing import JoinRequestFactory
from gonghui.orgs.testing import DutyLetterFactory, DutyListFactory
from gonghui.platform.imports.models import ImportStatus
from gonghui.platform.testing.factories import ImportJobFactory
from gonghui.platform.todos import todos_for

pytestmark = pytest.mark.django_db


def line(todos, part: str):
    found = [t for t in todos if part in str(t.label)]
    assert len(found) == 1, [str(t.label) for t in todos]
    return found[0]


def test_unsigned_responsibility_letters_are_counted_and_linked(client, tree):
    duty_list = DutyListFactory(org=tree.yubei)
    client.force_login(tree.yubei_admin)
    todos = client.get("/console/").context["todos"]
    letters = line(todos, "Responsibility letters not signed")
    assert letters.count == 1  # the district's one grassroots union
    page = client.get(letters.url)
    assert page.status_code == 200 and tree.grassroots.name in page.content.decode()
    DutyLetterFactory(list=duty_list, org=tree.grassroots)
    todos = client.get("/console/").context["todos"]
    assert not [t for t in todos if "Responsibility letters" in str(t.label)]
    # 江北 is not reached by 渝北's list
    client.force_login(tree.jiangbei_admin)
    todos = client.get("/console/").context["todos"]
    assert not [t for t in todos if "Responsibility letters" in str(t.label)]


def test_imports_that_need_their_uploader(client, tree):
    finished = timezone.now() - timedelta(days=3)
    ImportJobFactory(
        org=tree.yubei,
        created_by=tree.yubei_admin,
        status=ImportStatus.FAILED,
        finished_at=finished,
    )
    ImportJobFactory(
        org=tree.yubei,
        created_by=tree.yubei_admin,
        status=ImportStatus.DONE,
        error_count=4,
        finished_at=timezone.now(),
    )
    ImportJobFactory(org=tree.yubei, created_by=tree.yubei_admin, status=ImportStatus.DONE)
    ImportJobFactory(org=tree.yubei, created_by=tree.city_admin, status=ImportStatus.FAILED)
    client.force_login(tree.yubei_admin)
    todos = client.get("/console/").context["todos"]
    failed = line(todos, "imports that failed")
    assert (failed.count, failed.oldest_days) == (1, 3)
    assert len(client.get(failed.url).context["cl"].result_list) == 1
    refused = line(todos, "refused rows")
    assert refused.count == 1
    listed = client.get(refused.url).context["cl"].result_list
    assert [job.error_count for job in listed] == [4]


def test_payments_the_bank_refused(client, tree):
    staff = Staff(tree)
    PaymentFactory(item__state="approved", item__application__org=tree.grassroots)  # unpaid
    PaymentFactory(
        state="failed",
        settled_at=timezone.now(),
        item__state="approved",
        item__application__org=tree.grassroots,
    )
    client.force_login(staff.finance)
    todos = client.get("/console/?home=1").context["todos"]
    refused = line(todos, "bank refused")
    assert refused.count == 1 and refused.level == "overdue"
    listed = client.get(refused.url).context["cl"].result_list
    assert len(listed) == 1


def test_the_start_page_costs_the_same_for_2_or_20_overdue_applications(tree):
    def queries_for_todos() -> int:
        user = type(tree.yubei_admin).objects.get(pk=tree.yubei_admin.pk)  # fresh caches
        with CaptureQueriesContext(connection) as ctx:
            todos_for(user, timezone.localdate())
        return len(ctx.captured_queries)

    old = timezone.now() - timedelta(days=60)
    for _ in range(2):
        JoinRequestFactory(org=tree.grassroots, submitted_at=old)
    queries_for_todos()  # the holiday calendar is read once, then kept
    few = queries_for_todos()
    for _ in range(18):
        JoinRequestFactory(org=tree.grassroots, submitted_at=old)
    assert queries_for_todos() == few
    assert line(todos_for(tree.yubei_admin, timezone.localdate()), "past their review").count == 20
