"""The category table and the default deadline table (rights/defaults.py holds them)."""

from django.db import migrations

from gonghui.rights.defaults import ensure_tables


def seed(apps, schema_editor):
    ensure_tables(apps.get_model("rights", "TicketCategory"), apps.get_model("rights", "TicketDeadline"))


class Migration(migrations.Migration):
    dependencies = [("rights", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
