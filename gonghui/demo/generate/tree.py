"""The org tree and its employers: the real Chongqing districts, townships and streets, the
functional zones, industry unions and federations, and grassroots unions in proportion to
the members (or, with ``append``, the tree already in the database)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from gonghui.demo.generate.common import GenerateRefused
from gonghui.demo.generate.words import (
    BRANDS,
    CITY_FEDERATION_FORMS,
    DISTRICT_FEDERATIONS,
    FUNCTIONAL_ZONES,
    INDUSTRY_SECTIONS,
    NEW_FORMS,
    SECTION_WEIGHTS,
    TRADES,
)
from gonghui.orgs.naming import holding_pool_name
from gonghui.platform.validators import make_uscc_for

# gonghui/demo/generate/tree.py -> gonghui/orgs/data
DATA = Path(__file__).resolve().parent.parent.parent / "orgs" / "data"
MEMBERS_PER_GRASSROOTS = 300


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- tree -----------------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _step(n: int, steplen: int = 4) -> str:
    out = ""
    for _ in range(steplen):
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    return out


@dataclass(eq=False)
class Node:
    kind: str
    name: str
    short_name: str = ""
    region_code: str = ""
    uscc: str = ""
    note: str = ""
    address: str = ""
    founded_on: date | None = None
    forms: tuple = ()  # employment forms of a new-employment-form federation
    children: list = field(default_factory=list)
    parent: Node | None = None
    path: str = ""
    id: int = 0
    employers: list = field(default_factory=list)  # [(id, name)]

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child


@dataclass
class City:
    """What later steps need about the tree: the member-holding orgs and their weights."""

    member_orgs: list  # [Node]
    cum_weights: list
    districts: list  # [Node] (district federations incl. functional zones)
    district_of: dict  # org id -> district Node
    counts: dict


class TreeMixin:
    """:class:`~gonghui.demo.generate.generator.CityGenerator` steps for the org tree."""

    # -- the org tree and employers
    def tree(self) -> City:
        from gonghui.orgs.models import Org

        if Org.objects.exists():
            if not self.append:
                raise GenerateRefused(
                    "the database already has an org tree: use a fresh database, or --append "
                    "to add people to the existing tree"
                )
            return self.existing_tree()
        rng = self.rng
        created = self.at(self.as_of - timedelta(days=12 * 365), 0)
        uscc_seq = iter(range(1, 10**9))

        def union_uscc(region: str) -> str:
            return make_uscc_for(
                next(uscc_seq), region_code=region or "500000", authority="8", entity_type="1"
            )

        root = Node("city_federation", "重庆市总工会", "市总工会", "500000", union_uscc("500000"))
        districts: list[Node] = []
        by_code: dict[str, Node] = {}
        streets: dict[str, list[dict]] = {}
        for row in _rows("chongqing_streets.csv"):
            streets.setdefault(row["district_code"], []).append(row)
        for row in _rows("chongqing_districts.csv"):
            node = root.add(
                Node(
                    "district_federation",
                    f"{row['name']}总工会",
                    row["name"],
                    row["code"],
                    union_uscc(row["code"]),
                    address=f"重庆市{row['name']}",
                )
            )
            districts.append(node)
            by_code[row["code"]] = node
        host = {}  # functional zone -> the district hosting most of it (for region codes)
        for name, short, region in FUNCTIONAL_ZONES:
            zone = root.add(Node("district_federation", name, short, "", note="功能区"))
            host[id(zone)] = region
            districts.append(zone)
        industry = {}
        for row in _rows("chongqing_industry_unions.csv"):
            forms = CITY_FEDERATION_FORMS.get(row["code"], ())
            industry[row["code"]] = root.add(
                Node(
                    row["kind"],
                    row["name"],
                    row["short_name"],
                    "500000",
                    note=row["note"],
                    forms=forms,
                )
            )
        pools, federations, townships = [], [], []
        for district in districts:
            short = district.short_name
            pools.append(
                district.add(
                    Node(
                        "holding_pool",
                        holding_pool_name(short),
                        holding_pool_name(short),
                        district.region_code,
                        note="新就业形态劳动者、农民工入会后待分配的周转库",
                    )
                )
            )
            for suffix, forms in DISTRICT_FEDERATIONS:
                federations.append(
                    district.add(
                        Node(
                            "union_federation",
                            f"{short}{suffix}",
                            f"{short}{suffix}",
                            district.region_code,
                            union_uscc(district.region_code),
                            note="新就业形态",
                            forms=forms,
                        )
                    )
                )
            for street in streets.get(
                district.region_code if district.note != "功能区" else "", []
            ):
                townships.append(
                    district.add(
                        Node(
                            "township_federation",
                            f"{street['name']}总工会",
                            street["name"],
                            district.region_code,
                            address=f"重庆市{short}{street['name']}",
                        )
                    )
                )
        federations += [industry[c] for c in CITY_FEDERATION_FORMS]

        # Grassroots unions, each founded for one employer (a few joint unions for several).
        n_grassroots = max(60, self.members // MEMBERS_PER_GRASSROOTS)
        industry_unions = [n for c, n in industry.items() if c not in CITY_FEDERATION_FORMS]
        zones = districts[-len(FUNCTIONAL_ZONES) :]
        real_districts = districts[: -len(FUNCTIONAL_ZONES)]
        grassroots = []
        employer_rows = []  # (node, name, section, ownership, headcount, region)
        sections = list(SECTION_WEIGHTS)
        section_w = list(SECTION_WEIGHTS.values())
        for _ in range(n_grassroots):
            r = rng.random()
            ownership = rng.choice(("private",) * 7 + ("foreign", "hmt", "joint", "collective"))
            section = rng.choices(sections, section_w)[0]
            if r < 0.70:
                parent = rng.choice(townships)
            elif r < 0.82:
                code, parent = rng.choice(list(industry.items()))
                if code in CITY_FEDERATION_FORMS:
                    parent = rng.choice(industry_unions)
                    code = next(c for c, n in industry.items() if n is parent)
                section = INDUSTRY_SECTIONS[code] if INDUSTRY_SECTIONS[code] in TRADES else "C"
                ownership = "state"
            elif r < 0.90:
                parent = rng.choice(real_districts)
            elif r < 0.96:
                parent = rng.choice(federations)
                section = "G" if "ride" not in str(parent.forms) else "L"
            else:
                parent = rng.choice(zones)
            region = parent.region_code
            if region in ("", "500000"):
                region = host.get(id(parent)) or rng.choice(real_districts).region_code
            place = parent.short_name if parent.kind == "township_federation" else ""
            brand = rng.choice(BRANDS) + rng.choice(BRANDS)
            employer_name = f"重庆{place[:2]}{brand}{rng.choice(TRADES[section])}有限公司"
            if section in ("Q", "P", "S") and ownership == "state":
                employer_name = f"重庆市{brand}{rng.choice(TRADES[section])}"
            node = parent.add(
                Node(
                    "grassroots",
                    f"{employer_name}工会委员会",
                    f"{brand}工会",
                    region,
                    union_uscc(region) if rng.random() < 0.7 else "",
                    founded_on=self.as_of - timedelta(days=rng.randrange(30, 30 * 365)),
                )
            )
            grassroots.append(node)
            joint = 1 if rng.random() < 0.9 else rng.randrange(2, 5)
            for k in range(joint):
                suffix = "" if k == 0 else f"第{k + 1}分公司"
                headcount = max(5, int(rng.lognormvariate(4.5, 1.1)))
                employer_rows.append(
                    (node, employer_name + suffix, section, ownership, headcount, region)
                )
        # Employers without a union yet: the township or district federation organises them.
        for _ in range(n_grassroots // 8):
            parent = rng.choice(townships)
            section = rng.choices(sections, section_w)[0]
            brand = rng.choice(BRANDS) + rng.choice(BRANDS)
            employer_rows.append(
                (
                    parent,
                    f"重庆{brand}{rng.choice(TRADES[section])}有限公司",
                    section,
                    "private",
                    max(3, int(rng.lognormvariate(3, 1))),
                    parent.region_code,
                )
            )

        # Paths, depths, numchild, ids (in path order).
        next_id = self.writer.next_id(Org)
        ordered: list[Node] = []
        stack = [(root, _step(1))]
        while stack:
            node, path = stack.pop()
            node.path = path
            ordered.append(node)
            stack.extend(
                (child, path + _step(i)) for i, child in reversed(list(enumerate(node.children, 1)))
            )
        ordered.sort(key=lambda n: n.path)
        for i, node in enumerate(ordered):
            node.id = next_id + i
        w = self.writer
        t = w.dt(created)
        rows = [
            (
                n.id,
                n.path,
                len(n.path) // 4,
                len(n.children),
                n.kind,
                n.name,
                n.short_name,
                n.uscc,
                n.region_code,
                n.address,
                "",
                "",
                "active",
                w.d(n.founded_on),
                n.note,
                t,
                t,
            )
            for n in ordered
        ]
        w.insert(
            Org,
            [
                "id",
                "path",
                "depth",
                "numchild",
                "kind",
                "name",
                "short_name",
                "uscc",
                "region_code",
                "address",
                "contact_name",
                "contact_phone",
                "status",
                "founded_on",
                "note",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        self.out(f"  orgs: {len(rows):,} ({n_grassroots:,} grassroots unions)")
        self.employers(employer_rows)

        # Member weights: grassroots 88 %, new-employment federations 6 %, pools 4 %,
        # townships (scattered members of small workplaces) 2 %.
        member_orgs, weights = [], []
        for share, group, spread in (
            (0.88, grassroots, 1.0),
            (0.06, federations, 0.5),
            (0.04, pools, 0.5),
            (0.02, townships, 0.8),
        ):
            raw = [rng.lognormvariate(0, spread) for _ in group]
            total = sum(raw)
            member_orgs += group
            weights += [share * x / total for x in raw]
        return self.city(
            member_orgs,
            weights,
            districts,
            {
                "orgs": len(rows),
                "grassroots": n_grassroots,
                "townships": len(townships),
                "districts": len(districts),
                "employers": len(employer_rows),
            },
        )

    def city(self, member_orgs, weights, districts, counts) -> City:
        cum, acc = [], 0.0
        for x in weights:
            acc += x
            cum.append(acc)
        district_of = {}
        for d in districts:
            district_of[d.id] = d
        for org in member_orgs:
            node = org
            while node is not None and node.kind != "district_federation":
                node = node.parent
            if node is not None:
                district_of[org.id] = node
        self.summary["orgs"] = counts
        return City(member_orgs, cum, districts, district_of, counts)

    def employers(self, employer_rows) -> None:
        from gonghui.orgs.models import Employer

        w = self.writer
        next_id = w.next_id(Employer)
        base = Employer.objects.count() + 1_000_003
        t = w.dt(self.at(self.as_of - timedelta(days=12 * 365), 0))
        rows = []
        for i, (node, name, section, ownership, headcount, region) in enumerate(employer_rows):
            pk = next_id + i
            uscc = make_uscc_for(base + i, region_code=region or "500000")
            node.employers.append((pk, name))
            rows.append(
                (
                    pk,
                    name[:200],
                    uscc,
                    False,
                    section,
                    ownership,
                    headcount,
                    region,
                    "",
                    node.id,
                    t,
                    t,
                )
            )
        w.insert(
            Employer,
            [
                "id",
                "name",
                "uscc",
                "uscc_checksum_confirmed",
                "industry_section",
                "ownership",
                "headcount",
                "region_code",
                "address",
                "org",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        self.out(f"  employers: {len(rows):,}")

    def existing_tree(self) -> City:
        """Append mode: the member-holding orgs already in the database, weighted equally."""
        from gonghui.members.actions import MEMBER_ORG_KINDS
        from gonghui.orgs.models import Employer, Org

        nodes = {}
        for org in Org.objects.order_by("path"):
            node = Node(org.kind, org.name, org.short_name, org.region_code, path=org.path)
            node.id = org.pk
            parent = nodes.get(org.path[:-4]) if org.depth > 1 else None
            if parent is not None:
                parent.add(node)
            nodes[org.path] = node
        by_id = {n.id: n for n in nodes.values()}
        for pk, name, org_id in Employer.objects.values_list("pk", "name", "org_id"):
            by_id[org_id].employers.append((pk, name))
        active = set(Org.objects.filter(status="active").values_list("pk", flat=True))
        member_orgs = [n for n in nodes.values() if n.kind in MEMBER_ORG_KINDS and n.id in active]
        for n in member_orgs:
            if n.kind == "union_federation":
                n.forms = NEW_FORMS
        districts = [n for n in nodes.values() if n.kind == "district_federation"]
        return self.city(
            member_orgs, [1.0] * len(member_orgs), districts, {"orgs": 0, "reused": len(nodes)}
        )
