"""B2 — a district admin's scoped, filtered member list page (50 rows), page 1 and deep.

O: what a client does, with the admin's session (test Client, in process: routing, auth,
scoping, the query, the JSON): GET /api/v1/members/?state=active&limit=50 for page 1, and the
same URL with ``cursor=`` for the pages half-way down ("mid") and ~100k rows deep (or the last
page of a smaller district). The deep cursor is the one the API hands out for
the row just before that page (computed from the data here, not by walking 2,000 pages: it is
what a client holding it would send). R: the raw SQL of the same page as a keyset query (the
physical limit at any depth), and as the same OFFSET query in raw SQL. N: Django's Paginator
over the same queryset (OFFSET and an exact count). Also the fixed cost of a request on this
endpoint (``O_empty_ms``: same user and route, a filter that matches nothing)."""

from __future__ import annotations

from bench.common import ratio, timed

PAGE = 50


def biggest_district():
    from django.db.models import Count

    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org

    best, best_n = None, -1
    for d in Org.objects.filter(depth=2, kind="district_federation"):
        n = Membership.objects.filter(org__path__startswith=d.path, state="active").count()
        if n > best_n:
            best, best_n = d, n
    del Count
    return best, best_n


def district_admin(district):
    from gonghui.accounts.models import User
    from gonghui.platform.testing.factories import UserFactory, grant

    name = f"bench-admin-{district.pk}"
    user = User.objects.filter(username=name).first()
    if user is None:
        user = UserFactory(username=name)
        grant(user, district, "org_admin")
    return user


