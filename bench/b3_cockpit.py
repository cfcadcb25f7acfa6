"""B3 — the cockpit counts: members by subtree and month, new members of a year, new
grassroots unions of a year, district totals.

There are no summary rows in the product yet, so O is what the code offers today: live
aggregation through the scoped ORM (``restrict()`` for a city admin). R reads the same answers
from a summary table created in the bench database only (``bench_member_rollup``: one row per
org × month for every ancestor, precomputed here, not timed). N is live ORM aggregation over the
member table without scoping. The summaries are checked against the live counts."""

from __future__ import annotations

from bench.common import ratio, timed

ROLLUP = "bench_member_rollup"
ORG_ROLLUP = "bench_org_rollup"
YEAR = 2024


def build_rollup() -> None:
    from collections import defaultdict

    from django.db import connection, transaction
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from gonghui.members.choices import CURRENT_STATES
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org

    sl = Org.steplen
    paths = dict(Org.objects.values_list("path", "pk"))
    by_id = {pk: path for path, pk in paths.items()}
    joined = defaultdict(int)
    current = defaultdict(int)
    rows = (
        Membership.objects.annotate(month=TruncMonth("joined_on"))
        .values("org_id", "month", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in rows:
        path = by_id[r["org_id"]]
        month = r["month"].strftime("%Y-%m")
        for depth in range(1, len(path) // sl + 1):
            key = (paths[path[: depth * sl]], month)
            joined[key] += r["n"]
            if r["state"] in CURRENT_STATES:
                current[key] += r["n"]
    orgs = defaultdict(int)
    for path, kind, founded in Org.objects.values_list("path", "kind", "founded_on"):
        if kind == "grassroots" and founded:
            for depth in range(1, len(path) // sl):
                orgs[(paths[path[: depth * sl]], founded.year)] += 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {ROLLUP}")
        cursor.execute(f"DROP TABLE IF EXISTS {ORG_ROLLUP}")
        cursor.execute(
            f"CREATE TABLE {ROLLUP} (org_id bigint NOT NULL, month char(7) NOT NULL,"
            " joined integer NOT NULL, current_n integer NOT NULL, PRIMARY KEY (org_id, month))"
        )
        cursor.execute(
            f"CREATE TABLE {ORG_ROLLUP} (org_id bigint NOT NULL, year integer NOT NULL,"
            " grassroots_founded integer NOT NULL, PRIMARY KEY (org_id, year))"
        )
        cursor.executemany(
            f"INSERT INTO {ROLLUP} VALUES (%s, %s, %s, %s)",
            [(k[0], k[1], v, current.get(k, 0)) for k, v in joined.items()],
        )
        cursor.executemany(
            f"INSERT INTO {ORG_ROLLUP} VALUES (%s, %s, %s)", [(*k, v) for k, v in orgs.items()]
        )
        cursor.execute(f"ANALYZE {ROLLUP}")
        cursor.execute(f"ANALYZE {ORG_ROLLUP}")


def run(cfg: dict) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from bench.b2_list import biggest_district
    from gonghui.accounts.models import User
    from gonghui.members.choices import CURRENT_STATES
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org
    from gonghui.platform.testing.factories import UserFactory, grant

    repeat = cfg["repeat"]
    build_rollup()
    root = Org.objects.get(depth=1)
    district, _n = biggest_district()
    city_admin = User.objects.filter(username="bench-city-admin").first()
    if city_admin is None:
        city_admin = UserFactory(username="bench-city-admin")
        grant(city_admin, root, "org_admin")
    districts = list(Org.objects.filter(depth=2).values_list("pk", "path"))
    sl = Org.steplen

    def rollup(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def scoped():
        return Membership.objects.restrict(city_admin, "view")

    # --- the four answers, three ways each -----------------------------------------------
    def by_month(base):
        return {
            r["month"].strftime("%Y-%m"): r["n"]
            for r in base.filter(org__path__startswith=district.path, state__in=CURRENT_STATES)
            .annotate(month=TruncMonth("joined_on"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        }

    def by_month_r():
        return {
            m: n
            for m, n in rollup(
                f"SELECT month, current_n FROM {ROLLUP} WHERE org_id = %s AND current_n > 0",
                [district.pk],
            )
        }

    def new_members(base):
        return base.filter(joined_on__year=YEAR).count()

    def new_members_r():
        return rollup(
            f"SELECT COALESCE(SUM(joined), 0) FROM {ROLLUP} WHERE org_id = %s AND month LIKE %s",
            [root.pk, f"{YEAR}-%"],
        )[0][0]

    def new_unions(base_orgs):
        return base_orgs.filter(kind="grassroots", founded_on__year=YEAR).count()

    def new_unions_r():
        rows = rollup(
            f"SELECT grassroots_founded FROM {ORG_ROLLUP} WHERE org_id = %s AND year = %s",
            [root.pk, YEAR],
        )
        return rows[0][0] if rows else 0

    def district_totals(base):
        totals = dict.fromkeys((p for _pk, p in districts), 0)
        for r in (
            base.filter(state__in=CURRENT_STATES)
            .values("org__path")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            totals[r["org__path"][: 2 * sl]] += r["n"]
        return totals

    def district_totals_r():
        by_pk = dict(districts)
        ids = list(by_pk)
        rows = rollup(
            f"SELECT org_id, SUM(current_n) FROM {ROLLUP} WHERE org_id IN"
            f" ({','.join(['%s'] * len(ids))}) GROUP BY org_id",
            ids,
        )
        totals = dict.fromkeys(by_pk.values(), 0)
        for pk, n in rows:
            totals[by_pk[pk]] = int(n)
        return totals

    queries = {
        "members_by_month_district": (
            lambda: by_month(scoped()),
            by_month_r,
            lambda: by_month(Membership.objects.all()),
        ),
        "new_members_of_year": (
            lambda: new_members(scoped()),
            new_members_r,
            lambda: new_members(Membership.objects.all()),
        ),
        "new_grassroots_unions_of_year": (
            lambda: new_unions(Org.objects.restrict(city_admin, "view")),
            new_unions_r,
            lambda: new_unions(Org.objects.all()),
        ),
        "district_totals": (
            lambda: district_totals(scoped()),
            district_totals_r,
            lambda: district_totals(Membership.objects.all()),
        ),
    }
    out = {"members": Membership.objects.count(), "year": YEAR, "queries": {}}
    equal = True
    for name, (o, r, n) in queries.items():
        answers = (o(), r(), n())
        same = answers[0] == answers[1] == answers[2]
        equal = equal and same
        row = {
            "O_live_scoped_orm_ms": timed(o, repeat),
            "R_summary_rows_ms": timed(r, repeat),
            "N_live_orm_ms": timed(n, repeat),
            "answers_equal": same,
        }
        row["O_over_R"] = ratio(row["O_live_scoped_orm_ms"], row["R_summary_rows_ms"])
        row["N_over_O"] = ratio(row["N_live_orm_ms"], row["O_live_scoped_orm_ms"])
        out["queries"][name] = row
    out["summaries_equal_live_counts"] = equal
    out["O_total_ms"] = round(sum(q["O_live_scoped_orm_ms"] for q in out["queries"].values()), 3)
    out["R_total_ms"] = round(sum(q["R_summary_rows_ms"] for q in out["queries"].values()), 3)
    out["N_total_ms"] = round(sum(q["N_live_orm_ms"] for q in out["queries"].values()), 3)
    out["note"] = (
        "No summary rows in the product yet: O is live aggregation through restrict(); R reads a "
        "summary table built by the bench in the bench database only."
    )
    return out
