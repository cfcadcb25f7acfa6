"""Blind indexes are compared whole, never by prefix: on PostgreSQL no column of a
``BlindIndexField`` may carry a ``varchar_pattern_ops`` (``…_like``) index, which only slows
every insert down (ADR 0014)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from gonghui.platform.pii.fields import BlindIndexField


@pytest.mark.django_db
def test_no_blind_index_has_a_prefix_index():
    if connection.vendor != "postgresql":
        pytest.skip("pattern-ops indexes exist on PostgreSQL only")
    columns = [
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, BlindIndexField)
    ]
    assert columns  # the members, accounts and assistance tables have them
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE %s",
            ["%pattern_ops%"],
        )
        prefix_indexes = cursor.fetchall()
    offending = [
        (table, definition)
        for table, definition in prefix_indexes
        for blind_table, column in columns
        if table == blind_table and f"({column} " in definition
    ]
    assert offending == []
