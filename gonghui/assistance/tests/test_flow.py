"""The whole path of one application, end to end through the actions."""

from decimal import Decimal

import pytest

from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.choices import FileState, ItemState
from gonghui.assistance.models import Budget, Payment
from gonghui.assistance.testing import advance, make_person, staff_application
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.sms.backends import LocmemBackend

pytestmark = pytest.mark.django_db


def test_application_runs_from_draft_to_closed(
    tree, staff, funded, django_capture_on_commit_callbacks
):
    person = make_person(tree.grassroots)
    app = staff_application(staff, tree.grassroots, person)
    assert app.state == S.DRAFT and app.items.count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        app = advance(staff, app, S.APPROVED)
    app.file.refresh_from_db()
    assert app.file.state == FileState.FILED and app.file.tier == "relative"
    items = {i.aid_type: i for i in app.items.all()}
    assert items["employment"].state == ItemState.REFERRED
    assert items["medical"].amount_approved == Decimal("4000.50")
    medical = Budget.objects.get(org=tree.yubei, aid_type="medical")
    assert medical.reserved == Decimal("4000.50") and medical.paid == 0
    assert any("approved" in m[1] for m in LocmemBackend.outbox)
    app = advance(staff, app, S.CLOSED)
    medical.refresh_from_db()
    assert medical.reserved == 0 and medical.paid == Decimal("4000.50")
    assert Payment.objects.filter(state="paid").count() == 3
    names = list(app.steps.values_list("name", flat=True))
    assert names == [
        "create",
        "submit",
        "first_review",
        "home_visit",
        "verify",
        "end_publicity",
        "approve",
        "complete",
    ]
    assert AuditEvent.objects.filter(action="assistance.record_payment").count() == 3
