"""Two officers deciding the same application at once — one grants, one refuses — leave one
decision (PostgreSQL: real concurrent transactions and row locks; skipped on SQLite, which
serialises writers)."""

import pytest
from django.db import connection

from gonghui.platform.testing.factories import staff_with_role
from gonghui.rights.legalaid import actions
from gonghui.rights.legalaid.choices import AidState, Hardship
from gonghui.rights.legalaid.models import AidApplication, AidStep
from gonghui.rights.legalaid.testing import AidApplicationFactory
from gonghui.rights.tests.test_dispatch_race import _race

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent row locks need PostgreSQL; run with DATABASE_URL=postgres://…",
)
ROUNDS = 10


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_grant_and_a_refusal_at_once_leave_one_decision(tree):
    officers = [
        staff_with_role(tree.yubei, "rights_officer", username=f"la_officer{i}") for i in range(2)
    ]
    for _round in range(ROUNDS):
        app = AidApplicationFactory(
            org=tree.yubei, state=AidState.REVIEWING, hardship=Hardship.CERTIFIED
        )

        def work(i, app=app):
            if i == 0:
                return actions.grant(actor=officers[0], application=app).state
            return actions.refuse(actor=officers[1], application=app, reason="不符合条件").state

        results = _race(work)
        app = AidApplication.objects.get(pk=app.pk)
        decisions = AidStep.objects.filter(application=app, name__in=("grant", "refuse"))
        assert decisions.count() == 1
        assert app.state in (AidState.GRANTED, AidState.REFUSED)
        assert sorted(map(str, results)) == sorted([str(app.state), "invalid_transition"])
        assert bool(app.refusal_reason) == (app.state == AidState.REFUSED)
