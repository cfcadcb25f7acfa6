"""Two mediators signing for the same court referral at once leave one signature, one
acceptance and one clock (PostgreSQL: real concurrent transactions and row locks; skipped on
SQLite, which serialises writers)."""

import pytest
from django.db import connection

from gonghui.platform.testing.factories import staff_with_role
from gonghui.rights.mediation import actions
from gonghui.rights.mediation.choices import CaseState, ReferralKind
from gonghui.rights.mediation.models import CaseStep, MediationCase, Referral
from gonghui.rights.mediation.testing import (
    ApplicantFactory,
    MediationCaseFactory,
    PartnerAgencyFactory,
    ReferralFactory,
)
from gonghui.rights.tests.test_dispatch_race import _race

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent row locks need PostgreSQL; run with DATABASE_URL=postgres://…",
)
ROUNDS = 15


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_mediators_signing_for_one_referral_leave_one_signature(tree):
    mediators = [
        staff_with_role(tree.yubei, "rights_officer", username=f"mediator{i}") for i in range(2)
    ]
    court = PartnerAgencyFactory(org=tree.yubei, name="重庆市渝北区人民法院")
    for _round in range(ROUNDS):
        case = MediationCaseFactory(org=tree.yubei)
        ApplicantFactory(case=case)
        ReferralFactory(case=case, agency=court, kind=ReferralKind.ENTRUSTED_SIMPLE)

        def work(i, case=case):
            return actions.accept(actor=mediators[i], case=case).mediator_id

        results = _race(work)
        case = MediationCase.objects.get(pk=case.pk)
        referral = Referral.objects.get(case=case)
        assert case.state == CaseState.ACCEPTED
        assert CaseStep.objects.filter(case=case, name="accept").count() == 1
        winner = next(r for r in results if isinstance(r, int))
        assert referral.signed_by_id == winner == case.mediator_id
        assert sorted(map(str, results)) == sorted([str(winner), "invalid_transition"]), results