def run(cfg: dict) -> dict:
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client

    from gonghui.members.api import _visible_members
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org
    from gonghui.platform.api.pagination import CursorPagination, capped_count

    repeat = cfg["repeat"]
    district, in_scope = biggest_district()
    user = district_admin(district)
    client = Client()
    client.force_login(user)
    ids = list(Org.objects.filter(path__startswith=district.path).values_list("pk", flat=True))
    placeholders = ",".join(["%s"] * len(ids))
    m = Membership._meta.db_table
    p = Membership._meta.get_field("person").related_model._meta.db_table
    o = Org._meta.db_table
    cols = (
        "m.id, m.card_no, p.name, p.id_number, p.phone, m.org_id, o.name, m.employer_name,"
        " m.employment_form, m.is_migrant, m.state, m.joined_on, m.lapse_flagged_at"
    )
    base = (
        f"SELECT {cols} FROM {m} m JOIN {p} p ON p.id = m.person_id JOIN {o} o ON o.id = m.org_id"
        f" WHERE m.org_id IN ({placeholders}) AND m.state = %s"
    )
    qs = (
        Membership.objects.filter(org_id__in=ids, state="active")
        .select_related("person", "org")
        .order_by("-joined_on", "-id")
    )
    deep = max(0, min(100_000, in_scope - PAGE))
    out = {
        "district": district.name,
        "rows_in_scope": in_scope,
        "orgs_in_scope": len(ids),
        "page_size": PAGE,
    }
    cursors = CursorPagination(ordering=("-joined_on", "-id"))

    def empty():
        response = client.get(f"/api/v1/members/?state=active&limit={PAGE}&joined_to=1900-01-01")
        assert response.status_code == 200 and response.json()["items"] == []
        return response

    out["O_empty_ms"] = timed(empty, repeat)
    # the first page's total (exact up to 10,000, a LIMITed subquery), on its own
    scoped = _visible_members(user).filter(state="active")
    out["O_first_page_count"] = capped_count(scoped)
    out["O_first_page_count_ms"] = timed(lambda: capped_count(scoped), repeat)
    # "mid": half-way down the district. "deep" is the last page when the district holds
    # fewer than 100k rows, where the raw keyset query (R) has almost nothing left to read.
    mid = in_scope // 2
    pages = (("page1", 0), *((("mid", mid),) if 0 < mid < deep else ()), ("deep", deep))
    for label, offset in pages:
        url = f"/api/v1/members/?state=active&limit={PAGE}"
        if offset:
            # the cursor the API gives for the row before the page (its `next`)
            anchor = qs.values_list("joined_on", "id")[offset - 1]
            url += "&cursor=" + cursors.encode("n", anchor)

        def ours(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]
            return response

        seen: list[str] = []

        def record(execute, sql, params, many, context, seen=seen):
            seen.append(sql)
            return execute(sql, params, many, context)

        # (CaptureQueriesContext loses the queries: request_started resets the query log)
        with connection.execute_wrapper(record):
            body = ours().json()
        counts = [q for q in seen if "COUNT(" in q.upper()]
        # a count over a LIMITed subquery stops at the cap (10,001 rows)
        exact_counts = [q for q in counts if "LIMIT" not in q.upper()]
        assert len(body["items"]) == min(PAGE, in_scope - offset), len(body["items"])
        # the keyset cursor: the last row before the page
        if offset:
            keyset_sql = (
                base + " AND (m.joined_on, m.id) < (%s, %s)"
                " ORDER BY m.joined_on DESC, m.id DESC LIMIT %s"
            )
            keyset_params = [*ids, "active", anchor[0], anchor[1], PAGE]
        else:
            keyset_sql = base + " ORDER BY m.joined_on DESC, m.id DESC LIMIT %s"
            keyset_params = [*ids, "active", PAGE]
        offset_sql = base + " ORDER BY m.joined_on DESC, m.id DESC LIMIT %s OFFSET %s"

        def raw(sql, params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        keyset_rows = raw(keyset_sql, keyset_params)
        assert [r[0] for r in keyset_rows] == [x["id"] for x in body["items"]]
        paginator = Paginator(qs, PAGE)

        def naive(offset=offset):
            page = Paginator(qs.all(), PAGE).page(offset // PAGE + 1)
            return [(x.person.name, x.org.name) for x in page.object_list], page.paginator.count

        row = {
            "offset": offset,
            "O_api_ms": timed(ours, repeat),
            "R_raw_keyset_ms": timed(lambda s=keyset_sql, a=keyset_params: raw(s, a), repeat),
            "raw_offset_ms": timed(
                lambda: raw(offset_sql, [*ids, "active", PAGE, offset]),  # noqa: B023
                repeat,
            ),
            "N_paginator_ms": timed(naive, repeat),
            "queries_per_page_view": len(seen),
            "exact_count_on_page_view": bool(exact_counts),
            "exact_count_over_rows": in_scope if exact_counts else 0,
            "capped_count_on_page_view": len(counts) > len(exact_counts),
            "count_in_response": body["count"],
            "count_capped": body["count_capped"],
        }
        del paginator
        row["O_over_R"] = ratio(row["O_api_ms"], row["R_raw_keyset_ms"])
        row["O_over_N"] = ratio(row["O_api_ms"], row["N_paginator_ms"])
        # what is left of O once the fixed per-request cost (auth, middleware) is taken out
        row["O_minus_empty_over_R"] = ratio(
            max(row["O_api_ms"] - out["O_empty_ms"], 0.001), row["R_raw_keyset_ms"]
        )
        out[label] = row
    labels = [label for label, _ in pages]
    out["target_O_over_R_le_2"] = all(out[k]["O_over_R"] <= 2 for k in labels)
    out["target_no_exact_count_over_10k"] = not any(
        out[k]["exact_count_on_page_view"] and in_scope > 10_000 for k in labels
    )
    out["note"] = (
        "The member list API pages by keyset cursor (CursorPagination): the row-value "
        "comparison of R, in a subquery that picks the page's ids from the membership index "
        "before joining person and org (a deferred join: SQLite otherwise joins every row of "
        "the district before it sorts, which is why R itself is slow at page 1 and mid-way on "
        "SQLite). The first page also counts up to 10,001 rows (a LIMITed subquery); cursor "
        "pages count nothing. O_empty_ms is the fixed cost of a request on "
        "this endpoint (session auth, middleware, grants, JSON) with a page that matches "
        "nothing; O_minus_empty_over_R is O/R without it."
    )
    return out
