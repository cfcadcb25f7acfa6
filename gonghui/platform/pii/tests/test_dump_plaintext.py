"""No plaintext phone number anywhere in a database dump of the demo data.

Loads the demo (members, orgs, audit trail), adds org contact phones through the normal
action, then dumps the database twice: through ``dumpdata`` (what an operator would hand to a
backup or a migration) and at the SQL level (every row of every table, as a backup of the
database files would hold it). Neither may contain a phone number in clear.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from gonghui.accounts.models import User
from gonghui.demo.seed import DEMO_MEMBER_PHONE, seed_demo
from gonghui.orgs.actions import update_org
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Org
from gonghui.platform.pii import crypto

pytestmark = pytest.mark.django_db

ORG_PHONES = ["13912345678", "13712345670", "15912345671"]
PHONES = [DEMO_MEMBER_PHONE, *ORG_PHONES]


def spellings(phone: str) -> list[str]:
    return [
        phone,
        f"+86{phone}",
        f"+86 {phone}",
        f"{phone[:3]} {phone[3:7]} {phone[7:]}",
        f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
    ]


FORBIDDEN = [s for p in PHONES for s in spellings(p)]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data with some org contact phones, loaded once for this module."""
    with django_db_blocker.unblock():
        from django.db import transaction

        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seed_demo(members_per_union=4)
            city_admin = User.objects.get(username="city_admin")
            orgs = list(Org.objects.filter(kind=OrgKind.GRASSROOTS).order_by("path")[:2]) + [
                Org.objects.get(depth=1)
            ]
            for org, phone in zip(orgs, ORG_PHONES, strict=True):
                update_org(actor=city_admin, org=org, contact_phone=phone)
            yield orgs
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def assert_no_plaintext(text: str, where: str):
    found = sorted({s for s in FORBIDDEN if s in text})
    assert not found, f"{where} contains plaintext phone numbers: {found}"


def test_data_is_present_and_readable(demo):
    # The dump tests below would pass trivially if the phones were never stored.
    member = User.objects.get_by_phone(DEMO_MEMBER_PHONE)
    assert member.phone == DEMO_MEMBER_PHONE
    for org, phone in zip(demo, ORG_PHONES, strict=True):
        assert Org.objects.get(pk=org.pk).contact_phone == phone


def test_dumpdata_has_no_plaintext_phone(demo):
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    text = out.getvalue()
    assert "orgs.org" in text and "accounts.user" in text
    assert_no_plaintext(text, "dumpdata")
    # The JSON escapes non-ASCII but leaves digits alone; decode it to be sure.
    assert_no_plaintext(json.dumps(json.loads(text), ensure_ascii=False), "dumpdata (decoded)")


def test_dumpdata_round_trips_through_loaddata(demo, tmp_path):
    """What dumpdata writes must load back to the same plaintext (no double encryption)."""
    member = User.objects.get_by_phone(DEMO_MEMBER_PHONE)
    org = demo[0]
    out = io.StringIO()
    call_command("dumpdata", "accounts.user", "orgs.org", stdout=out)
    records = [
        r
        for r in json.loads(out.getvalue())
        if (r["model"], r["pk"]) in {("accounts.user", member.pk), ("orgs.org", org.pk)}
    ]
    assert len(records) == 2
    fixture = tmp_path / "pii.json"
    fixture.write_text(json.dumps(records), encoding="utf-8")
    User.objects.filter(pk=member.pk).update(phone="")
    Org.objects.filter(pk=org.pk).update(contact_phone="")
    call_command("loaddata", str(fixture), stdout=io.StringIO())
    assert User.objects.get(pk=member.pk).phone == DEMO_MEMBER_PHONE
    assert Org.objects.get(pk=org.pk).contact_phone == ORG_PHONES[0]


def sql_dump() -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    assert connection.vendor == "postgresql"
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
            ORDER BY table_name, ordinal_position
            """
        )
        columns = cursor.fetchall()
        for table, column in columns:
            qn = connection.ops.quote_name
            cursor.execute(f"SELECT {qn(column)}::text FROM {qn(table)}")  # noqa: S608
            chunks.extend(value for (value,) in cursor.fetchall() if value)
    return "\n".join(chunks)


def test_sql_dump_has_no_plaintext_phone(demo):
    text = sql_dump()
    assert "重庆市总工会" in text  # the dump did read the tables
    assert_no_plaintext(text, f"the {connection.vendor} dump")


def test_phones_are_stored_as_ciphertext(demo):
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM orgs_org WHERE id = %s", [demo[0].pk])
        (raw,) = cursor.fetchone()
        member = User.objects.get_by_phone(DEMO_MEMBER_PHONE)
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [member.pk])
        (raw_member,) = cursor.fetchone()
    assert raw.startswith("v1:") and crypto.decrypt(raw) == ORG_PHONES[0]
    assert raw_member.startswith("v1:") and crypto.decrypt(raw_member) == DEMO_MEMBER_PHONE
