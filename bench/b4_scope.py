"""B4 — the scope filter (formerly bench/run.py, "B7"): ``restrict()`` against the same
query with a literal list of the org ids in the subtree, at district, township and grassroots
scope; and the cost of adding an org (``orgs.actions.create_org`` → treebeard ``add_child``)
and of moving a township to another district (``orgs.actions.move_org``)."""

from __future__ import annotations

import statistics
import time

from bench.common import ratio, timed


def run(cfg: dict) -> dict:
    from gonghui.accounts.models import User
    from gonghui.members.models import Membership
    from gonghui.orgs.models import Org
    from gonghui.platform.security.prepared import load_user
    from gonghui.platform.testing.factories import UserFactory, grant

    repeat = max(3, cfg["repeat"] * 2)
    from django.db.models import Count

    from bench.b2_list import biggest_district

    district, _n = biggest_district()
    township = (
        Org.objects.filter(depth=3, kind="township_federation", path__startswith=district.path)
        .annotate(n=Count("memberships"))
        .order_by("-numchild", "path")
        .first()
    )
    union = (
        Org.objects.filter(kind="grassroots", path__startswith=township.path)
        .annotate(n=Count("memberships"))
        .order_by("-n", "path")
        .first()
    ) or (
        Org.objects.filter(kind="grassroots", path__startswith=district.path)
        .annotate(n=Count("memberships"))
        .order_by("-n", "path")
        .first()
    )
    out = {}
    for label, org in (("district", district), ("township", township), ("grassroots", union)):
        name = f"bench-scope-{label}-{org.pk}"
        user = User.objects.filter(username=name).first()
        if user is None:
            user = UserFactory(username=name)
            grant(user, org, "org_admin")
        ids = list(Org.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
        literal = Membership.objects.filter(org_id__in=ids)

        def restricted(user=user):
            # a fresh user object per call, loaded as a request loads it (the session's user,
            # GrantBackend.get_user): what one request pays, grants and subtree ids included
            return Membership.objects.restrict(load_user(user.pk), "view")

        cached = User.objects.get(pk=user.pk)
        row = {
            "orgs_in_scope": len(ids),
            "members_in_scope": literal.count(),
            "count_R_literal_ids_ms": timed(literal.count, repeat),
            "count_O_restrict_ms": timed(lambda: restricted().count(), repeat),
            "count_O_restrict_cached_grants_ms": timed(
                lambda c=cached: Membership.objects.restrict(c, "view").count(), repeat
            ),
            "page_R_literal_ids_ms": timed(
                lambda q=literal: list(q.order_by("-joined_on", "-id")[:50]), repeat
            ),
            "page_O_restrict_ms": timed(
                lambda: list(restricted().order_by("-joined_on", "-id")[:50]), repeat
            ),
        }
        assert restricted().count() == row["members_in_scope"]
        row["count_O_over_R"] = ratio(row["count_O_restrict_ms"], row["count_R_literal_ids_ms"])
        row["count_O_cached_over_R"] = ratio(
            row["count_O_restrict_cached_grants_ms"], row["count_R_literal_ids_ms"]
        )
        row["page_O_over_R"] = ratio(row["page_O_restrict_ms"], row["page_R_literal_ids_ms"])
        out[label] = row

    # --- writes: add an org, move a township ----------------------------------------------
    from gonghui.orgs.actions import create_org, move_org

    admin = User.objects.filter(username="bench-city-admin").first()
    if admin is None:
        admin = UserFactory(username="bench-city-admin")
        grant(admin, Org.objects.get(depth=1), "org_admin")
    samples = []
    for i in range(repeat):
        parent = Org.objects.get(pk=township.pk)
        t0 = time.perf_counter()
        create_org(
            actor=admin, parent=parent, kind="grassroots", name=f"基准新建工会{time.time_ns()}{i}"
        )
        samples.append(time.perf_counter() - t0)
    out["add_org_ms"] = round(statistics.median(samples) * 1000, 3)
    districts = list(Org.objects.filter(depth=2, kind="district_federation").order_by("path"))
    away = districts[0]
    mover = (
        Org.objects.filter(depth=3, kind="township_federation")
        .exclude(path__startswith=away.path)
        .order_by("-numchild", "path")
        .first()
    )
    home = Org.objects.get(path=mover.path[: 2 * Org.steplen])
    moved_rows = Org.objects.filter(path__startswith=mover.path).count()
    samples = []
    for i in range(max(2, cfg["repeat"])):
        target = away if i % 2 == 0 else home
        t0 = time.perf_counter()
        move_org(actor=admin, org=Org.objects.get(pk=mover.pk), new_parent=target)
        samples.append(time.perf_counter() - t0)
    if not Org.objects.get(pk=mover.pk).path.startswith(home.path):
        move_org(actor=admin, org=Org.objects.get(pk=mover.pk), new_parent=home)
    out["move_township_ms"] = round(statistics.median(samples) * 1000, 3)
    out["move_township_orgs_moved"] = moved_rows
    out["target_scope_O_over_R_le_1_2"] = all(
        out[k]["count_O_over_R"] <= 1.2 for k in ("district", "township", "grassroots")
    )
    out["target_add_org_le_10ms"] = out["add_org_ms"] <= 10
    return out
