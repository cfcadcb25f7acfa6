"""The blind index of the ID number no longer has a ``varchar_pattern_ops`` twin on PostgreSQL
(``platform/pii/fields.py``, ADR 0014): drop the one Django created. Only ever compared
whole, never by prefix. Nothing to do on SQLite, which has no such index."""

from django.db import migrations

NAME = "assistance_householdmember_id_index_0fb3bd61_like"
TABLE, COLUMN = "assistance_householdmember", "id_index"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "{TABLE}" ("{COLUMN}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("assistance", "0003_verified_amounts")]

    operations = [migrations.RunPython(drop, recreate, elidable=False)]
