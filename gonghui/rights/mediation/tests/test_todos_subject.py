"""The start page's mediation to-dos (referrals to sign for, applications to accept, cases
past their time limit) for the union whose cases they are, the API's queues, and each
factory of the app building its row."""

from datetime import date

import pytest

from gonghui.rights.mediation import todos
from gonghui.rights.mediation.choices import CaseState, Clock
from gonghui.rights.mediation.testing import FACTORIES, MediationCaseFactory, ReferralFactory

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture
def work(tree):
    referred = MediationCaseFactory(org=tree.yubei)
    ReferralFactory(case=referred, agency__org=tree.yubei)
    applied = MediationCaseFactory(org=tree.township)
    late = MediationCaseFactory(
        org=tree.township,
        state=S.MEDIATING,
        clock=Clock.STATUTORY,
        clock_start=date(2026, 10, 1),
        due_on=date(2026, 10, 16),
    )
    MediationCaseFactory(org=tree.jiangbei)  # another district's
    return referred, applied, late


def test_the_start_page_lists_the_mediation_work_of_the_users_area(client, tree, staff, work):
    referred, applied, late = work
    labels = {t.label: t.count for t in todos.mediation_todos(staff.yubei, date(2026, 12, 8))}
    assert labels == {
        "Mediation cases past their time limit": 1,
        "Referrals from courts and agencies waiting to be signed for": 1,
        "Mediation applications waiting to be accepted": 1,
    }
    client.force_login(staff.yubei)
    page = client.get("/console/?home=1").content.decode()
    assert "Referrals from courts and agencies waiting to be signed for" in page
    assert "/console/mediation/mediationcase/?queue=sign" in page
    # Another district has none; a viewer reads cases but has no mediation work to do.
    for user in (staff.jiangbei, staff.viewer):
        client.force_login(user)
        page = client.get("/console/?home=1").content.decode()
        assert "Mediation cases past their time limit" not in page


def test_the_api_lists_one_queue(client, tree, staff, work):
    referred, applied, late = work
    client.force_login(staff.yubei)
    ids = {c["id"] for c in client.get("/api/v1/mediation/cases/?queue=overdue").json()["items"]}
    assert ids == {late.pk}
    ids = {c["id"] for c in client.get("/api/v1/mediation/cases/?queue=sign").json()["items"]}
    assert ids == {referred.pk}
    rows = client.get("/api/v1/mediation/cases/").json()["items"]
    assert {c["id"] for c in rows} == {referred.pk, applied.pk, late.pk}
    assert next(c for c in rows if c["id"] == late.pk)["overdue"] is True


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f._meta.model.__name__)
def test_each_factory_builds_its_row(factory):
    row = factory()
    assert type(row).objects.filter(pk=row.pk).exists()
