"""Version 1 of the three privacy notices (first_notices.py holds the texts). A later change is
a new version (a new row), never an edit of these: who accepted version 1 is asked again."""

from django.db import migrations

from gonghui.platform.consent.first_notices import NOTICES, ensure_first_notices


def publish(apps, schema_editor):
    ensure_first_notices(apps.get_model("consent", "PrivacyNotice"))


def unpublish(apps, schema_editor):
    PrivacyNotice = apps.get_model("consent", "PrivacyNotice")
    PrivacyNotice.objects.filter(version=1, purpose__in=[n[0] for n in NOTICES]).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(publish, unpublish)]
