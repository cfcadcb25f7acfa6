"""The demo's legal aid: applications in every state, some past their clocks, the law firm's
cases visible to its lawyer's login and to nobody of another firm."""

import pytest

from gonghui.accounts.models import User
from gonghui.demo.seed import seed_demo
from gonghui.rights.legalaid import deadlines
from gonghui.rights.legalaid.choices import AidState
from gonghui.rights.legalaid.models import AidApplication

pytestmark = pytest.mark.django_db


def test_the_demo_has_applications_in_every_state_and_some_overdue():
    seed_demo(members_per_union=2)
    states = set(AidApplication.objects.values_list("state", flat=True))
    assert states == set(AidState.values)
    assert deadlines.overdue(AidApplication.objects.all()).count() >= 3
    outcomes = set(AidApplication.objects.exclude(outcome="").values_list("outcome", flat=True))
    assert outcomes == {"won", "settled", "lost", "withdrawn"}
    assert AidApplication.objects.filter(ticket__isnull=False).exists()
    officer = User.objects.get(username="yubei_rights")
    assert AidApplication.objects.restrict(officer).count() == AidApplication.objects.count()
    seen = AidApplication.objects.restrict(User.objects.get(username="lawfirm_partner"))
    assert seen.filter(state=AidState.HANDLING).exists()
    assert set(seen.values_list("lawyer_agency__name", flat=True)) == {"重庆渝工律师事务所"}
    court = User.objects.get(username="court_partner")
    assert not AidApplication.objects.restrict(court).exists()
