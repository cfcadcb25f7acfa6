"""The audit log: hash chain, tamper detection, append-only storage, scrubbing, auth events,
request context."""

import io
import json
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from gonghui.platform.audit import context
from gonghui.platform.audit.chain import GENESIS, compute_hash, verify_chain
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.audit.scrub import scrub, scrub_text
from gonghui.platform.audit.services import record_event
from gonghui.platform.testing.factories import TEST_PASSWORD, UserFactory, make_org

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def chain_of(n, actor=None):
    return [record_event(actor=actor, action=f"test.event_{i}", details={"i": i}) for i in range(n)]


@contextmanager
def trigger_disabled():
    """Let a test tamper with the table like an attacker with table rights would."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred FK checks on the table are pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_change")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_change")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def run_verify():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


# --- the chain --------------------------------------------------------------------------------


def test_events_are_chained():
    user = UserFactory()
    first = record_event(actor=user, action="test.first", details={"a": 1})
    second = record_event(actor=user, action="test.second", details={"b": 2})
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert first.hash != second.hash
    assert len(first.hash) == 64
    for event in (first, second):
        stored = AuditEvent.objects.get(pk=event.pk)
        assert compute_hash(stored) == stored.hash
    assert second.actor == user
    assert second.actor_label == user.username


def test_event_describes_object_and_org(tree):
    event = record_event(actor=tree.yubei_admin, action="test.touch", obj=tree.grassroots)
    assert event.object_type == "orgs.org"
    assert event.object_id == str(tree.grassroots.pk)
    assert event.org_path == tree.grassroots.path


def test_verify_intact_chain():
    chain_of(5)
    checked, broken, reason = verify_chain(AuditEvent.objects.all())
    assert (checked, broken, reason) == (5, None, "")
    assert "audit chain intact: 5 events verified" in run_verify()


def test_verify_empty_chain():
    assert "audit chain intact: 0 events verified" in run_verify()


def test_verify_detects_edited_details():
    events = chain_of(4)
    victim = events[2]
    with trigger_disabled():
        AuditEvent.objects.filter(pk=victim.pk).update(details={"i": 99})
    with pytest.raises(CommandError) as info:
        run_verify()
    message = str(info.value)
    assert f"id={victim.pk}" in message
    assert "content does not match its hash" in message
    assert "2 events before it verified" in message


def test_verify_detects_edited_row_with_recomputed_hash():
    # An attacker who rewrites a row and fixes up its own hash still breaks the next link.
    events = chain_of(4)
    victim = AuditEvent.objects.get(pk=events[1].pk)
    victim.actor_label = "someone-else"
    new_hash = compute_hash(victim)
    with trigger_disabled():
        AuditEvent.objects.filter(pk=victim.pk).update(actor_label="someone-else", hash=new_hash)
    with pytest.raises(CommandError) as info:
        run_verify()
    assert f"id={events[2].pk}" in str(info.value)
    assert "prev_hash" in str(info.value)


def test_verify_detects_deleted_middle_row():
    events = chain_of(5)
    with trigger_disabled():
        AuditEvent.objects.filter(pk=events[2].pk).delete()
    with pytest.raises(CommandError) as info:
        run_verify()
    assert f"id={events[3].pk}" in str(info.value)
    assert "prev_hash does not match" in str(info.value)
    if connection.vendor == "postgresql":  # the trigger is back on after tampering
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=events[3].pk).delete()


def test_verify_detects_deleted_first_row():
    events = chain_of(3)
    with trigger_disabled():
        AuditEvent.objects.filter(pk=events[0].pk).delete()
    with pytest.raises(CommandError) as info:
        run_verify()
    assert f"id={events[1].pk}" in str(info.value)


# --- append-only on PostgreSQL ----------------------------------------------------------------


@postgres_only
def test_update_is_refused_by_the_database():
    event = record_event(actor=None, action="test.keep", details={"x": 1})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(details={"x": 2})
    with pytest.raises(DatabaseError), transaction.atomic():
        event.action = "test.changed"
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).details == {"x": 1}
    assert AuditEvent.objects.get(pk=event.pk).action == "test.keep"


@postgres_only
def test_delete_is_refused_by_the_database():
    event = record_event(actor=None, action="test.keep")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert "intact: 1 events" in run_verify()


# --- scrubbing --------------------------------------------------------------------------------


def test_details_are_scrubbed():
    event = record_event(
        actor=None,
        action="test.scrub",
        details={
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "note": f"身份证{ID_NUMBER}，电话{PHONE}。",
            "nested": {"list": [PHONE, {"deep": ID_NUMBER.lower()}]},
            "count": 3,
            "flag": True,
            "none": None,
        },
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    text = json.dumps(stored.details, ensure_ascii=False)
    assert ID_NUMBER not in text and ID_NUMBER.lower() not in text
    assert PHONE not in text
    assert stored.details["id_number"] == "1****************X"
    assert stored.details["phone"] == "138****5678"
    assert stored.details["note"] == "身份证1****************X，电话138****5678。"
    assert stored.details["nested"]["list"][0] == "138****5678"
    assert stored.details["count"] == 3 and stored.details["flag"] is True
    assert stored.details["none"] is None
    assert compute_hash(stored) == stored.hash


def test_scrub_leaves_other_numbers_alone():
    assert scrub_text("订单 20261126 金额 1234.50") == "订单 20261126 金额 1234.50"
    # A phone embedded in a longer digit run is not a phone.
    assert scrub_text("123812345678999") == "123812345678999"
    assert scrub({"org": 12, "ratio": 0.5}) == {"org": 12, "ratio": "0.5"}


# --- authentication events --------------------------------------------------------------------


def test_console_login_records_event_with_request_context(client):
    user = UserFactory()
    response = client.post(
        "/console/login/",
        {"username": user.username, "password": TEST_PASSWORD, "next": "/console/"},
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == user
    assert event.object_id == str(user.pk)
    assert event.details == {"method": "password"}
    assert event.ip == "127.0.0.1"
    assert event.request_id
    assert response["X-Request-ID"] == event.request_id


def test_client_login_and_logout_record_events(client):
    user = UserFactory()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    client.logout()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_id"))
    assert actions == [("auth.login", user.pk), ("auth.logout", user.pk)]
    assert "intact: 2 events" in run_verify()


def test_console_logout_records_event(client):
    user = UserFactory()
    client.force_login(user)
    before = AuditEvent.objects.filter(action="auth.logout").count()
    response = client.post("/console/logout/")
    assert response.status_code in (200, 302)
    logout = AuditEvent.objects.filter(action="auth.logout")
    assert logout.count() == before + 1
    event = logout.latest("id")
    assert event.actor == user
    assert event.request_id == response["X-Request-ID"]


def test_failed_login_records_event_without_password(client):
    user = UserFactory()
    assert not client.login(username=user.username, password="wrong-password-1")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None
    assert event.actor_label == user.username
    assert event.details == {"username": user.username}
    assert "wrong-password-1" not in json.dumps(event.details)
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_failed_console_login_records_event(client):
    user = UserFactory()
    response = client.post(
        "/console/login/", {"username": user.username, "password": "nope-nope-1"}
    )
    assert response.status_code == 200  # the form again
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor_label == user.username
    assert event.ip == "127.0.0.1"
    assert event.request_id == response["X-Request-ID"]


def test_failed_login_with_phone_as_username_is_scrubbed(client):
    assert not client.login(username=PHONE, password="whatever-123")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert PHONE not in event.actor_label
    assert PHONE not in json.dumps(event.details)
    assert event.actor_label == "138****5678"


# --- request context --------------------------------------------------------------------------


def test_response_carries_request_id(client):
    first = client.get("/healthz")
    second = client.get("/healthz")
    assert first["X-Request-ID"] and second["X-Request-ID"]
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_safe_incoming_request_id_is_kept_unsafe_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abcd-1234-ef")["X-Request-ID"] == (
        "abcd-1234-ef"
    )
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="bad id<script>")["X-Request-ID"]
    assert replaced != "bad id<script>"
    assert replaced.isalnum()


def test_request_id_and_ip_reach_events_written_by_views(client, tree):
    client.force_login(tree.yubei_admin)
    org = make_org(tree.township, "grassroots", contact_phone=PHONE)
    response = client.post(
        "/console/pii/reveal/",
        {
            "label": "orgs.org",
            "pk": org.pk,
            "field": "contact_phone",
            "reveal_purpose_contact_phone": "核实联系人",
        },
        HTTP_X_REQUEST_ID="req-0123456789",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.request_id == "req-0123456789"
    assert event.ip == "127.0.0.1"  # X-Forwarded-For is never trusted


def test_events_outside_requests_have_no_context():
    assert context.current() == context.RequestContext()
    event = record_event(actor=None, action="test.cli")
    assert event.ip is None
    assert event.request_id == ""
