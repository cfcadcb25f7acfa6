"""The generator: one ``random.Random(seed)``, the run in order, and :func:`generate_city`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from django.conf import settings
from django.db import connection
from pypinyin import Style, lazy_pinyin

from gonghui.demo.generate.assistance import AssistanceMixin
from gonghui.demo.generate.common import DEFAULT_AS_OF, GENERATOR_USERNAME, GenerateRefused
from gonghui.demo.generate.identifiers import Encryptor
from gonghui.demo.generate.people import PeopleMixin
from gonghui.demo.generate.tree import TreeMixin
from gonghui.demo.generate.words import GIVEN, SURNAMES
from gonghui.demo.generate.writer import Writer


class CityGenerator(TreeMixin, PeopleMixin, AssistanceMixin):
    """One run: the tree (:mod:`.tree`), people (:mod:`.people`), assistance
    (:mod:`.assistance`), then the cockpit summaries."""

    def __init__(
        self,
        *,
        members: int,
        seed: int,
        as_of: date = DEFAULT_AS_OF,
        append: bool = False,
        out: Callable[[str], None] = print,
    ):
        self.members = members
        self.seed = seed
        self.as_of = as_of
        self.append = append
        self.out = out
        self.rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
        self.writer = Writer(out)
        self.encrypt = Encryptor()
        self.pinyin: dict[str, tuple[str, str]] = {}
        self.summary: dict = {}

    # -- helpers
    def at(self, day: date, seconds: int | None = None) -> datetime:
        """A moment on ``day`` during Beijing office hours (09:00–18:00 = 01:00–10:00 UTC)."""
        if seconds is None:
            seconds = self.rng.randrange(9 * 3600)
        return datetime.combine(day, dtime(1, 0), tzinfo=UTC) + timedelta(seconds=seconds)

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def pinyin_of(self, name: str) -> tuple[str, str]:
        cached = self.pinyin.get(name)
        if cached is None:
            syllables = lazy_pinyin(name, errors="ignore")
            initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
            cached = self.pinyin[name] = ("".join(syllables).lower(), "".join(initials).lower())
        return cached

    def progress(self, label: str, done: int, total: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else 0
        self.out(f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s, {elapsed:.1f} s)")

    # -- entry point
    def run(self) -> dict:
        from gonghui.members.models import Person

        if settings.PRODUCTION:
            raise GenerateRefused("generate_city creates fake people: refused in production")
        if Person.objects.exists() and not self.append:
            raise GenerateRefused(
                "the database already has people: use a fresh database, or --append"
            )
        # Before anything is written: refused when the holiday calendar lacks a year needed.
        self.join_request_days = self.submission_days()
        started = time.perf_counter()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MB for the index pages
                # Fake data that can be regenerated: no fsync while generating (this
                # connection only; the settings' NORMAL applies to every other connection).
                cursor.execute("PRAGMA synchronous=OFF")
        self.user_id = self.generator_user().pk
        self.out(
            f"generating a city of {self.members:,} members (seed {self.seed}, "
            f"as of {self.as_of}) on {connection.vendor}"
        )
        city = self.tree()
        self.people(city)
        self.assistance(city)
        self.writer.finish()
        self.summaries()
        total = time.perf_counter() - started
        tables = {}
        for label, (rows, seconds) in self.writer.stats.items():
            tables[label] = {
                "rows": rows,
                "seconds": round(seconds, 2),
                "rows_per_s": round(rows / seconds) if seconds else None,
            }
        self.summary.update(
            seconds=round(total, 1),
            members_per_s=round(self.members / total) if total else None,
            tables=tables,
        )
        self.out(f"done in {total:.1f} s ({self.members / total:,.0f} members/s overall)")
        for label, row in tables.items():
            self.out(
                f"  {label:28} {row['rows']:>10,} rows  {row['seconds']:>7.1f} s  "
                f"{row['rows_per_s'] or 0:>9,} rows/s (insert)"
            )
        return self.summary

    def summaries(self) -> None:
        """The cockpit summary rows, counted once from what was inserted (the bulk inserts
        bypass the write paths that keep them current)."""
        from gonghui.cockpit import summaries

        started = time.perf_counter()
        rows = summaries.rebuild()
        self.out(f"  cockpit summaries: {rows:,} rows in {time.perf_counter() - started:.1f} s")

    def generator_user(self):
        from gonghui.accounts.models import User

        user = User.objects.filter(username=GENERATOR_USERNAME).first()
        if user is None:
            user = User(username=GENERATOR_USERNAME, display_name="城市数据生成器", is_active=False)
            user.set_unusable_password()
            user.save()
        return user


def generate_city(
    *,
    members: int,
    seed: int,
    as_of: date = DEFAULT_AS_OF,
    append: bool = False,
    out: Callable[[str], None] = print,
) -> dict:
    """Generate a city; see the package docstring. Returns a summary with per-table rates."""
    if members < 1:
        raise GenerateRefused("--members must be at least 1")
    return CityGenerator(members=members, seed=seed, as_of=as_of, append=append, out=out).run()
