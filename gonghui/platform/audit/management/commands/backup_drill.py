"""``manage.py backup_drill``: prove that a PostgreSQL backup restores (BAK-1).

1. ``pg_dump -Fc`` of the current database into a temporary file;
2. ``CREATE DATABASE`` a scratch database and ``pg_restore --exit-on-error`` into it;
3. per table of the source: row count and ``md5(string_agg(row::text ORDER BY pk))`` on
   both sides, printed as a table;
4. ``migrate --check`` against the restored copy (no unapplied migration);
5. drop the scratch database. Exit status non-zero on any mismatch or failure.

The last line is ``backup drill passed: N tables, M rows`` (CI looks for "passed").
"""

from __future__ import annotations

import os
import shutil

# subprocess runs pg_dump, pg_restore and manage.py with fixed argument lists, never a shell.
import subprocess  # nosec B404
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


def _pg_env(params: dict) -> dict:
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return env


def _conn_args(params: dict) -> list[str]:
    args = []
    if params.get("HOST"):
        args += ["-h", str(params["HOST"])]
    if params.get("PORT"):
        args += ["-p", str(params["PORT"])]
    if params.get("USER"):
        args += ["-U", str(params["USER"])]
    return args


def table_fingerprints(cursor) -> dict[str, tuple[int, str]]:
    """``{table: (rows, md5)}`` for every ordinary table of the public schema."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public' ORDER BY c.relname"
    )
    tables = [row[0] for row in cursor.fetchall()]
    result = {}
    for table in tables:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
            [f'public."{table}"'],
        )
        pk = [row[0] for row in cursor.fetchall()]
        ident = sql.Identifier("public", table)
        # Without a primary key, order by the row text itself: still deterministic.
        order = (
            sql.SQL(", ").join(sql.SQL("t.") + sql.Identifier(c) for c in pk)
            if pk
            else sql.SQL("t::text")
        )
        cursor.execute(
            sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY {order})), '') "
                "FROM {table} AS t"
            ).format(order=order, table=ident)
        )
        count, digest = cursor.fetchone()
        result[table] = (count, digest)
    return result


class Command(BaseCommand):
    help = "Dump the PostgreSQL database, restore it into a scratch database and compare."

    def add_arguments(self, parser):
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")
        parser.add_argument("--quiet-table", action="store_true", help="print only mismatches")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "backup_drill needs PostgreSQL (DATABASE_URL=postgres://…); the SQLite demo "
                "database is backed up by copying its file."
            )
        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                raise CommandError(
                    f"{tool} is not on PATH (Debian: apt-get install postgresql-client)"
                )
        params = connection.settings_dict
        source = params["NAME"]
        scratch = f"{source}_drill_{os.getpid()}"[:63]
        env = _pg_env(params)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="gonghui-drill-") as tmp:
            dump = Path(tmp) / "backup.dump"
            self._run(
                ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), *_conn_args(params), source], env
            )
            self.stdout.write(f"pg_dump: {source} → {dump.stat().st_size} bytes")
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch))
                )
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch))
                )
            try:
                self._run(
                    [
                        "pg_restore",
                        "--exit-on-error",
                        "--no-owner",
                        "-d",
                        scratch,
                        *_conn_args(params),
                        str(dump),
                    ],
                    env,
                )
                mismatches, tables, rows = self._compare(scratch, options["quiet_table"])
                self._migrate_check(scratch)
            finally:
                if not options["keep"]:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                                sql.Identifier(scratch)
                            )
                        )
        elapsed = time.monotonic() - started
        if mismatches:
            raise CommandError(
                f"backup drill FAILED: {len(mismatches)} of {tables} tables differ after "
                f"restore: {', '.join(mismatches)}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"backup drill passed: {tables} tables, {rows} rows identical after "
                f"pg_dump/pg_restore ({elapsed:.1f}s)"
            )
        )

    def _run(self, argv: list[str], env: dict) -> None:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell  # nosec B603
            argv, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise CommandError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}")

    def _compare(self, scratch: str, quiet: bool):
        with connection.cursor() as cursor:
            before = table_fingerprints(cursor)
        params = connection.settings_dict
        with (
            psycopg.connect(
                dbname=scratch,
                host=params.get("HOST") or None,
                port=params.get("PORT") or None,
                user=params.get("USER") or None,
                password=params.get("PASSWORD") or None,
                autocommit=True,
            ) as restored,
            restored.cursor() as cursor,
        ):
            after = table_fingerprints(cursor)
        mismatches = []
        width = max([len(t) for t in before] + [5])
        self.stdout.write(f"{'table':<{width}}  {'rows':>8}  {'restored':>8}  md5")
        for table in sorted(set(before) | set(after)):
            src, dst = before.get(table), after.get(table)
            ok = src == dst
            if not ok:
                mismatches.append(table)
            if ok and quiet:
                continue
            self.stdout.write(
                f"{table:<{width}}  {src[0] if src else '-':>8}  {dst[0] if dst else '-':>8}  "
                f"{(src or ('', ''))[1][:12]} {'ok' if ok else 'MISMATCH'}"
            )
        return mismatches, len(before), sum(c for c, _ in before.values())

    def _migrate_check(self, scratch: str) -> None:
        # migrate --check exits non-zero when a migration is unapplied: run it in a child
        # process against the restored copy so this process keeps its own connection.
        env = dict(os.environ)
        params = connection.settings_dict
        user = quote(params.get("USER") or "", safe="")
        password = f":{quote(str(params['PASSWORD']), safe='')}" if params.get("PASSWORD") else ""
        host = params.get("HOST") or ""
        port = f":{params['PORT']}" if params.get("PORT") else ""
        auth = f"{user}{password}@" if user else ""
        env["DATABASE_URL"] = f"postgres://{auth}{host}{port}/{scratch}"
        manage = Path(__file__).resolve().parents[5] / "manage.py"
        done = subprocess.run(  # noqa: S603 - our own manage.py, fixed argv  # nosec B603
            [sys.executable, str(manage), "migrate", "--check", "--noinput"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise CommandError(
                f"migrate --check on the restored database failed: {done.stdout}{done.stderr}"
            )
        self.stdout.write("migrate --check on the restored copy: no unapplied migrations")
