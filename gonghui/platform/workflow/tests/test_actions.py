"""The write path (``@action``): permission, scope, post-write re-check, one audit event,
guards, state machine, deferred side effects. Exercised through the org actions."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404

from gonghui.orgs.actions import (
    change_org_status,
    create_org,
    move_org,
    org_status,
    register_employer,
    update_org,
)
from gonghui.orgs.choices import OrgKind, OrgStatus
from gonghui.orgs.models import Employer, Org
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.testing.factories import UserFactory, grant, staff_with_role
from gonghui.platform.validators import make_uscc_for
from gonghui.platform.workflow.base import (
    ActionContext,
    ActionError,
    OutOfScope,
    StateMachine,
    Transition,
    action,
)

pytestmark = pytest.mark.django_db

BAD_CHECKSUM_USCC = "91350100M0001TGQXM"


def snapshot():
    """Everything an action could have written: the tree, employers and the audit log."""
    return (
        list(Org.objects.order_by("pk").values_list("pk", "path", "depth", "numchild", "name")),
        list(Employer.objects.order_by("pk").values_list("pk", "org_id", "name")),
        AuditEvent.objects.count(),
    )


# --- create_org: audit, permission, scope -----------------------------------------------------


def test_create_org_writes_one_audit_event(tree):
    before = AuditEvent.objects.count()
    org = create_org(
        actor=tree.yubei_admin,
        parent=tree.township,
        kind=OrgKind.GRASSROOTS,
        name="  新建公司工会  ",
        contact_phone="13812345678",
    )
    assert org.pk and org.name == "新建公司工会"
    assert Org.objects.get_parent(org) == tree.township
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="orgs.create_org")
    assert event.actor == tree.yubei_admin
    assert event.actor_label == tree.yubei_admin.username
    assert event.object_type == "orgs.org"
    assert event.object_id == str(org.pk)
    assert event.org_path == org.path
    assert event.details == {
        "name": "新建公司工会",
        "kind": OrgKind.GRASSROOTS,
        "parent": tree.township.name,
    }
    assert "13812345678" not in json.dumps(event.details)


def test_create_org_without_permission_is_403_and_writes_nothing(tree):
    viewer = staff_with_role(tree.yubei, "viewer")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        create_org(actor=viewer, parent=tree.township, kind=OrgKind.GRASSROOTS, name="不该有")
    assert snapshot() == before


def test_create_org_by_anonymous_actor_is_403(tree):
    from django.contrib.auth.models import AnonymousUser

    before = snapshot()
    for actor in (None, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            create_org(actor=actor, parent=tree.township, kind=OrgKind.GRASSROOTS, name="x")
    assert snapshot() == before


def test_create_org_outside_scope_is_404_and_writes_nothing(tree):
    before = snapshot()
    with pytest.raises(Http404) as info:
        create_org(
            actor=tree.yubei_admin, parent=tree.jiangbei, kind=OrgKind.GRASSROOTS, name="越界"
        )
    assert isinstance(info.value, OutOfScope)
    assert snapshot() == before
    assert not Org.objects.filter(name="越界").exists()


def test_create_org_with_view_only_on_parent_is_404(tree):
    # org_admin over the township's subtree plus viewer on 渝北: may add under the township,
    # not under 渝北 itself.
    user = staff_with_role(tree.township, "org_admin")
    grant(user, tree.yubei, "viewer")
    create_org(actor=user, parent=tree.township, kind=OrgKind.GRASSROOTS, name="镇街下属工会")
    before = snapshot()
    with pytest.raises(Http404):
        create_org(actor=user, parent=tree.yubei, kind=OrgKind.GRASSROOTS, name="区下属工会")
    assert snapshot() == before


def test_create_child_the_actor_would_not_manage_is_rolled_back(tree):
    # A grant on the township alone (no descendants): the parent is in scope, but the new
    # child would not be; the post-write re-check rolls the creation back.
    user = staff_with_role(tree.township, "org_admin", include_descendants=False)
    before = snapshot()
    with pytest.raises(OutOfScope):
        create_org(actor=user, parent=tree.township, kind=OrgKind.GRASSROOTS, name="管不到")
    assert snapshot() == before
    assert not Org.objects.filter(name="管不到").exists()


def test_positional_arguments_are_refused(tree):
    before = snapshot()
    with pytest.raises(TypeError):
        create_org(tree.township, actor=tree.yubei_admin, kind=OrgKind.GRASSROOTS, name="x")
    with pytest.raises(TypeError):
        create_org(parent=tree.township, kind=OrgKind.GRASSROOTS, name="x")  # no actor
    with pytest.raises(TypeError):
        create_org(
            actor=tree.yubei_admin,
            parent=tree.township,
            kind=OrgKind.GRASSROOTS,
            name="x",
            status="dissolved",  # not an editable field
        )
    assert snapshot() == before


def test_action_metadata():
    assert create_org.action_name == "orgs.create_org"
    assert create_org.permission == "orgs.add_org"
    assert create_org.__name__ == "create_org"


# --- move_org and the post-write re-check ----------------------------------------------------


def test_move_out_of_own_subtree_is_404_and_tree_unchanged(tree):
    before = snapshot()
    with pytest.raises(Http404):
        move_org(actor=tree.yubei_admin, org=tree.township, new_parent=tree.jiangbei)
    assert snapshot() == before
    assert Org.objects.get_parent(Org.objects.get(pk=tree.township.pk)) == tree.yubei


def test_move_to_parent_seen_but_not_managed_is_404(tree):
    user = staff_with_role(tree.township, "org_admin")
    grant(user, tree.jiangbei, "viewer")
    before = snapshot()
    with pytest.raises(Http404):
        move_org(actor=user, org=tree.grassroots, new_parent=tree.jiangbei)
    assert snapshot() == before


def test_move_within_scope_works_and_is_audited(tree):
    org = move_org(actor=tree.yubei_admin, org=tree.grassroots, new_parent=tree.yubei)
    assert Org.objects.get_parent(org) == tree.yubei
    assert org.path.startswith(tree.yubei.path) and org.depth == tree.yubei.depth + 1
    event = AuditEvent.objects.get(action="orgs.move_org")
    assert event.details == {"from": tree.township.name, "to": tree.yubei.name}
    assert event.org_path == org.path


def test_move_guards(tree):
    before = snapshot()
    with pytest.raises(ActionError) as info:
        move_org(actor=tree.yubei_admin, org=tree.yubei, new_parent=tree.grassroots)
    assert info.value.code == "cycle"
    with pytest.raises(ActionError) as info:
        move_org(actor=tree.yubei_admin, org=tree.township, new_parent=tree.grassroots)
    assert info.value.code in ("invalid_parent_kind", "cycle")
    with pytest.raises(ActionError) as info:
        move_org(actor=tree.city_admin, org=tree.township, new_parent=tree.jb_grassroots)
    assert info.value.code == "invalid_parent_kind"
    assert snapshot() == before


@action("test.sneaky_move", permission="orgs.change_org")
def sneaky_move(ctx, *, org, new_parent, new_name=None):
    """A buggy action: checks the org but not the target, and renames first."""
    org = ctx.require(org)
    ctx.lock(org)
    if new_name:
        org.name = new_name
        org.save(update_fields=["name"])
    Org.objects.move(org, new_parent, pos="last-child")
    org = Org.objects.get(pk=org.pk)
    ctx.wrote(org, details={"to": new_parent.name})
    return org


def test_post_write_recheck_rolls_back_a_move_out_of_scope(tree):
    before = snapshot()
    with pytest.raises(OutOfScope):
        sneaky_move(
            actor=tree.yubei_admin, org=tree.grassroots, new_parent=tree.jiangbei, new_name="改名"
        )
    assert snapshot() == before
    fresh = Org.objects.get(pk=tree.grassroots.pk)
    assert fresh.name == "渝北测试公司工会"
    assert Org.objects.get_parent(fresh) == tree.township
    assert not AuditEvent.objects.filter(action="test.sneaky_move").exists()


def test_post_write_recheck_passes_inside_scope(tree):
    org = sneaky_move(actor=tree.yubei_admin, org=tree.grassroots, new_parent=tree.yubei)
    assert Org.objects.get_parent(org) == tree.yubei
    assert AuditEvent.objects.filter(action="test.sneaky_move").count() == 1


@action("test.touch_with_recheck", permission="orgs.view_org")
def touch_with_recheck(ctx, *, org, recheck):
    org = ctx.require(org)
    org.note = "touched"
    org.save(update_fields=["note"])
    ctx.wrote(org, recheck=recheck)
    return org


def test_recheck_uses_the_given_permission(tree):
    # A viewer may "touch" (view permission) but the re-check for change fails: rolled back.
    viewer = staff_with_role(tree.yubei, "viewer")
    touch_with_recheck(actor=viewer, org=tree.grassroots, recheck=None)
    assert Org.objects.get(pk=tree.grassroots.pk).note == "touched"
    Org.objects.filter(pk=tree.grassroots.pk).update(note="")
    with pytest.raises(OutOfScope):
        touch_with_recheck(actor=viewer, org=tree.grassroots, recheck="orgs.change_org")
    assert Org.objects.get(pk=tree.grassroots.pk).note == ""


def test_failed_action_inside_outer_transaction_leaves_outer_work(tree):
    with transaction.atomic():
        create_org(actor=tree.yubei_admin, parent=tree.township, kind="grassroots", name="甲")
        with pytest.raises(OutOfScope):
            sneaky_move(actor=tree.yubei_admin, org=tree.grassroots, new_parent=tree.jiangbei)
    assert Org.objects.filter(name="甲").exists()
    assert Org.objects.get_parent(Org.objects.get(pk=tree.grassroots.pk)) == tree.township
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["orgs.create_org"]


# --- guards -----------------------------------------------------------------------------------


def test_guard_errors_are_validation_errors_with_codes(tree):
    before = snapshot()
    cases = [
        (dict(parent=tree.grassroots, kind=OrgKind.GRASSROOTS, name="子"), "invalid_parent_kind"),
        (dict(parent=tree.township, kind=OrgKind.GRASSROOTS, name="   "), "required"),
        (dict(parent=tree.township, kind="planet", name="x"), "invalid_kind"),
        (
            dict(parent=tree.township, kind=OrgKind.GRASSROOTS, name="x", region_code="5001"),
            "invalid_region",
        ),
        (
            dict(parent=tree.township, kind=OrgKind.GRASSROOTS, name="x", uscc="not-a-code"),
            "invalid_uscc",
        ),
        (dict(parent=None, kind=OrgKind.CITY_FEDERATION, name="第二个根"), "parent_required"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ActionError) as info:
            create_org(actor=tree.city_admin, **kwargs)
        assert isinstance(info.value, ValidationError)
        assert info.value.code == code, kwargs
        assert info.value.messages
    assert snapshot() == before


def test_dissolve_guards_and_transition(tree):
    before = snapshot()
    with pytest.raises(ActionError) as info:
        change_org_status(
            actor=tree.yubei_admin, org=tree.township, transition="dissolve", reason="合并"
        )
    assert info.value.code == "has_children"
    with pytest.raises(ActionError) as info:
        change_org_status(actor=tree.yubei_admin, org=tree.grassroots, transition="dissolve")
    assert info.value.code == "reason_required"
    with pytest.raises(ActionError) as info:
        change_org_status(
            actor=tree.yubei_admin, org=tree.grassroots, transition="dissolve", reason="  "
        )
    assert info.value.code == "reason_required"
    assert snapshot() == before

    org = change_org_status(
        actor=tree.yubei_admin, org=tree.grassroots, transition="dissolve", reason="企业注销"
    )
    assert org.status == OrgStatus.DISSOLVED
    assert Org.objects.get(pk=org.pk).status == OrgStatus.DISSOLVED
    event = AuditEvent.objects.get(action="orgs.change_org_status")
    assert event.details == {"transition": "active→dissolved", "reason": "企业注销"}

    # Now the township has no active child and may close.
    change_org_status(
        actor=tree.yubei_admin, org=tree.township, transition="mark_merged", reason="合并"
    )
    assert Org.objects.get(pk=tree.township.pk).status == OrgStatus.MERGED


def test_state_machine_refuses_illegal_transitions(tree):
    change_org_status(
        actor=tree.yubei_admin, org=tree.grassroots, transition="dissolve", reason="注销"
    )
    before = snapshot()
    events = AuditEvent.objects.count()
    for transition in ("dissolve", "mark_merged"):
        with pytest.raises(ActionError) as info:
            change_org_status(
                actor=tree.yubei_admin, org=tree.grassroots, transition=transition, reason="x"
            )
        assert info.value.code == "invalid_transition"
    with pytest.raises(ActionError) as info:
        change_org_status(actor=tree.yubei_admin, org=tree.township, transition="reactivate")
    assert info.value.code == "invalid_transition"
    assert snapshot() == before and AuditEvent.objects.count() == events

    org = change_org_status(actor=tree.yubei_admin, org=tree.grassroots, transition="reactivate")
    assert org.status == OrgStatus.ACTIVE


def test_state_machine_directly(tree):
    machine = StateMachine(
        "status",
        [
            Transition("close", frozenset({"active"}), "dissolved"),
            Transition("reopen", frozenset({"dissolved"}), "active"),
        ],
    )
    org = tree.grassroots
    assert [t.name for t in machine.allowed(org)] == ["close"]
    assert machine.can(org, "close") and not machine.can(org, "reopen")
    assert not machine.can(org, "no_such_transition")
    ctx = ActionContext(actor=tree.yubei_admin, name="test", permission=None)
    with pytest.raises(ActionError) as info:
        machine.apply(ctx, org, "reopen")
    assert info.value.code == "invalid_transition"
    assert Org.objects.get(pk=org.pk).status == "active"
    assert machine.apply(ctx, org, "close") == "dissolved"
    assert Org.objects.get(pk=org.pk).status == "dissolved"
    assert ctx.details["transition"] == "active→dissolved"
    assert {t.name for t in org_status.allowed(org)} == {"reactivate"}


# --- credit codes -----------------------------------------------------------------------------


def test_duplicate_uscc_is_refused(tree):
    code = make_uscc_for(424242, region_code="500112")
    create_org(
        actor=tree.yubei_admin, parent=tree.township, kind="grassroots", name="甲", uscc=code
    )
    before = snapshot()
    with pytest.raises(ActionError) as info:
        create_org(
            actor=tree.yubei_admin, parent=tree.township, kind="grassroots", name="乙", uscc=code
        )
    assert info.value.code == "duplicate_uscc"
    with pytest.raises(ActionError) as info:
        update_org(actor=tree.yubei_admin, org=tree.grassroots, uscc=code.lower())
    assert info.value.code == "duplicate_uscc"
    assert snapshot() == before


def test_uscc_failing_checksum_needs_confirmation(tree):
    before = snapshot()
    with pytest.raises(ActionError) as info:
        create_org(
            actor=tree.yubei_admin,
            parent=tree.township,
            kind="grassroots",
            name="校验失败",
            uscc=BAD_CHECKSUM_USCC,
        )
    assert info.value.code == "uscc_checksum"
    assert snapshot() == before
    org = create_org(
        actor=tree.yubei_admin,
        parent=tree.township,
        kind="grassroots",
        name="校验失败",
        uscc=BAD_CHECKSUM_USCC,
        uscc_confirmed=True,
    )
    assert Org.objects.get(pk=org.pk).uscc == BAD_CHECKSUM_USCC


def test_register_employer(tree):
    code = make_uscc_for(777, region_code="500112")
    fields = dict(
        name="渝北测试制造有限公司",
        uscc=code,
        industry_section="C",
        ownership="private",
        headcount=120,
        region_code="500112",
    )
    viewer = staff_with_role(tree.yubei, "viewer")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        register_employer(actor=viewer, org=tree.grassroots, **fields)
    with pytest.raises(Http404):
        register_employer(actor=tree.jiangbei_admin, org=tree.grassroots, **fields)
    with pytest.raises(ActionError) as info:
        register_employer(actor=tree.yubei_admin, org=tree.grassroots, **{**fields, "uscc": ""})
    assert info.value.code == "required"
    with pytest.raises(ActionError) as info:
        register_employer(
            actor=tree.yubei_admin, org=tree.grassroots, **{**fields, "uscc": BAD_CHECKSUM_USCC}
        )
    assert info.value.code == "uscc_checksum"
    assert snapshot() == before

    employer = register_employer(actor=tree.yubei_admin, org=tree.grassroots, **fields)
    assert employer.org == tree.grassroots and not employer.uscc_checksum_confirmed
    event = AuditEvent.objects.get(action="orgs.register_employer")
    assert event.object_type == "orgs.employer" and event.org_path == tree.grassroots.path
    with pytest.raises(ActionError) as info:
        register_employer(actor=tree.yubei_admin, org=tree.grassroots, **fields)
    assert info.value.code == "duplicate_uscc"
    confirmed = register_employer(
        actor=tree.yubei_admin,
        org=tree.grassroots,
        uscc_confirmed=True,
        **{**fields, "uscc": BAD_CHECKSUM_USCC},
    )
    assert confirmed.uscc_checksum_confirmed


def test_update_org_masks_phone_in_audit(tree):
    update_org(actor=tree.yubei_admin, org=tree.grassroots, contact_phone="13912345678", note="n")
    assert Org.objects.get(pk=tree.grassroots.pk).contact_phone == "13912345678"
    event = AuditEvent.objects.get(action="orgs.update_org")
    assert event.details == {"changed": {"contact_phone": "***", "note": "n"}}
    assert "13912345678" not in json.dumps(event.details)


# --- side effects after commit ----------------------------------------------------------------


@action("test.with_side_effect", permission="orgs.change_org")
def with_side_effect(ctx, *, org, sent, fail=False):
    org = ctx.require(org)
    org.note = "changed"
    org.save(update_fields=["note"])
    ctx.on_commit(lambda: sent.append(Org.objects.get(pk=org.pk).note))
    ctx.wrote(org)
    if fail:
        raise ActionError("refused", code="refused")
    return org


def test_on_commit_runs_after_commit_only(tree, django_capture_on_commit_callbacks):
    sent = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with_side_effect(actor=tree.yubei_admin, org=tree.grassroots, sent=sent)
        assert sent == []  # deferred, not run inside the action
    assert len(callbacks) == 1
    assert sent == ["changed"]


def test_on_commit_does_not_run_when_action_fails(tree, django_capture_on_commit_callbacks):
    sent = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ActionError):
            with_side_effect(actor=tree.yubei_admin, org=tree.grassroots, sent=sent, fail=True)
        with pytest.raises(OutOfScope):
            with_side_effect(actor=tree.yubei_admin, org=tree.jb_grassroots, sent=sent)
    assert callbacks == []
    assert sent == []
    assert Org.objects.get(pk=tree.grassroots.pk).note == ""


@pytest.mark.django_db(transaction=True)
def test_on_commit_with_real_transactions(tree):
    sent = []
    with_side_effect(actor=tree.yubei_admin, org=tree.grassroots, sent=sent)
    assert sent == ["changed"]
    assert not connection.in_atomic_block

    sent.clear()
    with pytest.raises(ActionError):
        with_side_effect(actor=tree.yubei_admin, org=tree.township, sent=sent, fail=True)
    assert sent == []
    assert Org.objects.get(pk=tree.township.pk).note == ""

    # Inside an outer transaction the side effect waits for the outer commit...
    with transaction.atomic():
        with_side_effect(actor=tree.yubei_admin, org=tree.township, sent=sent)
        assert sent == []
    assert sent == ["changed"]

    # ...and never happens if the outer transaction rolls back.
    sent.clear()
    with transaction.atomic():
        with_side_effect(actor=tree.yubei_admin, org=tree.yubei, sent=sent)
        transaction.set_rollback(True)
    assert sent == []
    assert Org.objects.get(pk=tree.yubei.pk).note == ""


def test_action_without_audit_flag_writes_no_event(tree):
    @action("test.quiet", permission="orgs.change_org", audit=False)
    def quiet(ctx, *, org):
        org = ctx.require(org)
        ctx.wrote(org)
        return org

    before = AuditEvent.objects.count()
    quiet(actor=tree.yubei_admin, org=tree.grassroots)
    assert AuditEvent.objects.count() == before


def test_user_without_grants_cannot_act(tree):
    nobody = UserFactory()
    before = snapshot()
    with pytest.raises(PermissionDenied):
        update_org(actor=nobody, org=tree.grassroots, name="x")
    with pytest.raises(PermissionDenied):
        move_org(actor=nobody, org=tree.grassroots, new_parent=tree.yubei)
    assert snapshot() == before
