"""Each case run through the real assistance actions, from the file to the state it ends in."""

from __future__ import annotations

from datetime import date, timedelta

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.models import Application
from gonghui.demo.seed_assistance.cases import LI_NA_CASE, ORDER, _file_data, _items
from gonghui.demo.seed_assistance.documents import _upload
from gonghui.demo.seed_assistance.households import _household
from gonghui.demo.seed_assistance.staff import AssistanceStaff
from gonghui.demo.seed_assistance.timeline import case_dates, objection_day


def _objection(staff: AssistanceStaff, app: Application, case: dict, today: date) -> None:
    """An objection during publicity (received within it): dismissed when the case has a
    decision for it."""
    if not case.get("objection") or app.objections.exists():
        return
    content, raised_by, decision = case["objection"]
    obj = actions.record_objection(
        actor=staff.reviewer,
        application=app,
        content=content,
        raised_by=raised_by,
        received_on=objection_day(app, today),
    )
    if decision is not None:
        actions.decide_objection(actor=staff.reviewer, objection=obj, upheld=False, note=decision)


ESCALATE_OPINION = "经审核情况属实，同意帮扶；金额超出区级审批权限，报市总工会审批"


def _drive(staff: AssistanceStaff, app: Application, case: dict, n: int, today: date):
    """Run ``app`` through the real actions until it reaches the case's state."""
    dates = case_dates(case, n, today)
    target = case.get("at", case["target"])
    if target in (S.WITHDRAWN,):
        target = S.SUBMITTED
    if target == S.CLOSED:
        target = S.APPROVED
    while ORDER.index(app.state) < ORDER.index(target):
        state = app.state
        if state == S.DRAFT:
            app = actions.submit_application(actor=staff.officer, application=app)
        elif state == S.SUBMITTED:
            app = actions.first_review(
                actor=staff.officer,
                application=app,
                opinion="经初审，申请材料齐全，情况基本属实，同意入户调查",
            )
        elif state == S.HOME_VISIT:
            app = actions.record_home_visit(
                actor=staff.officer,
                application=app,
                visit_date=dates.visit_date,
                visitors="基层工会 王主席、区帮扶中心 刘干事",
                findings=(
                    f"入户核实：家庭{1 + len(case['household'])}口人，"
                    f"{'租住' if n % 4 == 0 else '居住'}{35 + 7 * (n % 6)}平方米，"
                    "家具陈旧，与申报情况一致。已签署收入核对授权书。"
                ),
                authorisation=_upload(n, "income-check-authorisation"),
            )
        elif state == S.VERIFICATION:
            # Publicity runs on the holiday calendar from the day of verification (PUBLICITY);
            # a case past it was verified so that it ended before today (timeline.py).
            verified_on = dates.verified_on
            app = actions.verify(
                actor=staff.reviewer,
                application=app,
                today=verified_on,
                civil_affairs_result="eligible",
                checked_on=verified_on - timedelta(days=1),
                tier=case.get("tier", "relative"),
                level="city",
                note="民政部门家庭经济状况核对：人均收入低于当地低保标准 2 倍",
                opinion="经区帮扶中心核实，符合困难职工建档条件，同意公示",
            )
        elif state == S.PUBLICITY:
            _objection(staff, app, case, today)
            app = actions.end_publicity(
                actor=staff.reviewer,
                application=app,
                today=app.publicity_end + timedelta(days=1),
            )
        elif state == S.APPROVAL:
            cut = case.get("approve", {})
            amounts = {
                i.pk: str(cut.get(i.aid_type, i.amount_requested))
                for i in app.items.all()
                if i.amount_requested
            }
            # The level follows the verified total (ADR 0013): above the district's level the
            # district approver has referred it up and the city decides.
            approver = staff.approver
            if actions.below_level(app, staff.approver):
                actions.escalate_application(
                    actor=staff.approver, application=app, opinion=ESCALATE_OPINION
                )
                approver = staff.city_approver
            app = actions.approve(
                actor=approver,
                application=app,
                amounts=amounts,
                opinion="同意帮扶" if not cut else "同意帮扶，医疗救助按自付费用比例核减",
            )
        else:  # pragma: no cover - the loop only runs over ORDER
            raise AssertionError(state)
        app.refresh_from_db()
    if app.state == S.PUBLICITY:
        _objection(staff, app, case, today)  # left in publicity: its objection is pending
    if app.state == S.APPROVAL and actions.below_level(app, staff.approver):
        # A case waiting for the city: the district approver has referred it up (报上级审批).
        app = actions.escalate_application(
            actor=staff.approver, application=app, opinion=ESCALATE_OPINION
        )
    if case["target"] == S.WITHDRAWN:
        app = actions.withdraw_application(
            actor=staff.officer, application=app, reason=case["reason"]
        )
    elif case["target"] == S.RETURNED:
        actor = staff.reviewer if app.state == S.VERIFICATION else staff.officer
        app = actions.return_application(actor=actor, application=app, reason=case["reason"])
    elif case["target"] == S.REJECTED:
        actor = staff.officer if app.state in (S.SUBMITTED, S.HOME_VISIT) else staff.reviewer
        app = actions.reject_application(actor=actor, application=app, reason=case["reason"])
    return app


def _open_case(staff, org, person, case, n, ids, today) -> Application:
    household = _household(person, n, case["household"], ids, today)
    file = actions.save_file(
        actor=staff.officer,
        org=org,
        applicant=person,
        data=_file_data(case, n, person, household),
        household=household,
    )
    if case.get("health") and n % 2 == 0:
        actions.upload_attachment(
            actor=staff.officer,
            file=file,
            kind="medical_certificate",
            upload=_upload(n + 1, "medical-certificate"),
        )
    return actions.save_application(
        actor=staff.officer, file=file, items=_items(case, file), situation=case["situation"]
    )


def _li_na_case(staff, person, n, ids, today) -> Application:
    """The demo worker applies in the portal: a first draft, then school aid added, submitted."""
    case = LI_NA_CASE
    user = person.user
    household = _household(person, n, case["household"], ids, today)
    data = _file_data(case, n, person, household)
    first = [{"aid_type": "living", "amount_requested": "3000"}]
    app = actions.member_save_application(
        actor=user, file_data=data, household=household, items=first, situation=case["situation"]
    )
    app = actions.member_save_application(
        actor=user,
        file_data=data,
        household=household,
        items=_items(case, app.file),
        situation=case["situation"],
    )
    actions.upload_attachment(
        actor=user,
        file=app.file,
        application=app,
        kind="medical_certificate",
        upload=_upload(1, "medical-certificate"),
    )
    app = actions.submit_application(actor=user, application=app)
    return _drive(staff, app, case, n, today)
