"""The bench data: a city with districts, townships, grassroots unions and members.

Uses ``manage.py generate_city`` (gonghui/demo) when it exists; until then a small bulk
builder here (orgs through treebeard paths, people and memberships through ``bulk_create``,
so the encryption and blind indexes are the real ones). Idempotent: a database that already
holds at least the wanted number of members is reused.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from bench.common import ROOT

GENERATOR = ROOT / "gonghui" / "demo" / "management" / "commands" / "generate_city.py"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STATES = (
    ["active"] * 80 + ["retained"] * 6 + ["withdrawn"] * 5 + ["lapsed"] * 5 + ["transferred"] * 4
)
FORMS = ["standard"] * 7 + ["food_delivery", "courier", "ride_hailing", "truck_driver", "flexible"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def _step(n: int, steplen: int) -> str:
    out = ""
    for _ in range(steplen):
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    return out


def bench_id_number(serial: int) -> str:
    """A valid, unique 18-digit ID for serial < 14.6M (birth date and sequence from it)."""
    from gonghui.platform.validators import id_check_char

    birth = date(1965, 1, 1) + timedelta(days=serial // 1000)
    body = f"500112{birth:%Y%m%d}{serial % 1000:03d}"
    return body + id_check_char(body)


def member_count() -> int:
    from gonghui.members.models import Membership

    return Membership.objects.count()


def ensure_city(members: int, seed: int = 1) -> dict:
    """Make sure the bench database holds a city with about ``members`` members."""
    from django.core.management import call_command

    have = member_count()
    if have >= members * 0.95:
        return {"members": have, "built": False, "generator": "existing"}
    t0 = time.perf_counter()
    if have == 0 and _generator_usable():
        call_command("generate_city", members=members, seed=seed)
        generator = "manage.py generate_city"
    else:
        build_local(members - have, seed=seed, offset=have)
        from gonghui.cockpit import summaries

        summaries.rebuild()
        generator = "bench/data.py (local bulk builder)"
    _analyze()
    return {
        "members": member_count(),
        "built": True,
        "generator": generator,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _generator_usable() -> bool:
    """generate_city exists and imports (BENCH_GENERATOR=local forces the local builder)."""
    import importlib
    import os

    if os.environ.get("BENCH_GENERATOR") == "local" or not GENERATOR.exists():
        return False
    try:
        importlib.import_module("gonghui.demo.management.commands.generate_city")
    except Exception as exc:  # another session may be half-way through writing it
        print(f"  generate_city not usable yet ({exc.__class__.__name__}): local builder")
        return False
    return True


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM also sets the visibility map after the bulk load, so counts and
        # keyset pages can be answered from the indexes alone (as after autovacuum in use)
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def build_tree(districts: int, townships: int, unions: int) -> None:
    from django.db import transaction

    from gonghui.orgs.models import Org

    if Org.objects.exists():
        return
    sl = Org.steplen
    orgs = []
    root = _step(1, sl)
    orgs.append(
        Org(
            path=root,
            depth=1,
            numchild=districts,
            kind="city_federation",
            name="重庆市总工会",
            region_code="500000",
        )
    )
    rng = random.Random(5)
    for d in range(1, districts + 1):
        dp = root + _step(d, sl)
        orgs.append(
            Org(
                path=dp,
                depth=2,
                numchild=townships,
                kind="district_federation",
                name=f"基准区{d}总工会",
                region_code=f"5001{d:02d}",
            )
        )
        for t in range(1, townships + 1):
            tp = dp + _step(t, sl)
            orgs.append(
                Org(
                    path=tp,
                    depth=3,
                    numchild=unions,
                    kind="township_federation",
                    name=f"基准区{d}镇{t}总工会",
                    region_code=f"5001{d:02d}",
                )
            )
            for g in range(1, unions + 1):
                orgs.append(
                    Org(
                        path=tp + _step(g, sl),
                        depth=4,
                        numchild=0,
                        kind="grassroots",
                        name=f"基准区{d}镇{t}企业{g}工会",
                        region_code=f"5001{d:02d}",
                        founded_on=date(2015, 1, 1) + timedelta(days=rng.randrange(0, 4000)),
                    )
                )
    with transaction.atomic():
        Org.objects.bulk_create(orgs, batch_size=2000)


def tree_shape(members: int) -> tuple[int, int, int]:
    """About 40 members per grassroots union, 38 districts (as Chongqing)."""
    unions_total = max(38 * 2 * 2, members // 40)
    per_district = unions_total // 38
    townships = max(2, min(30, int(per_district**0.5)))
    return 38, townships, max(2, per_district // townships)


def build_local(n: int, *, seed: int = 1, offset: int = 0) -> None:
    from django.db import transaction

    from gonghui.members.models import Membership, Person
    from gonghui.orgs.models import Org

    build_tree(*tree_shape(n + offset))
    unions = list(
        Org.objects.filter(kind="grassroots").order_by("path").values_list("pk", flat=True)
    )
    rng = random.Random(seed)
    # skew: some unions are much bigger than others
    weights = [1 + (i * 7919 % 13) ** 2 for i in range(len(unions))]
    start = date(2018, 1, 1)
    span = (date(2026, 10, 31) - start).days
    batch = 5000
    t0 = time.perf_counter()
    done = 0
    while done < n:
        k = min(batch, n - done)
        chosen = rng.choices(unions, weights=weights, k=k)
        people = []
        for j in range(k):
            serial = 1_000_000 + offset + done + j
            people.append(
                Person(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    id_number=bench_id_number(serial),
                    phone=f"13{serial % 10}{serial:08d}"[:11],
                    org_id=chosen[j],
                )
            )
        with transaction.atomic():
            Person.objects.bulk_create(people)
            memberships = [
                Membership(
                    person_id=p.pk,
                    org_id=p.org_id,
                    state=rng.choice(STATES),
                    employment_form=rng.choice(FORMS),
                    is_migrant=rng.random() < 0.2,
                    source="import",
                    joined_on=start + timedelta(days=rng.randrange(span)),
                )
                for p in people
            ]
            Membership.objects.bulk_create(memberships)
        done += k
        if done % 50_000 < batch:
            rate = done / (time.perf_counter() - t0)
            print(f"  members {done:,}/{n:,} ({rate:,.0f}/s)", flush=True)
