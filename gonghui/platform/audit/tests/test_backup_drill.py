"""The PostgreSQL backup/restore drill (BAK-1)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gonghui.platform.audit.services import record_event
from gonghui.platform.testing.factories import MemberFactory, make_org, staff_with_role


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_refuses_on_sqlite():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("backup_drill")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_drill_restores_a_seeded_database_identically():
    district = make_org(name="渝北区总工会", region_code="500112")
    admin = staff_with_role(district, "org_admin", username="drill_admin")
    for _ in range(3):
        MemberFactory()
    record_event(actor=admin, action="test.drill", details={"note": "你好"})
    out = io.StringIO()
    call_command("backup_drill", stdout=out)
    text = out.getvalue()
    assert "backup drill passed" in text
    assert "audit_auditevent" in text and "MISMATCH" not in text
    assert "no unapplied migrations" in text
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", ["%_drill_%"])
        assert cursor.fetchone()[0] == 0
