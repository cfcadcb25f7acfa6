"""B3 — the cockpit counts: members by subtree and month, new members of a year, new
grassroots unions of a year, district totals.

O is the product's answer: ``gonghui.cockpit.queries`` for a city admin (scope check through
``restrict()``, then the org's summary rows, ``cockpit.OrgMonthStat`` and ``OrgTotal``, kept
current by the write paths). R reads the same answers from the same summary rows with raw
SQL. N is live ORM aggregation over the member and org tables. Every answer is compared
across the three, and ``summaries.check()`` (a full recount from the records) must find no
difference."""

from __future__ import annotations

import time

from bench.common import ratio, timed

YEAR = 2024


def run(cfg: dict) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from bench.b2_list import biggest_district
    from gonghui.accounts.models import User
    from gonghui.cockpit import queries, summaries
    from gonghui.cockpit.models import OrgMonthStat, OrgTotal
    from gonghui.members.choices import CURRENT_STATES
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org
    from gonghui.platform.testing.factories import UserFactory, grant

    repeat = cfg["repeat"]
    table = connection.ops.quote_name(OrgMonthStat._meta.db_table)
    totals_table = connection.ops.quote_name(OrgTotal._meta.db_table)
    root = Org.objects.get(depth=1)
    district, _n = biggest_district()
    city_admin = User.objects.filter(username="bench-city-admin").first()
    if city_admin is None:
        city_admin = UserFactory(username="bench-city-admin")
        grant(city_admin, root, "org_admin")
    children = dict(Org.objects.filter(depth=2).values_list("path", "pk"))
    sl = Org.steplen
    first, after = f"{YEAR}-01-01", f"{YEAR + 1}-01-01"

    def raw(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def admin():
        # a fresh user object per call: what one request pays, grants read included
        return User.objects.get(pk=city_admin.pk)

    # --- the four answers, three ways each -----------------------------------------------
    def by_month_n():
        return {
            f"{r['month']:%Y-%m}": r["n"]
            for r in Membership.objects.filter(
                org__path__startswith=district.path, state__in=CURRENT_STATES
            )
            .annotate(month=TruncMonth("joined_on"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        }

    def by_month_r():
        return {
            (m if isinstance(m, str) else f"{m:%Y-%m}")[:7]: n
            for m, n in raw(
                f"SELECT month, members_current FROM {table}"  # noqa: S608
                " WHERE org_id = %s AND members_current > 0",
                [district.pk],
            )
        }

    def new_members_r():
        return raw(
            f"SELECT COALESCE(SUM(members_joined), 0) FROM {table}"  # noqa: S608
            " WHERE org_id = %s AND month >= %s AND month < %s",
            [root.pk, first, after],
        )[0][0]

    def new_unions_r():
        return raw(
            f"SELECT COALESCE(SUM(unions_founded), 0) FROM {table}"  # noqa: S608
            " WHERE org_id = %s AND month >= %s AND month < %s",
            [root.pk, first, after],
        )[0][0]

    def district_totals_n():
        totals = dict.fromkeys(children.values(), 0)
        for r in (
            Membership.objects.filter(state__in=CURRENT_STATES)
            .values("org__path")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            totals[children[r["org__path"][: 2 * sl]]] += r["n"]
        return totals

    def district_totals_r():
        ids = list(children.values())
        totals = dict.fromkeys(ids, 0)
        rows = raw(
            f"SELECT org_id, members_current FROM {totals_table} WHERE org_id IN"  # noqa: S608
            f" ({','.join(['%s'] * len(ids))})",
            ids,
        )
        for pk, n in rows:
            totals[pk] = int(n)
        return totals

    # O takes the viewer: each answer alone is timed with a freshly loaded user (what a
    # request for that one figure pays, grants included); "all four" is one request.
    queries_ = {
        "members_by_month_district": (
            lambda user: queries.members_by_month(user, district),
            by_month_r,
            by_month_n,
        ),
        "new_members_of_year": (
            lambda user: queries.new_members_of_year(user, root, YEAR),
            new_members_r,
            lambda: Membership.objects.filter(joined_on__year=YEAR).count(),
        ),
        "new_grassroots_unions_of_year": (
            lambda user: queries.new_unions_of_year(user, root, YEAR),
            new_unions_r,
            lambda: Org.objects.filter(kind="grassroots", founded_on__year=YEAR).count(),
        ),
        "district_totals": (
            lambda user: queries.child_totals(user, root),
            district_totals_r,
            district_totals_n,
        ),
    }
    out = {"members": Membership.objects.count(), "year": YEAR, "queries": {}}
    equal = True
    for name, (o, r, n) in queries_.items():
        answers = (o(admin()), r(), n())
        same = answers[0] == answers[1] == answers[2]
        equal = equal and same
        row = {
            "O_summary_rows_scoped_ms": timed(lambda o=o: o(admin()), repeat),
            "R_summary_rows_raw_sql_ms": timed(r, repeat),
            "N_live_orm_ms": timed(n, repeat),
            "answers_equal": same,
        }
        row["O_over_R"] = ratio(row["O_summary_rows_scoped_ms"], row["R_summary_rows_raw_sql_ms"])
        row["N_over_O"] = ratio(row["N_live_orm_ms"], row["O_summary_rows_scoped_ms"])
        out["queries"][name] = row
    t0 = time.perf_counter()
    differences = summaries.check()
    out["summaries_check_s"] = round(time.perf_counter() - t0, 2)
    out["summaries_check_differences"] = len(differences)
    out["summaries_equal_live_counts"] = equal and not differences
    out["summary_rows"] = OrgMonthStat.objects.count()
    for key in ("R_summary_rows_raw_sql_ms", "N_live_orm_ms"):
        out[key.split("_")[0] + "_total_ms"] = round(
            sum(q[key] for q in out["queries"].values()), 3
        )

    def cockpit_request():
        user = admin()
        return [o(user) for o, _r, _n in queries_.values()]

    out["O_total_ms"] = timed(cockpit_request, repeat)
    out["target_O_over_N_ge_20"] = (
        out["N_total_ms"] / out["O_total_ms"] >= 20 if out["O_total_ms"] else False
    )
    return out
