"""Closed hardship files are kept 10 years after closing (assistance/retention.py): the date,
and whether the personal information was erased since. Files closed before this migration get
their date from the day they were closed."""

from django.db import migrations, models

RETENTION_YEARS = 10  # retention.RETENTION_YEARS, frozen here as migrations must be


def fill_retain_until(apps, schema_editor):
    from django.utils import timezone

    HardshipFile = apps.get_model("assistance", "HardshipFile")
    closed = HardshipFile.objects.filter(
        state="closed", closed_at__isnull=False, retain_until__isnull=True
    )
    for file in closed.only("pk", "closed_at").iterator(chunk_size=500):
        day = timezone.localdate(file.closed_at)
        try:
            until = day.replace(year=day.year + RETENTION_YEARS)
        except ValueError:  # 29 February
            until = day.replace(year=day.year + RETENTION_YEARS, day=28)
        HardshipFile.objects.filter(pk=file.pk).update(retain_until=until)


def clear_retain_until(apps, schema_editor):
    pass  # the columns go with the reversed AddField operations


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0004_blind_index_without_like"),
    ]

    operations = [
        migrations.AddField(
            model_name="hardshipfile",
            name="purged_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="personal information erased"
            ),
        ),
        migrations.AddField(
            model_name="hardshipfile",
            name="retain_until",
            field=models.DateField(blank=True, db_index=True, null=True, verbose_name="kept until"),
        ),
        migrations.RunPython(fill_retain_until, clear_retain_until),
    ]
