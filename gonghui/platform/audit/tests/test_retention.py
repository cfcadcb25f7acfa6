"""Audit retention (AUD-4): the purge keeps security events 180 days and personal-information
processing records 3 years, refuses younger cut-offs, and leaves a verifiable chain."""

import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gonghui.platform.audit import retention
from gonghui.platform.audit.chain import GENESIS
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.audit.services import record_event

pytestmark = pytest.mark.django_db


def at(moment, action):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return record_event(actor=None, action=action, details={"when": moment.isoformat()})


def purge(tmp_path, *args):
    out = io.StringIO()
    call_command("purge_audit", *args, "--archive-dir", str(tmp_path), stdout=out)
    return out.getvalue()


def verify():
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_classification_table():
    assert retention.classify("auth.login_failed") == retention.SECURITY
    assert retention.classify("access.grant_role") == retention.SECURITY
    assert retention.classify("pii.reveal") == retention.PI_PROCESSING
    assert retention.classify("members.export") == retention.PI_PROCESSING
    assert retention.classify("orgs.export_orgs") == retention.PI_PROCESSING
    assert retention.classify("assistance.download_attachment") == retention.PI_PROCESSING
    assert retention.classify("orgs.rename_org") == retention.RECORDS
    assert retention.classify("something.unknown") == retention.PI_PROCESSING


def test_security_events_kept_180_days(tmp_path):
    now = timezone.now()
    old = at(now - timedelta(days=181), "auth.login_failed")
    young = at(now - timedelta(days=179), "auth.login")
    output = purge(tmp_path, "--older-than-days", "180")
    assert "deleted 1 events" in output
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    assert "intact" in verify()


def test_a_cutoff_younger_than_180_days_is_refused(tmp_path):
    now = timezone.now()
    at(now - timedelta(days=179), "auth.login")
    with pytest.raises(CommandError, match="refused"):
        purge(tmp_path, "--before", (now - timedelta(days=10)).date().isoformat())
    with pytest.raises(CommandError, match="refused"):
        purge(tmp_path, "--older-than-days", "179")
    assert AuditEvent.objects.count() == 1


def test_pi_processing_records_kept_three_years_even_when_asked(tmp_path):
    now = timezone.now()
    very_old = at(now - timedelta(days=3 * 366 + 1), "pii.reveal")  # 3 years + more than a day
    reveal = at(now - timedelta(days=3 * 365 - 1), "pii.reveal")  # just under 3 years
    login = at(now - timedelta(days=400), "auth.login")  # past 180 days, but behind the reveal
    export = at(now - timedelta(days=200), "members.export")
    output = purge(tmp_path, "--older-than-days", "181")
    assert "deleted 1 events" in output
    assert "within its minimum retention" in output
    assert not AuditEvent.objects.filter(pk=very_old.pk).exists()
    for kept in (reveal, login, export):
        assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert "intact" in verify()


def test_purge_archives_and_records_the_anchor(tmp_path):
    now = timezone.now()
    events = [at(now - timedelta(days=4 * 365 - i), "members.export") for i in range(3)]
    kept = at(now - timedelta(days=10), "auth.login")
    purge(tmp_path, "--before", (now - timedelta(days=3 * 366)).date().isoformat())
    assert list(AuditEvent.objects.filter(pk__in=[e.pk for e in events])) == []
    marker = AuditEvent.objects.get(action=retention.PURGE_ACTION)
    assert marker.object_id == events[-1].hash == AuditEvent.objects.get(pk=kept.pk).prev_hash
    assert marker.details["deleted"] == 3
    assert retention.current_anchor() == events[-1].hash
    (archive,) = tmp_path.iterdir()
    rows = [json.loads(line) for line in archive.read_text().splitlines()]
    assert [r["hash"] for r in rows] == [e.hash for e in events]
    assert "intact" in verify()
    # A second purge later moves the anchor again and the chain still verifies.
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(days=400)):
        purge(tmp_path, "--older-than-days", "200")
        assert "intact" in verify()
    assert retention.current_anchor() != GENESIS


def test_nothing_to_purge_changes_nothing(tmp_path):
    at(timezone.now() - timedelta(days=200), "pii.reveal")
    output = purge(tmp_path, "--older-than-days", "190")
    assert "deleted 0 events" in output
    assert AuditEvent.objects.count() == 1
    assert retention.current_anchor() == GENESIS


def test_deleting_the_head_without_the_procedure_is_detected(tmp_path):
    now = timezone.now()
    at(now - timedelta(days=400), "auth.login")
    at(now - timedelta(days=300), "auth.login")
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_change"
            )
        AuditEvent.objects.order_by("id").first().delete()
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_change")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with pytest.raises(CommandError, match="broken"):
        verify()
    with pytest.raises(CommandError, match="refused"):
        purge(tmp_path, "--older-than-days", "200")
