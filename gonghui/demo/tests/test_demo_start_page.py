"""With the demo loaded, each demo role starts on its own work: 渝北's administrator is told of
the overdue join applications and of the district's own overdue term; 渝北's assistance officer
lands on the work queues."""

import pytest
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.demo.seed import seed_demo
from gonghui.members.models import JoinRequest
from gonghui.members.search import overdue_join_requests
from gonghui.orgs.models import Org, Term
from gonghui.platform.access.scoping import restrict

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return seed_demo(members_per_union=2)


def test_demo_roles_start_on_their_work(demo, client):
    yubei_admin = User.objects.get(username="yubei_admin")
    client.force_login(yubei_admin)
    response = client.get("/console/")
    assert response.status_code == 200
    todos = response.context["todos"]
    labels = [str(t.label) for t in todos]

    overdue = overdue_join_requests(
        restrict(JoinRequest, yubei_admin, "members.approve_joinrequest")
    )
    joins = [t for t in todos if "past their review deadline" in str(t.label)]
    assert joins and joins[0].count == overdue.count() > 0, labels
    assert joins[0].oldest_days > 15
    listed = client.get(joins[0].url).context["cl"].result_list
    assert len(listed) == overdue.count()

    yubei = Org.objects.get(name="渝北区总工会")
    term = Term.objects.get(org=yubei, is_current=True)
    assert term.ends_on < timezone.localdate()  # the demo's district term is overdue
    own = [t for t in todos if str(t.label).startswith("渝北区总工会:")]
    assert own and own[0].days_overdue == (timezone.localdate() - term.ends_on).days, labels
    assert client.get(own[0].url).status_code == 200

    client.force_login(User.objects.get(username="yubei_assist"))
    landing = client.get("/console/")
    assert landing.status_code == 302
    queues = client.get(landing["Location"])
    assert queues.status_code == 200
    assert "Waiting at this step (working days)" in queues.content.decode()


def test_the_demo_worker_has_one_correction_answered_and_one_waiting_on_her_union(demo, client):
    from gonghui.demo.seed import DEMO_MEMBER_PHONE
    from gonghui.platform.consent.models import CorrectionRequest
    from gonghui.platform.pii.fields import index_for

    mine = CorrectionRequest.objects.filter(
        user__phone_index=index_for("phone", DEMO_MEMBER_PHONE)
    ).order_by("submitted_at")
    assert [r.state for r in mine] == ["corrected", "submitted"]
    answered = mine[0]
    assert answered.submitted_at < answered.decided_at <= timezone.now()
    client.force_login(User.objects.get(username="yubei_admin"))
    labels = [str(t.label) for t in client.get("/console/").context["todos"]]
    assert any(label.startswith("Correction requests") for label in labels), labels
