"""The objector's name becomes encrypted PI: widen the column, then encrypt what was stored
in plain text (read with SQL, since the field now expects ciphertext)."""

from django.db import migrations

import gonghui.platform.pii.fields
from gonghui.platform.pii import crypto


def encrypt_names(apps, schema_editor):
    Objection = apps.get_model("assistance", "Objection")
    table = schema_editor.connection.ops.quote_name(Objection._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, raised_by FROM {table} WHERE raised_by <> ''")  # noqa: S608
        rows = cursor.fetchall()
    for pk, name in rows:
        if crypto.key_id_of(name) is not None:
            continue  # already ciphertext (a database that went down and up again)
        # The historical field is the real EncryptedTextField: update() encrypts.
        Objection.objects.filter(pk=pk).update(raised_by=name)


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0006_public_objections"),
    ]

    operations = [
        migrations.AlterField(
            model_name="objection",
            name="raised_by",
            field=gonghui.platform.pii.fields.EncryptedTextField(
                blank=True, kind="name", verbose_name="raised by"
            ),
        ),
        migrations.RunPython(encrypt_names, migrations.RunPython.noop),
    ]
