"""The transition engine: what a user is offered, what runs, and the API built from the
declarations (issue #12 §1). A transfer between two unions serves as the object; the
machine here is the test's own, not the app's."""

from __future__ import annotations

import pytest
from ninja import Field, Router, Schema
from ninja.testing import TestClient

from gonghui.members import actions
from gonghui.members.models import Transfer
from gonghui.members.tests.test_search import member
from gonghui.platform.workflow import transitions
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.transitions import (
    StateMachine,
    Transition,
    TransitionRefused,
    add_transition_routes,
    machine_for,
    register,
)

pytestmark = pytest.mark.django_db

RECEIVING = frozenset({"pending_receiver"})


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


def machine(check=None, calls=None):
    calls = calls if calls is not None else []

    def approve(obj, *, actor):
        calls.append(("approve", actor, obj.pk))
        return actions.approve_transfer(actor=actor, transfer=obj)

    def reject(obj, *, actor, reason):
        calls.append(("reject", actor, reason))
        return actions.reject_transfer(actor=actor, transfer=obj, reason=reason)

    return StateMachine(
        "state",
        [
            Transition(
                "approve",
                RECEIVING,
                "approved",
                label="同意转入",
                permission="members.approve_transfer",
                check=check,
                execute=approve,
            ),
            Transition(
                "reject",
                RECEIVING | {"pending_sender"},
                "rejected",
                label="不同意转会",
                permission="members.approve_transfer",
                input=ReasonIn,
                execute=reject,
                style="danger",
            ),
            Transition(
                "cancel",
                RECEIVING | {"pending_sender"},
                "cancelled",
                label="撤回申请",
                owner=lambda obj, user: obj.membership.person.user_id == user.pk,
                faces=frozenset({"portal"}),
                execute=lambda obj, *, actor: actions.cancel_transfer(actor=actor, transfer=obj),
            ),
        ],
    )


@pytest.fixture
def transfer(tree):
    m = member(tree, 1)
    return actions.request_transfer(
        actor=tree.yubei_admin, membership=m, to_org=tree.jb_grassroots, initiated_by="sender"
    )


def test_a_transition_without_the_permission_for_this_object_is_not_offered(tree, transfer):
    sm = machine()
    # The permission is read for this transfer's unions: the city holds it over both, a
    # district outside both holds the same permission but not for this object.
    assert [o.name for o in sm.offered(transfer, tree.city_admin)] == ["approve", "reject"]
    from gonghui.platform.testing.factories import make_org, staff_with_role

    outsider = staff_with_role(make_org(tree.city, name="万州区总工会"), "org_admin")
    assert sm.offered(transfer, outsider) == []


def test_a_failing_check_offers_the_transition_disabled_with_its_reasons(tree, transfer):
    sm = machine(check=lambda obj, user: ["公示尚未结束（还有 3 个工作日）"])
    offers = {o.name: o for o in sm.offered(transfer, tree.jiangbei_admin)}
    assert not offers["approve"].enabled
    assert offers["approve"].reasons == ("公示尚未结束（还有 3 个工作日）",)
    assert offers["reject"].enabled
    described = {d["name"]: d for d in sm.describe(transfer, tree.jiangbei_admin)}
    assert described["approve"] == {
        "name": "approve",
        "label": "同意转入",
        "enabled": False,
        "reasons": ["公示尚未结束（还有 3 个工作日）"],
    }


def test_faces_and_owner_tests_decide_where_a_transition_appears(tree, transfer):
    from gonghui.members.models import Person
    from gonghui.platform.testing.factories import MemberFactory

    sm = machine()
    assert "cancel" not in [o.name for o in sm.offered(transfer, tree.city_admin, "console")]
    person = Person.objects.get(pk=transfer.membership.person_id)
    person.user = MemberFactory(phone=person.phone)
    person.save(update_fields=["user"])
    transfer = Transfer.objects.get(pk=transfer.pk)
    assert [o.name for o in sm.offered(transfer, person.user, "portal")] == ["cancel"]
    assert sm.offered(transfer, MemberFactory(), "portal") == []
    with pytest.raises(ValueError):
        sm.offered(transfer, person.user, "fax")


def test_run_refuses_with_reasons_and_never_reaches_the_action(tree, transfer):
    calls = []
    sm = machine(check=lambda obj, user: ["名额已满"], calls=calls)
    with pytest.raises(TransitionRefused) as refused:
        sm.run(transfer, tree.jiangbei_admin, "approve")
    assert refused.value.reasons == ["名额已满"] and refused.value.code == "transition_refused"
    assert calls == []
    with pytest.raises(ActionError) as wrong:
        sm.run(transfer, tree.jiangbei_admin, "cancel")  # not on the API face
    assert wrong.value.code == "invalid_transition"


def test_run_executes_the_action_and_a_settled_object_offers_nothing(tree, transfer):
    sm = machine()
    sm.run(transfer, tree.jiangbei_admin, "reject", {"reason": "单位不符"})
    transfer.refresh_from_db()
    assert transfer.state == "rejected" and transfer.reason == "单位不符"
    assert sm.offered(transfer, tree.jiangbei_admin) == []
    with pytest.raises(ActionError) as err:
        sm.run(transfer, tree.jiangbei_admin, "approve")
    assert err.value.code == "invalid_transition"


def test_register_once_per_model(monkeypatch):
    monkeypatch.setattr(transitions, "_MACHINES", {})  # the real registry stays as it is

    class Fake:
        class _meta:
            label_lower = "tests.fake"

    sm = machine()
    assert register(Fake, sm) is sm and machine_for(Fake) is sm and sm.model is Fake
    register(Fake, sm)  # the same machine again is harmless
    with pytest.raises(ValueError):
        register(Fake, machine())


def test_one_api_endpoint_per_transition_with_its_own_schema(tree, transfer):
    class Out(Schema):
        id: int
        state: str

    router = Router()
    sm = machine()
    sm.model = Transfer
    paths = add_transition_routes(
        router,
        sm,
        id_param="transfer_id",
        load=lambda request, pk: Transfer.objects.get(pk=pk),
        respond=lambda request, obj: {"id": obj.pk, "state": obj.state},
        response={200: Out},
    )
    assert paths == ["/{transfer_id}/approve", "/{transfer_id}/reject"]  # cancel: portal only
    operations = {path: router.path_operations[path].operations[0] for path in paths}
    reject, approve = operations["/{transfer_id}/reject"], operations["/{transfer_id}/approve"]
    assert reject.summary == "不同意转会" and approve.summary == "同意转入"
    bodies = {m.__ninja_param_source__: m for m in reject.models}
    assert bodies["body"].model_json_schema()["properties"]["payload"]["$ref"].endswith("ReasonIn")
    assert "body" not in {m.__ninja_param_source__ for m in approve.models}
    assert approve.methods == ["POST"]

    client = TestClient(router)
    response = client.post(
        f"/{transfer.pk}/reject", json={"reason": "单位不符"}, user=tree.jiangbei_admin
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"id": transfer.pk, "state": "rejected"}
