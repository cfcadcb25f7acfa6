"""Bulk insert of prepared rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from django.core.management.color import no_style
from django.db import connection, transaction

from gonghui.demo.generate.common import BATCH


class Writer:
    """Bulk insert of prepared tuples: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, out: Callable[[str], None]):
        self.out = out
        self.pg = connection.vendor == "postgresql"
        self.stats: dict[str, list] = {}  # table -> [rows, seconds]
        self.models: list = []

    def d(self, value: date | None):
        if value is None or self.pg:
            return value
        return value.isoformat()

    def dt(self, value: datetime | None):
        if value is None:
            return None
        if self.pg:
            return value
        return str(value.astimezone(UTC).replace(tzinfo=None))

    def json(self, value) -> str:
        return json.dumps(value, ensure_ascii=False)

    def dec(self, value):
        if value is None or self.pg:
            return value
        return str(value)

    def default_of(self, f):
        if f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif f.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
            value = ""
        else:
            raise ValueError(f"generate_city: no value for {f.model._meta.label}.{f.name}")
        return f.get_db_prep_save(value, connection)

    def next_id(self, model) -> int:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    def insert(self, model, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if model not in self.models:
            self.models.append(model)
        meta = model._meta
        given = {meta.get_field(name).name for name in columns}
        # Columns not given get their model default (the database has no defaults of its own).
        extra_fields = [
            f for f in meta.concrete_fields if f.name not in given and not f.primary_key
        ]
        if extra_fields:
            tail = tuple(self.default_of(f) for f in extra_fields)
            rows = [row + tail for row in rows]
        cols = [meta.get_field(name).column for name in columns]
        cols += [f.column for f in extra_fields]
        table = connection.ops.quote_name(meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
        start = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            chunk = rows[i : i + BATCH]
            with transaction.atomic():
                if self.pg:
                    with connection.cursor() as cursor:
                        with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                            for row in chunk:
                                copy.write_row(row)
                else:
                    connection.ensure_connection()
                    raw = connection.connection.cursor()
                    marks = ", ".join("?" * len(cols))
                    # Table and column names come from the model's meta and are quoted.
                    sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608 # nosec B608
                    raw.executemany(sql, chunk)
                    raw.close()
        stat = self.stats.setdefault(meta.label, [0, 0.0])
        stat[0] += len(rows)
        stat[1] += time.perf_counter() - start

    def finish(self) -> None:
        if self.pg and self.models:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                    cursor.execute(sql)
                cursor.execute("ANALYZE")
