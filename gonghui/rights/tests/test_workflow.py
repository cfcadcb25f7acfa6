"""Every step of a 12351 ticket, by the role that takes it, and what other roles and unions
cannot do: intake → classify → dispatch down → sign for / return → handle (extension) →
resolve → visit back / the worker's rating → reopen → quality check → close."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gonghui.assistance.testing import make_person
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.inbox.models import Message
from gonghui.platform.workflow.base import ActionError, OutOfScope
from gonghui.platform.workflow.transitions import TransitionRefused
from gonghui.rights import actions
from gonghui.rights.choices import Complexity, Extension, Rating, TicketState
from gonghui.rights.models import Ticket
from gonghui.rights.workflows import ticket_states

pytestmark = pytest.mark.django_db
S = TicketState


def names(ticket, user, face="console"):
    return {o.name: o.enabled for o in ticket_states.offered(ticket, user, face)}


def call(staff, **kw):
    data = {
        "category": "complaint-arrears",
        "caller_name": "李四",
        "caller_phone": "13500001111",
        "facts": "物流公司拖欠两个月工资",
        "request": "讨回工资",
        "employer_name": "渝北某物流公司",
        **kw,
    }
    return actions.take_call(actor=staff.operator, **data)


def run(ticket, user, name, **data):
    ticket = Ticket.objects.get(pk=ticket.pk)
    ticket_states.run(ticket, user, name, data, face="console")
    return Ticket.objects.get(pk=ticket.pk)


def to_township(tree, staff):
    t = call(staff)
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    return run(t, staff.yubei, "dispatch", to_org=tree.township.pk)


def test_an_operator_takes_a_call_received_at_the_city_with_pi_encrypted(tree, staff):
    t = call(staff)
    assert t.state == S.RECEIVED and t.org == tree.city
    assert t.number.startswith("12351-")
    assert t.steps.get().name == "receive"
    # The caller's phone and what happened are not stored in clear.
    from django.db import connection

    with connection.cursor() as c:
        c.execute("select caller_phone, facts from rights_ticket where id = %s", [t.pk])
        phone, facts = c.fetchone()
    assert "13500001111" not in phone and "拖欠" not in facts
    assert AuditEvent.objects.filter(action="rights.take_call").count() == 1


def test_a_union_officer_cannot_take_calls(tree, staff):
    with pytest.raises(PermissionDenied):
        call(type("S", (), {"operator": tree.yubei_admin})())


def test_the_full_path_from_the_call_to_the_close(tree, staff, settings):
    settings.GONGHUI_RIGHTS_QUALITY_SAMPLE_PERCENT = 0
    t = to_township(tree, staff)
    assert t.state == S.DISPATCHED and t.org == tree.township and t.dispatched_by == tree.yubei
    # The township signs for it: the district above sees it but does not sign in its place.
    assert "accept" not in names(t, staff.yubei)
    assert names(t, staff.township)["accept"]
    t = run(t, staff.township, "accept")
    assert t.state == S.HANDLING and t.accepted_at
    t = run(
        t,
        staff.township,
        "resolve",
        reply="已协调公司支付全部欠薪",
        arrears_recovered=Decimal("12000.50"),
        arrears_workers=3,
    )
    assert t.state == S.RESOLVED
    assert t.arrears_recovered == Decimal("12000.50") and t.arrears_workers == 3
    t = run(t, staff.operator, "visit_back", rating=Rating.SATISFIED, note="满意")
    assert t.state == S.VISITED and not t.quality_required
    t = run(t, staff.operator, "close")
    assert t.state == S.CLOSED and t.closed_at
    assert [s.name for s in t.steps.order_by("at", "id")] == [
        "receive",
        "classify",
        "dispatch",
        "dispatch",
        "accept",
        "resolve",
        "visit_back",
        "close",
    ]


def test_dispatch_stays_inside_the_dispatchers_subtree(tree, staff):
    t = call(staff)
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    # 渝北 cannot send it to 江北's union, nor back up to the city.
    for org in (tree.jb_grassroots, tree.city, tree.yubei):
        with pytest.raises(ActionError):
            actions.dispatch(actor=staff.yubei, ticket=t, to_org=org.pk)
    # 江北's officer does not see it at all.
    assert not Ticket.objects.restrict(staff.jiangbei, "view").filter(pk=t.pk).exists()
    with pytest.raises(OutOfScope):
        actions.dispatch(actor=staff.jiangbei, ticket=t, to_org=tree.jb_grassroots.pk)
    # The industry union is a valid target from the city.
    t2 = call(staff)
    t2 = run(t2, staff.operator, "classify", category="consult-wages", complexity="difficult")
    t2 = run(t2, staff.operator, "dispatch", to_org=tree.industry.pk)
    assert t2.org == tree.industry


def test_a_grassroots_union_sees_only_what_was_dispatched_into_its_subtree(tree, staff):
    t = to_township(tree, staff)
    other = call(staff)
    visible = set(Ticket.objects.restrict(staff.township, "view").values_list("pk", flat=True))
    assert visible == {t.pk}
    assert other.pk in set(
        Ticket.objects.restrict(staff.operator, "view").values_list("pk", flat=True)
    )


def test_returning_sends_it_back_to_the_dispatcher_who_redispatches(tree, staff):
    t = to_township(tree, staff)
    t = run(t, staff.township, "return_ticket", reason="不属于本街道辖区")
    assert t.state == S.CLASSIFIED and t.org == tree.yubei
    assert t.return_reason == "不属于本街道辖区"
    # The township no longer sees it; 渝北 dispatches it again (改派).
    assert not Ticket.objects.restrict(staff.township, "view").filter(pk=t.pk).exists()
    assert names(t, staff.yubei)["dispatch"]
    t = run(t, staff.yubei, "dispatch", to_org=tree.grassroots.pk)
    assert t.org == tree.grassroots and t.return_reason == ""


def test_an_extension_is_decided_by_the_union_above(tree, staff):
    t = run(to_township(tree, staff), staff.township, "accept")
    assert "approve_extension" not in names(t, staff.township)
    t = run(t, staff.township, "request_extension", reason="需要劳动监察部门协查")
    assert t.extension == Extension.PENDING and t.extension_days == 5
    # Asking twice is offered disabled with the reason.
    assert names(t, staff.township)["request_extension"] is False
    assert names(t, staff.yubei)["approve_extension"]
    t = run(t, staff.yubei, "approve_extension", reason="同意")
    assert t.extension == Extension.GRANTED and t.state == S.HANDLING
    with pytest.raises(TransitionRefused):
        run(t, staff.yubei, "refuse_extension", reason="晚了")


def test_a_refused_extension_needs_a_reason(tree, staff):
    t = run(to_township(tree, staff), staff.township, "accept")
    t = run(t, staff.township, "request_extension", reason="材料未齐")
    with pytest.raises(ActionError):
        actions.refuse_extension(actor=staff.yubei, ticket=t, reason="")
    t = run(t, staff.yubei, "refuse_extension", reason="事实清楚，按期办结")
    assert t.extension == Extension.REFUSED


def test_an_unsatisfied_rating_reopens_and_needs_a_quality_check(tree, staff, settings):
    settings.GONGHUI_RIGHTS_QUALITY_SAMPLE_PERCENT = 0
    t = run(to_township(tree, staff), staff.township, "accept")
    t = run(t, staff.township, "resolve", reply="已电话联系公司")
    t = run(t, staff.operator, "visit_back", rating=Rating.UNSATISFIED, note="工资没拿到")
    assert t.quality_required
    assert names(t, staff.operator)["close"] is False  # the quality check comes first
    t = run(t, staff.operator, "reopen", reason="职工不满意，重新办理")
    assert t.state == S.HANDLING and t.reopened == 1 and t.org == tree.township
    t = run(t, staff.township, "resolve", reply="公司已支付")
    t = run(t, staff.operator, "visit_back", rating=Rating.FAIRLY)
    assert names(t, staff.operator)["quality_check"] is False  # fairly satisfied, not sampled
    t = run(t, staff.operator, "close")
    assert t.state == S.CLOSED


def test_a_sampled_ticket_is_quality_checked_before_closing(tree, staff, settings):
    settings.GONGHUI_RIGHTS_QUALITY_SAMPLE_PERCENT = 100
    t = run(to_township(tree, staff), staff.township, "accept")
    t = run(t, staff.township, "resolve", reply="已解决")
    t = run(t, staff.operator, "visit_back", rating=Rating.SATISFIED)
    with pytest.raises(TransitionRefused):
        run(t, staff.operator, "close")
    t = run(t, staff.operator, "quality_check", note="办理规范")
    assert t.quality_checked_at is not None
    t = run(t, staff.operator, "close")
    assert t.state == S.CLOSED


def test_an_operator_answers_a_consultation_and_closes_it_at_intake(tree, staff):
    question = call(staff, category="consult-insurance")
    t = run(question, staff.operator, "answer_close", reply="灵活就业人员可以个人身份参保")
    assert t.state == S.CLOSED and t.reply.startswith("灵活就业")
    complaint = call(staff)
    assert names(complaint, staff.operator)["answer_close"] is False


def test_the_worker_is_told_of_each_step_she_should_know(tree, staff):
    person = make_person(tree.grassroots, account=True, phone="13700009999")
    t = call(staff, caller_phone="13700009999")
    assert t.caller_user == person.user
    t = run(t, staff.operator, "classify", category="complaint-arrears", complexity="general")
    # Told of the receipt (with her number); classifying is internal.
    received = Message.objects.get(user=person.user)
    assert (received.event, received.params) == ("receive", {"number": t.number})
    t = run(t, staff.operator, "dispatch", to_org=tree.yubei.pk)
    t = run(t, staff.yubei, "accept")
    events = list(
        Message.objects.filter(user=person.user).order_by("id").values_list("event", flat=True)
    )
    assert events == ["receive", "dispatch", "accept"]
    message = Message.objects.get(user=person.user, event="accept")
    assert message.params["org"] == "渝北区总工会"


def test_classify_checks_its_input(tree, staff):
    t = call(staff)
    with pytest.raises(ActionError):
        actions.classify(actor=staff.operator, ticket=t, category="nope", complexity="general")
    with pytest.raises(ActionError):
        actions.classify(
            actor=staff.operator, ticket=t, category="complaint-arrears", complexity="urgent"
        )
    t = run(
        t,
        staff.operator,
        "classify",
        category="complaint-injury",
        complexity=Complexity.COMPLEX,
        is_petition=True,
    )
    assert t.complexity == Complexity.COMPLEX and t.is_petition
