"""Key rotation: rows written under an old key are re-encrypted under the new primary key."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from config.env import new_pii_key
from gonghui.orgs.models import Org
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.pii import crypto
from gonghui.platform.testing.factories import make_org

pytestmark = pytest.mark.django_db


def raw_phone(org):
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM orgs_org WHERE id = %s", [org.pk])
        return cursor.fetchone()[0]


def test_rotation_reencrypts_under_new_key_and_keeps_values(settings):
    old = f"k1:{new_pii_key()}"
    settings.GONGHUI_PII_KEYS = old
    orgs = [make_org(name=f"轮换{i}", contact_phone=f"1391234567{i}") for i in range(3)]
    assert all(crypto.key_id_of(raw_phone(o)) == "k1" for o in orgs)

    settings.GONGHUI_PII_KEYS = f"k2:{new_pii_key()},{old}"
    out = io.StringIO()
    call_command("rotate_pii_keys", "--batch-size", "2", stdout=out)
    assert "re-encrypted 3 rows under key k2" in out.getvalue()
    for i, org in enumerate(orgs):
        assert crypto.key_id_of(raw_phone(org)) == "k2"
        assert Org.objects.get(pk=org.pk).contact_phone == f"1391234567{i}"
    assert AuditEvent.objects.filter(action="pii.rotate_keys").count() == 1

    # The old key can now be dropped: values still read with the new key alone.
    settings.GONGHUI_PII_KEYS = settings.GONGHUI_PII_KEYS.split(",")[0]
    assert Org.objects.get(pk=orgs[0].pk).contact_phone == "13912345670"

    # Running again finds nothing to do.
    out = io.StringIO()
    call_command("rotate_pii_keys", stdout=out)
    assert "re-encrypted 0 rows" in out.getvalue()
