"""Revealing a masked value: scope, permission, purpose, and exactly one audit event."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.pii.actions import reveal
from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.workflow.base import ActionError, OutOfScope

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
PURPOSE = "联系工会联络人核实会员信息"


@pytest.fixture
def org(tree):
    tree.grassroots.contact_phone = PHONE
    tree.grassroots.save(update_fields=["contact_phone"])
    return tree.grassroots


def reveal_events():
    return AuditEvent.objects.filter(action="pii.reveal")


def test_insider_with_permission_sees_full_value_and_is_audited(tree, org):
    before = AuditEvent.objects.count()
    value = reveal(actor=tree.yubei_admin, obj=org, field="contact_phone", purpose=PURPOSE)
    assert value == PHONE
    assert AuditEvent.objects.count() == before + 1
    event = reveal_events().get()
    assert event.actor == tree.yubei_admin
    assert event.object_type == "orgs.org"
    assert event.object_id == str(org.pk)
    assert event.org_path == org.path
    assert event.details["field"] == "contact_phone"
    assert event.details["purpose"] == PURPOSE
    assert event.details["category"] == "phone"
    assert PHONE not in json.dumps(event.details, ensure_ascii=False)


def test_city_admin_may_reveal_too(tree, org):
    assert reveal(actor=tree.city_admin, obj=org, field="contact_phone", purpose=PURPOSE) == PHONE
    assert reveal_events().count() == 1


@pytest.mark.parametrize("purpose", ["", "   ", "x", None])
def test_missing_purpose_is_refused_without_event(tree, org, purpose):
    with pytest.raises(ActionError) as info:
        reveal(actor=tree.yubei_admin, obj=org, field="contact_phone", purpose=purpose)
    assert isinstance(info.value, ValidationError)
    assert info.value.code == "purpose_required"
    assert not reveal_events().exists()
    assert not AuditEvent.objects.exists()


def test_unregistered_field_cannot_be_revealed(tree, org):
    with pytest.raises(ActionError) as info:
        reveal(actor=tree.yubei_admin, obj=org, field="name", purpose=PURPOSE)
    assert info.value.code == "not_pi"
    assert not reveal_events().exists()


def test_outsider_gets_404(tree, org):
    with pytest.raises(Http404) as info:
        reveal(actor=tree.jiangbei_admin, obj=org, field="contact_phone", purpose=PURPOSE)
    assert isinstance(info.value, OutOfScope)
    assert not reveal_events().exists()


def test_user_without_any_grant_gets_404(tree, org):
    from gonghui.platform.testing.factories import UserFactory

    with pytest.raises(Http404):
        reveal(actor=UserFactory(), obj=org, field="contact_phone", purpose=PURPOSE)
    assert not reveal_events().exists()


def test_viewer_without_reveal_permission_gets_403(tree, org):
    viewer = staff_with_role(tree.yubei, "viewer")
    with pytest.raises(PermissionDenied):
        reveal(actor=viewer, obj=org, field="contact_phone", purpose=PURPOSE)
    assert not reveal_events().exists()


def test_reveal_permission_must_cover_the_object(tree, org):
    # Viewer over 渝北 (sees the org) plus reveal rights only over 江北: still refused.
    user = staff_with_role(tree.yubei, "viewer")
    from gonghui.platform.testing.factories import grant

    grant(user, tree.jiangbei, "org_admin")
    with pytest.raises(Http404):
        reveal(actor=user, obj=org, field="contact_phone", purpose=PURPOSE)
    assert not reveal_events().exists()


def test_reveal_reads_the_stored_value_not_the_callers_copy(tree, org):
    stale = type(org).objects.get(pk=org.pk)
    stale.contact_phone = "13900000000"  # unsaved edit must not be "revealed"
    assert reveal(actor=tree.yubei_admin, obj=stale, field="contact_phone", purpose=PURPOSE) == (
        PHONE
    )


# --- the console endpoint ---------------------------------------------------------------------


def post_reveal(client, org, purpose=PURPOSE, field="contact_phone"):
    return client.post(
        reverse("console-reveal"),
        {
            "label": "orgs.org",
            "pk": org.pk,
            "field": field,
            f"reveal_purpose_{field}": purpose,
        },
    )


def test_console_reveal_for_insider(client, tree, org):
    client.force_login(tree.yubei_admin)
    response = post_reveal(client, org)
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    event = reveal_events().get()
    assert event.details["purpose"] == PURPOSE
    assert event.request_id == response["X-Request-ID"]
    assert event.ip == "127.0.0.1"


def test_console_reveal_without_purpose_shows_error(client, tree, org):
    client.force_login(tree.yubei_admin)
    response = post_reveal(client, org, purpose="")
    assert PHONE not in response.content.decode()
    assert not reveal_events().exists()


def test_console_reveal_for_outsider_is_404(client, tree, org):
    client.force_login(tree.jiangbei_admin)
    response = post_reveal(client, org)
    assert response.status_code == 404
    assert PHONE not in response.content.decode()
    assert not reveal_events().exists()


def test_console_reveal_for_viewer_is_403(client, tree, org):
    client.force_login(staff_with_role(tree.yubei, "viewer"))
    response = post_reveal(client, org)
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert not reveal_events().exists()


def test_console_reveal_needs_post_and_login(client, tree, org):
    response = post_reveal(client, org)
    assert response.status_code == 302
    assert "/console/login/" in response["Location"]
    client.force_login(tree.yubei_admin)
    assert client.get(reverse("console-reveal")).status_code == 405
    assert not reveal_events().exists()


def test_console_reveal_unknown_model_is_404(client, tree, org):
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse("console-reveal"),
        {"label": "nope.nothing", "pk": org.pk, "field": "contact_phone"},
    )
    assert response.status_code == 404
