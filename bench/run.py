"""Benchmarks (never part of `make test`). Each figure is a ratio against a baseline measured
in the same process, so that machines of different speed give comparable results.

B7 — subtree scoping (reference/performance.md §4): how much does ``restrict()`` cost over
the same query given a literal list of org ids, at district, township and grassroots scope?
It also measures the alternative encoding (an ``org_id IN (SELECT id … path LIKE)``
subquery) so the choice can be revisited with numbers.

Usage: ``make bench`` (SQLite under var/bench.sqlite3) or
``BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_bench make bench``.
Results: bench/results/<name>-<vendor>.json
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from gonghui.orgs.models import Employer, Org  # noqa: E402
from gonghui.platform.access.scoping import subtree_q  # noqa: E402
from gonghui.platform.testing.factories import UserFactory, grant  # noqa: E402
from gonghui.platform.validators import make_uscc_for  # noqa: E402

DISTRICTS, TOWNSHIPS, GRASSROOTS, EMPLOYERS_PER_UNION = 40, 20, 12, 10
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def step(n: int) -> str:
    out = ""
    for _ in range(Org.steplen):
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    return out


def build_tree() -> None:
    if Org.objects.exists():
        return
    print("building the bench tree …", flush=True)
    orgs, employers = [], []
    root_path = step(1)
    orgs.append(
        Org(path=root_path, depth=1, numchild=DISTRICTS, kind="city_federation", name="市总工会")
    )
    seq = 0
    for d in range(1, DISTRICTS + 1):
        dp = root_path + step(d)
        orgs.append(
            Org(path=dp, depth=2, numchild=TOWNSHIPS, kind="district_federation", name=f"区{d}")
        )
        for t in range(1, TOWNSHIPS + 1):
            tp = dp + step(t)
            orgs.append(
                Org(
                    path=tp,
                    depth=3,
                    numchild=GRASSROOTS,
                    kind="township_federation",
                    name=f"区{d}镇{t}",
                )
            )
            for g in range(1, GRASSROOTS + 1):
                orgs.append(
                    Org(
                        path=tp + step(g),
                        depth=4,
                        numchild=0,
                        kind="grassroots",
                        name=f"区{d}镇{t}工会{g}",
                    )
                )
    with transaction.atomic():
        Org.objects.bulk_create(orgs, batch_size=2000)
    ids = list(Org.objects.filter(depth=4).values_list("pk", flat=True))
    for org_id in ids:
        for _ in range(EMPLOYERS_PER_UNION):
            seq += 1
            employers.append(
                Employer(
                    name=f"单位{seq}",
                    uscc=make_uscc_for(seq),
                    industry_section="C",
                    ownership="private",
                    headcount=10,
                    org_id=org_id,
                )
            )
    with transaction.atomic():
        Employer.objects.bulk_create(employers, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(fn, repeat: int = 15) -> float:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def bench_scope() -> dict:
    results = {}
    district = Org.objects.filter(depth=2).order_by("path")[5]
    township = Org.objects.filter(depth=3, path__startswith=district.path).order_by("path")[3]
    union = Org.objects.filter(depth=4, path__startswith=township.path).order_by("path")[2]
    for label, org in (("district", district), ("township", township), ("grassroots", union)):
        user = UserFactory(username=f"bench-{label}-{time.time_ns()}")
        grant(user, org, "org_admin")
        ids = list(Org.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
        literal = Employer.objects.filter(org_id__in=ids)
        subquery = Employer.objects.filter(
            org_id__in=Org.objects.filter(subtree_q("path", org.path)).values("pk")
        )

        def restricted(user=user):
            # A new user object per call, so the per-request grant cache does not hide the
            # cost of reading the grants: this is what one request pays.
            fresh = type(user).objects.get(pk=user.pk)
            return Employer.objects.restrict(fresh, "view")

        cached_user = type(user).objects.get(pk=user.pk)
        Employer.objects.restrict(cached_user, "view").exists()  # loads the grant cache

        row = {
            "orgs_in_scope": len(ids),
            "employers_in_scope": literal.count(),
            "count_literal_ms": timed(lambda: literal.count()),  # noqa: B023
            "count_restrict_ms": timed(lambda: restricted().count()),
            "count_restrict_cached_grants_ms": timed(
                lambda: Employer.objects.restrict(cached_user, "view").count()  # noqa: B023
            ),
            "count_subquery_ms": timed(lambda: subquery.count()),  # noqa: B023
            "page_literal_ms": timed(lambda: list(literal.order_by("-id")[:20])),  # noqa: B023
            "page_restrict_ms": timed(lambda: list(restricted().order_by("-id")[:20])),
            "page_subquery_ms": timed(lambda: list(subquery.order_by("-id")[:20])),  # noqa: B023
        }
        assert restricted().count() == row["employers_in_scope"]
        row["count_ratio_restrict"] = round(row["count_restrict_ms"] / row["count_literal_ms"], 2)
        row["count_ratio_restrict_cached"] = round(
            row["count_restrict_cached_grants_ms"] / row["count_literal_ms"], 2
        )
        row["count_ratio_subquery"] = round(row["count_subquery_ms"] / row["count_literal_ms"], 2)
        row["page_ratio_subquery"] = round(row["page_subquery_ms"] / row["page_literal_ms"], 2)
        row["page_ratio_restrict"] = round(row["page_restrict_ms"] / row["page_literal_ms"], 2)
        results[label] = {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}
    return results


def main() -> None:
    call_command("migrate", verbosity=0)
    build_tree()
    out = {
        "benchmark": "B7 subtree scoping",
        "vendor": connection.vendor,
        "orgs": Org.objects.count(),
        "employers": Employer.objects.count(),
        "results": bench_scope(),
    }
    target = ROOT / "bench" / "results" / f"scope-{connection.vendor}.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=2))
    print(f"written to {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
