"""The member tables' indexes after the review of issue #13 (ADR 0014).

Dropped: the single-column indexes of ``state``, ``employment_form``, ``is_migrant`` and
``org`` (the org leads ``membership_list_idx``). A partial index serves the city-wide lists
of the states other than active (spelled out as an OR, which SQLite can match too).

On PostgreSQL also the indexes that Django adds and no query uses: the
``varchar_pattern_ops`` twins (``…_like``) of the blind indexes (the field no longer creates
them, ``platform/pii/fields.py``), of ``card_no``, of ``name`` and of the dropped fields,
and the plain b-trees of ``name_pinyin`` and ``name_initials``, which are only searched by
prefix (their ``…_like`` index serves that and equality).

The field changes touch only the model state; the database side drops the indexes by the
names Django gave them, the same on SQLite and PostgreSQL. ``AlterField`` would rebuild the
table on SQLite and, for the foreign key, drop and re-validate its constraint on PostgreSQL.
Reversible: the reverse recreates each index as it was.
"""

import django.db.models.deletion
from django.db import migrations, models

# (index, table, column, operator class), named as Django named them.
BOTH = [
    ("members_membership_state_55d8c6ba", "members_membership", "state", ""),
    ("members_membership_employment_form_738d6c13", "members_membership", "employment_form", ""),
    ("members_membership_is_migrant_fb734bf0", "members_membership", "is_migrant", ""),
    ("members_membership_org_id_1006520d", "members_membership", "org_id", ""),
]
POSTGRESQL_ONLY = [
    (
        "members_membership_state_55d8c6ba_like",
        "members_membership",
        "state",
        "varchar_pattern_ops",
    ),
    (
        "members_membership_employment_form_738d6c13_like",
        "members_membership",
        "employment_form",
        "varchar_pattern_ops",
    ),
    ("members_person_id_index_0df68c3c_like", "members_person", "id_index", "varchar_pattern_ops"),
    (
        "members_person_phone_index_b3cd1567_like",
        "members_person",
        "phone_index",
        "varchar_pattern_ops",
    ),
    (
        "members_joinrequest_id_index_db8a77af_like",
        "members_joinrequest",
        "id_index",
        "varchar_pattern_ops",
    ),
    (
        "members_joinrequest_phone_index_af9844d4_like",
        "members_joinrequest",
        "phone_index",
        "varchar_pattern_ops",
    ),
    (
        "members_membership_card_no_0827785d_like",
        "members_membership",
        "card_no",
        "varchar_pattern_ops",
    ),
    ("members_person_name_8aa8fb39_like", "members_person", "name", "varchar_pattern_ops"),
    ("members_person_name_pinyin_41cc8f12", "members_person", "name_pinyin", ""),
    ("members_person_name_initials_f0c5eb9e", "members_person", "name_initials", ""),
]


def _indexes(schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    return BOTH + POSTGRESQL_ONLY if postgresql else BOTH


def drop_indexes(apps, schema_editor):
    for name, _table, _column, _opclass in _indexes(schema_editor):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def recreate_indexes(apps, schema_editor):
    for name, table, column, opclass in _indexes(schema_editor):
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" {opclass})'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_join_identity_proof"),
        ("orgs", "0003_org_depth_path_idx"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="membership",
                    name="employment_form",
                    field=models.CharField(
                        choices=[
                            ("standard", "Standard employee"),
                            ("food_delivery", "Food delivery rider"),
                            ("courier", "Courier"),
                            ("ride_hailing", "Ride-hailing driver"),
                            ("truck_driver", "Truck driver"),
                            ("domestic", "Domestic worker"),
                            ("platform_other", "Other online-platform worker"),
                            ("flexible", "Flexible / self-employed"),
                            ("other", "Other"),
                        ],
                        default="standard",
                        max_length=20,
                        verbose_name="employment form",
                    ),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="is_migrant",
                    field=models.BooleanField(default=False, verbose_name="migrant worker"),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="org",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="orgs.org",
                        verbose_name="union",
                    ),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="state",
                    field=models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("transferring", "Transferring"),
                            ("retained", "Retained (retired)"),
                            ("transferred", "Transferred out"),
                            ("withdrawn", "Withdrawn"),
                            ("lapsed", "Lapsed"),
                            ("expelled", "Expelled"),
                        ],
                        default="active",
                        max_length=16,
                        verbose_name="state",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_indexes, recreate_indexes, elidable=False),
            ],
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                condition=models.Q(
                    ("state", "transferring"),
                    ("state", "retained"),
                    ("state", "transferred"),
                    ("state", "withdrawn"),
                    ("state", "lapsed"),
                    ("state", "expelled"),
                    _connector="OR",
                ),
                fields=["state", "-joined_on", "-id"],
                name="membership_state_idx",
            ),
        ),
    ]
