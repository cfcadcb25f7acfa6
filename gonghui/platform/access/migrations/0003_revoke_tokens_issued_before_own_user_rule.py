"""Revoke every API token issued before tokens were made only by their own user (issue #11).

Until then the security admin created tokens for other users and saw them in clear, so any
token that exists at this migration may be known to someone other than its user. Their owners
issue new ones at /console/account/tokens/ (docs/operations.md, "Upgrading")."""

from django.db import migrations
from django.utils import timezone


def revoke_existing(apps, schema_editor):
    APIToken = apps.get_model("access", "APIToken")
    APIToken.objects.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("access", "0002_api_token_own_user_only")]

    # Reversing cannot un-reveal a token: going back leaves them revoked.
    operations = [migrations.RunPython(revoke_existing, migrations.RunPython.noop)]
