"""Shared steps of the legal-aid tests: run a declared transition as a user, and bring an
application to a state through the real actions."""

from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid.models import AidApplication
from gonghui.rights.legalaid.workflows import aid_states


def run(app, user, name, face="console", **data):
    app = AidApplication.objects.get(pk=app.pk)
    aid_states.run(app, user, name, data, face=face)
    return AidApplication.objects.get(pk=app.pk)


def names(app, user, face="console"):
    return {o.name: o.enabled for o in aid_states.offered(app, user, face)}


def applied(worker):
    return actions.apply_online(
        actor=worker.user,
        person=worker,
        case_type="wages",
        facts="快递站点拖欠2026年8月至10月工资共一万二千元",
        claims="追回工资并支付经济补偿",
        employer_name="渝北某快递站点",
    )


def granted(worker, staff):
    app = applied(worker)
    app = run(app, staff.yubei, "start_review")
    app = run(app, staff.yubei, "assess_hardship", hardship="certified", note="工会出具困难证明")
    return run(app, staff.yubei, "grant")


def assigned(worker, staff):
    app = granted(worker, staff)
    return run(app, staff.yubei, "assign_lawyer", lawyer_account=staff.lawyer.pk)
