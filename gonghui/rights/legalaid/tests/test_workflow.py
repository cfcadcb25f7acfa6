"""Every step of a legal-aid application by the role that takes it, what the worker is told,
and what other roles, unions and law firms cannot do: apply → (documents asked for →
resubmitted) → review with the hardship assessment → grant / refuse → assign the lawyer →
the firm's lawyer takes it up, records progress and closes it with the outcome."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gonghui.assistance.models import HardshipFile
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.inbox.models import Message
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.platform.workflow.transitions import TransitionRefused
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid import lawyer as lawyer_steps
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.tests.helpers import applied, assigned, granted, names, run

pytestmark = pytest.mark.django_db
S = AidState


def test_the_whole_path_from_application_to_the_outcome(
    tree, staff, worker, django_capture_on_commit_callbacks
):
    app = applied(worker)
    assert app.org == tree.yubei and app.state == S.SUBMITTED
    assert app.applicant_name == "陈静" and app.applicant_phone == "13700003333"
    assert names(app, staff.yubei) == {
        "request_correction": True,
        "start_review": True,
    }
    app = run(app, staff.yubei, "start_review")
    # Deciding needs the hardship assessment first: offered, but disabled with the reason.
    assert names(app, staff.yubei)["grant"] is False
    with pytest.raises(TransitionRefused):
        run(app, staff.yubei, "grant")
    app = run(app, staff.yubei, "assess_hardship", hardship="certified", note="街道困难证明")
    assert app.hardship_assessed_by == staff.yubei and app.hardship_assessed_at
    with django_capture_on_commit_callbacks(execute=True):
        app = run(app, staff.yubei, "grant")
    assert app.state == S.GRANTED and app.decided_by == staff.yubei
    assert any(app.number in text for _phone, text in LocmemBackend.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        app = run(app, staff.yubei, "assign_lawyer", lawyer_account=staff.lawyer.pk)
    assert app.lawyer_agency == staff.firm and app.lawyer_user == staff.lawyer
    assert any(staff.firm.name in text for _phone, text in LocmemBackend.outbox)
    # The firm's lawyer takes it up, records progress and closes it.
    assert names(app, staff.lawyer) == {"take_up": True}
    app = run(app, staff.lawyer, "take_up")
    app = run(app, staff.lawyer, "record_progress", note="已向仲裁委提交仲裁申请")
    with django_capture_on_commit_callbacks(execute=True):
        app = run(
            app, staff.lawyer, "close_case", outcome="settled", amount_recovered=Decimal("9800.5")
        )
    assert app.state == S.CLOSED and app.amount_recovered == Decimal("9800.50")
    events = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"legalaid.apply_online", "legalaid.grant", "legalaid.close_case"} <= events
    told = Message.objects.filter(user=worker.user).values_list("event", flat=True)
    assert {"grant", "assign_lawyer", "take_up", "close_case"} <= set(told)
    steps = list(app.steps.values_list("name", flat=True))
    assert steps[0] == "apply" and steps[-1] == "close_case"
    assert all(s.org_name == "渝北区总工会" for s in app.steps.all())


def test_missing_documents_stop_the_clock_until_she_sends_them(tree, staff, worker):
    app = applied(worker)
    started = app.complete_at
    app = run(app, staff.yubei, "request_correction", documents="请补充劳动合同和工资条")
    assert app.state == S.CORRECTION
    message = Message.objects.get(user=worker.user, event="request_correction")
    assert message.params["documents"] == "请补充劳动合同和工资条"
    # Staff of another district cannot send it again for her; she can, on the portal.
    assert "resubmit" not in names(app, staff.jiangbei)
    app = run(app, worker.user, "resubmit", face="portal")
    assert app.state == S.SUBMITTED and app.complete_at > started


def test_a_refusal_tells_her_the_reason(staff, worker, django_capture_on_commit_callbacks):
    app = run(applied(worker), staff.yubei, "start_review")
    with django_capture_on_commit_callbacks(execute=True):
        app = run(app, staff.yubei, "refuse", reason="不属于劳动争议事项")
    assert app.state == S.REFUSED and app.refusal_reason == "不属于劳动争议事项"
    assert any("不属于劳动争议事项" in text for _p, text in LocmemBackend.outbox)
    message = Message.objects.get(user=worker.user, event="refuse")
    assert message.params["reason"] == "不属于劳动争议事项"


def test_the_hardship_file_is_looked_up_for_whoever_may_read_it(tree, staff, worker):
    app = run(applied(worker), staff.yubei, "start_review")
    HardshipFile.objects.create(
        org=tree.grassroots,
        applicant=worker,
        number="KN202600000077",
        state="filed",
        created_by=staff.assistance,
        main_cause="illness",
    )
    # The rights officer reads no hardship files: "on file" cannot be claimed by her.
    with pytest.raises(ActionError) as refused:
        run(app, staff.yubei, "assess_hardship", hardship="on_file")
    assert refused.value.code == "no_hardship_file"
    app = run(app, staff.assistance, "assess_hardship", hardship="on_file")
    assert app.hardship_file_number == "KN202600000077"
    assert app.hardship_assessed_by == staff.assistance
    # The assistance officer assesses, but does not decide.
    assert "grant" not in names(app, staff.assistance)


def test_another_union_and_another_firm_see_nothing(tree, staff, worker):
    app = assigned(worker, staff)
    for outsider in (staff.jiangbei, staff.other_lawyer):
        assert not AidApplication.objects.restrict(outsider).filter(pk=app.pk).exists()
        assert names(app, outsider) == {}
        with pytest.raises(OutOfScope):
            lawyer_steps.take_up(actor=outsider, application=app)
    with pytest.raises(PermissionDenied):
        actions.grant(actor=staff.lawyer, application=app)
    # The township union below 渝北 does not see what 渝北 handles.
    assert not AidApplication.objects.restrict(staff.township).filter(pk=app.pk).exists()


def test_a_lawyer_sees_only_the_applications_of_her_firm(tree, staff, worker):
    mine = assigned(worker, staff)
    theirs = granted(worker, staff)
    theirs = run(theirs, staff.yubei, "assign_lawyer", lawyer_account=staff.other_lawyer.pk)
    waiting = applied(worker)
    assert list(AidApplication.objects.restrict(staff.lawyer)) == [mine]
    assert list(AidApplication.objects.restrict(staff.other_lawyer)) == [theirs]
    assert set(AidApplication.objects.restrict(staff.yubei)) == {mine, theirs, waiting}
