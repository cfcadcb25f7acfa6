"""A realistic, deterministic city for benchmarks: ``manage.py generate_city``.

The real Chongqing tree (38 districts and counties, their 1,000+ townships and streets, the
functional zones, the city industry unions and new-employment-form federations), grassroots
unions in proportion to the number of members (one per ~300), employers with valid unique
USCCs, people with valid unique ID numbers and mobiles, memberships in every state and
employment form with join dates over twelve years, transfers, join requests (a small share
pending), and a small share of hardship files, aid applications and condolence visits.

Fast: rows are prepared in Python and written with ``executemany`` (SQLite) or ``COPY``
(PostgreSQL) in batches of 5,000 rows, one transaction per batch, with explicit primary keys
(so card and file numbers need no second write). It never goes through the per-row action
layer, so it writes no audit events: the people are fictitious.

Deterministic: one ``random.Random(seed)`` drives everything, and every date is derived from
a fixed reference date (``as_of``), never from the clock. Only the ciphertexts differ between
runs (AES-GCM nonces are random by design); the plaintexts and blind indexes are identical.

Unique by construction, so memory stays flat: ID numbers draw a sequence number from a
counter per (region, birth date, sex) walked through a fixed permutation; mobiles walk a
permutation of each prefix's 10**8 numbers. With ``append`` the blind indexes already in the
database are loaded and skipped.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import os
import random
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from pypinyin import Style, lazy_pinyin

from gonghui.platform.pii import crypto
from gonghui.platform.validators import id_check_char, make_uscc_for

DATA = Path(__file__).resolve().parent.parent / "orgs" / "data"
DEFAULT_AS_OF = date(2026, 6, 30)
BATCH = 5000
MEMBERS_PER_GRASSROOTS = 300
GENERATOR_USERNAME = "city_generator"


class GenerateRefused(Exception):
    """The database or the settings do not allow generating a city here."""


# --- word lists ---------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"
)
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 华 辉 鹏 飞 波 红 玲 琴 斌 林"
    " 秀英 秀兰 桂英 建国 建华 志强 海燕 红梅 小红 丹丹 雪梅 晓东 俊杰 浩然 子涵 欣怡 宇航"
    " 梓萱 一鸣 思远 佳怡 文博 嘉怡 鑫磊 雨桐 婷婷 建军 国强 志明 春梅 晓燕 丽娟 文静 海涛"
    " 永刚 德华 玉兰 桂兰 凤英 光明 小龙 大勇 家豪 俊豪 子轩 浩宇 雨欣 诗涵 梦琪 欣然 思琪"
    " 晨曦 宇轩 天宇 博文 明轩 佳琪 晓丽 晓梅 金凤 玉梅 素芬 德明 永红 建平 建伟 志华 志勇"
).split()
ETHNICITIES = ("汉族",) * 90 + ("土家族",) * 6 + ("苗族",) * 3 + ("回族",)
BRANDS = (
    "长江 嘉陵 山城 渝新 巴渝 两江 朝天 解放 鹅岭 南山 缙云 金佛 仙女 龙门 天府 巴蜀 渝州 锦华"
    " 恒通 鑫源 宏达 华信 瑞丰 永安 兴业 同创 博远 众诚 盛世 金桥 银河 星辰 云帆 海纳 汇通 联创"
    " 德润 泰和 万象 凯达 安泰 康宁 明德 启航 腾飞 卓越 精工 智造 数联 远航 顺达 佳禾 美家 福源"
).split()
TRADES = {
    "C": ("机械制造", "汽车零部件", "电子科技", "精密仪器", "摩托车配件", "新材料", "食品加工"),
    "D": ("电力", "燃气", "能源"),
    "E": ("建筑工程", "建设", "市政工程", "装饰工程"),
    "F": ("商贸", "超市", "百货", "医药连锁"),
    "G": ("物流", "运输", "快递", "供应链", "公交"),
    "H": ("餐饮管理", "酒店", "火锅"),
    "I": ("信息技术", "软件", "数据服务", "网络科技"),
    "J": ("小额贷款", "融资担保"),
    "K": ("物业服务", "房地产开发"),
    "L": ("人力资源", "商务服务", "企业管理"),
    "M": ("检测技术", "工程设计"),
    "N": ("环境卫生", "园林绿化"),
    "O": ("家政服务", "汽车维修"),
    "P": ("培训学校", "幼儿园"),
    "Q": ("医院", "社区卫生服务中心", "诊所"),
    "R": ("文化传媒", "体育发展"),
    "S": ("社会工作服务中心",),
}
SECTION_WEIGHTS = {
    "C": 26,
    "E": 12,
    "F": 14,
    "G": 8,
    "H": 8,
    "I": 6,
    "K": 5,
    "L": 6,
    "M": 3,
    "N": 2,
    "O": 4,
    "P": 2,
    "Q": 2,
    "R": 1,
    "D": 1,
}
INDUSTRY_SECTIONS = {
    "machinery": "C",
    "energy": "D",
    "agriculture": "A",
    "defense-post": "I",
    "commerce": "F",
    "education": "P",
    "health": "Q",
    "finance": "J",
    "transport": "G",
    "construction": "E",
    "organs": "S",
    "courier-fed": "G",
    "food-delivery-fed": "H",
    "ride-hailing-fed": "G",
    "truck-driver-fed": "G",
}
FUNCTIONAL_ZONES = (
    ("两江新区总工会", "两江新区", "500112"),
    ("重庆高新区总工会", "高新区", "500106"),
    ("万盛经开区总工会", "万盛经开区", "500110"),
)
# Per-district federations of new-employment-form workers: (suffix, employment forms).
DISTRICT_FEDERATIONS = (
    ("快递物流行业工会联合会", ("courier", "truck_driver")),
    ("外卖配送行业工会联合会", ("food_delivery",)),
    ("网约车行业工会联合会", ("ride_hailing",)),
    ("家政服务业工会联合会", ("domestic", "platform_other")),
)
CITY_FEDERATION_FORMS = {
    "courier-fed": ("courier",),
    "food-delivery-fed": ("food_delivery",),
    "ride-hailing-fed": ("ride_hailing",),
    "truck-driver-fed": ("truck_driver",),
}
PLATFORMS = {
    "food_delivery": ("美团", "饿了么"),
    "courier": ("顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "极兔速递"),
    "ride_hailing": ("滴滴出行", "曹操出行", "T3出行", "花小猪"),
    "truck_driver": ("货拉拉", "满帮", "快狗打车"),
    "domestic": ("58到家", "天鹅到家", "管家帮"),
    "platform_other": ("美团优选", "抖音", "闪送"),
    "flexible": ("个体经营", "灵活就业"),
    "other": ("其他",),
}
NEW_FORMS = (
    "food_delivery",
    "courier",
    "ride_hailing",
    "truck_driver",
    "domestic",
    "platform_other",
)
MIGRANT_REGIONS = (
    "510107",
    "510722",
    "511602",
    "511621",
    "513701",
    "522101",
    "522401",
    "430102",
    "431202",
    "420106",
    "421181",
    "533001",
    "530102",
    "610102",
    "410102",
    "360102",
    "450102",
)
MOBILE_PREFIXES = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "178",
    "182",
    "183",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "166",
    "175",
    "176",
    "185",
    "186",
    "133",
    "153",
    "173",
    "177",
    "180",
    "181",
    "189",
    "191",
    "199",
)
# Membership states: (state, share). "transferred" people also hold a newer active membership.
STATE_SHARES = (
    ("active", 0.8575),
    ("retained", 0.04),
    ("transferring", 0.005),
    ("transferred", 0.025),
    ("withdrawn", 0.035),
    ("lapsed", 0.037),
    ("expelled", 0.0005),
)
END_REASONS = {
    "withdrawn": ("本人申请退会", "离职", "离开本市"),
    "lapsed": ("连续六个月未缴纳会费且未参加组织生活",),
    "expelled": ("严重违法违纪",),
}


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


# --- unique identifiers -------------------------------------------------------------------

BIRTH_FIRST = date(1960, 1, 1)
BIRTH_LAST = date(2006, 12, 31)


class IdNumbers:
    """Valid, unique resident ID numbers: a counter per (region, day, sex) walked through a
    fixed permutation of the 500 sequence numbers of that sex."""

    def __init__(self, regions: Iterable[str], first: date, last: date, exclude=None):
        self.regions = {code: i for i, code in enumerate(sorted(set(regions)))}
        self.first = first.toordinal()
        self.days = last.toordinal() - self.first + 1
        self.used = array("H", bytes(2 * len(self.regions) * self.days * 2))
        self.exclude = exclude  # blind indexes already in the database (append mode)

    def make(self, region: str, day_offset: int, male: bool) -> tuple[str, str] | None:
        """(number, blind index), or None when that day is full (pick another day)."""
        slot = (self.regions[region] * self.days + day_offset) * 2 + male
        while True:
            k = self.used[slot]
            if k >= 500:
                return None
            self.used[slot] = k + 1
            j = (k * 7 + day_offset * 31 + int(region)) % 500
            born = date.fromordinal(self.first + day_offset)
            body = f"{region}{born:%Y%m%d}{2 * j + male:03d}"
            number = body + id_check_char(body)
            index = blind_index("id_number", number)
            if self.exclude is None or index not in self.exclude:
                return number, index


class Mobiles:
    """Unique mainland mobiles: each prefix's 10**8 numbers in a fixed permuted order."""

    def __init__(self, rng: random.Random, exclude=None):
        self.rng = rng
        self.next = dict.fromkeys(MOBILE_PREFIXES, 0)
        self.offset = {p: (int(p) * 7_654_321) % 10**8 for p in MOBILE_PREFIXES}
        self.exclude = exclude

    def make(self) -> tuple[str, str]:
        while True:
            prefix = self.rng.choice(MOBILE_PREFIXES)
            k = self.next[prefix]
            self.next[prefix] = k + 1
            number = f"{prefix}{(k * 48_271 + self.offset[prefix]) % 10**8:08d}"
            index = blind_index("phone", number)
            if self.exclude is None or index not in self.exclude:
                return number, index


def blind_index(kind: str, normalised: str) -> str:
    """:func:`crypto.blind_index` with the key looked up once (values are already normal)."""
    key = _index_key()
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


_KEY_CACHE: dict = {}


def _index_key() -> bytes:
    spec = settings.GONGHUI_BLIND_INDEX_KEY
    key = _KEY_CACHE.get(spec)
    if key is None:
        key = _KEY_CACHE[spec] = crypto._index_key_for(spec)
    return key


class Encryptor:
    """:func:`crypto.encrypt` with the cipher built once; same format, random nonces."""

    def __init__(self):
        ring = crypto.key_ring()
        self.key_id = ring.primary_id
        self.aad = ring.primary_id.encode()
        self.cipher = ring.cipher(ring.primary_id)
        self.prefix = f"{crypto.PREFIX}:{ring.primary_id}:"

    def __call__(self, plaintext: str) -> str:
        if not plaintext:
            return plaintext
        nonce = os.urandom(12)
        sealed = self.cipher.encrypt(nonce, plaintext.encode("utf-8"), self.aad)
        return self.prefix + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")


# --- writing --------------------------------------------------------------------------------


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


# --- the generator --------------------------------------------------------------------------


class CityGenerator:
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
                        f"{short}周转库",
                        "周转库",
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
                            suffix[:12],
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

    # -- people, memberships, transfers, join requests
    def people(self, city: City) -> None:
        from gonghui.members.models import (
            JoinChannel,
            JoinRequest,
            Membership,
            Person,
            Transfer,
        )

        rng, w, enc = self.rng, self.writer, self.encrypt
        cq_regions = sorted({d.region_code for d in city.districts if d.region_code})
        exclude_ids = exclude_phones = None
        if self.append:
            exclude_ids = {
                *Person.objects.values_list("id_index", flat=True),
                *JoinRequest.objects.values_list("id_index", flat=True),
            }
            exclude_phones = {
                *Person.objects.exclude(phone_index=None).values_list("phone_index", flat=True),
                *JoinRequest.objects.values_list("phone_index", flat=True),
            }
        ids = IdNumbers([*cq_regions, *MIGRANT_REGIONS], BIRTH_FIRST, BIRTH_LAST, exclude_ids)
        self.ids = ids
        self.mobiles = Mobiles(rng, exclude_phones)
        days = BIRTH_LAST.toordinal() - BIRTH_FIRST.toordinal() + 1
        as_of = self.as_of
        retire_cut = date(as_of.year - 60, as_of.month, 1).toordinal() - BIRTH_FIRST.toordinal()
        peak = date(1988, 1, 1).toordinal() - BIRTH_FIRST.toordinal()
        earliest_join = as_of - timedelta(days=12 * 365)
        state_names = [s for s, _ in STATE_SHARES]
        state_cum = list(_cumulate(x for _, x in STATE_SHARES))

        # Join channels (QR posters): one per member-holding org.
        channel_id = w.next_id(JoinChannel)
        channels = {}
        rows = []
        t0 = w.dt(self.at(earliest_join, 0))
        for i, org in enumerate(city.member_orgs):
            channels[org.id] = channel_id + i
            token = hashlib.sha256(f"{self.seed}:{org.id}".encode()).hexdigest()[:24]
            rows.append(
                (channel_id + i, org.id, "入会海报", token, False, None, None, self.user_id, t0)
            )
        w.insert(
            JoinChannel,
            [
                "id",
                "org",
                "label",
                "token",
                "auto_approve",
                "expires_at",
                "revoked_at",
                "created_by",
                "created_at",
            ],
            rows,
        )

        person_cols = [
            "id",
            "name",
            "name_pinyin",
            "name_initials",
            "id_number",
            "id_index",
            "gender",
            "birth_date",
            "phone",
            "phone_index",
            "ethnicity",
            "education",
            "household_type",
            "skill_level",
            "model_worker_level",
            "residence_region",
            "org",
            "user",
            "created_at",
            "updated_at",
        ]
        membership_cols = [
            "id",
            "person",
            "org",
            "employer",
            "employer_name",
            "employment_form",
            "is_migrant",
            "state",
            "source",
            "joined_on",
            "card_no",
            "last_dues_on",
            "last_activity_on",
            "state_changed_at",
            "ended_on",
            "end_reason",
            "lapse_flagged_at",
            "created_at",
        ]
        transfer_cols = [
            "id",
            "membership",
            "from_org",
            "to_org",
            "employer_name",
            "initiated_by",
            "requested_by",
            "state",
            "reason",
            "requested_at",
            "sender_decided_at",
            "sender_decided_by",
            "decided_at",
            "decided_by",
            "new_membership",
        ]
        request_cols = [
            "id",
            "org",
            "channel",
            "name",
            "id_number",
            "id_index",
            "phone",
            "phone_index",
            "employer",
            "employer_name",
            "employment_form",
            "is_migrant",
            "residence_region",
            "extra",
            "state",
            "submitted_at",
            "decided_at",
            "decided_by",
            "reason",
            "membership",
        ]
        pid, mid = w.next_id(Person), w.next_id(Membership)
        tid, rid = w.next_id(Transfer), w.next_id(JoinRequest)
        educations = (
            "primary",
            "junior",
            "junior",
            "senior",
            "senior",
            "senior",
            "college",
            "college",
            "bachelor",
            "bachelor",
            "master",
        )
        skills = ("",) * 12 + ("5", "4", "4", "3", "2", "1")
        self.hardship_candidates: list = []  # (person id, org id, name, id index, birth)
        self.visit_candidates: list = []
        counts = dict.fromkeys(state_names, 0)
        forms_seen: dict[str, int] = {}
        pending = 0
        started = time.perf_counter()
        last_report = started
        done = 0
        n_pending = max(3, self.members // 100)
        n_rejected = max(1, self.members // 500)
        while done < self.members:
            size = min(BATCH, self.members - done)
            picks = rng.choices(city.member_orgs, cum_weights=city.cum_weights, k=size)
            people, memberships, transfers, requests = [], [], [], []
            for org in picks:
                state = state_names[_bisect(state_cum, rng.random() * state_cum[-1])]
                kind = org.kind
                loose = kind in ("holding_pool", "union_federation")
                migrant = rng.random() < (0.55 if loose else 0.18)
                # Birth: retired members were born 60+ years before as_of.
                while True:
                    if state == "retained":
                        day = rng.randrange(0, max(1, retire_cut))
                    else:
                        day = int(rng.triangular(0, days - 1, peak))
                    male = rng.random() < (0.62 if loose else 0.52)
                    if migrant:
                        region = rng.choice(MIGRANT_REGIONS)
                    elif rng.random() < 0.7 and org.region_code in ids.regions:
                        region = org.region_code
                    else:
                        region = rng.choice(cq_regions)
                    made = ids.make(region, day, male)
                    if made is not None:
                        break
                id_number, id_index = made
                born = BIRTH_FIRST + timedelta(days=day)
                phone, phone_index = self.mobiles.make()
                name = self.name()
                pinyin, initials = self.pinyin_of(name)
                # Employment.
                if kind == "union_federation":
                    form = rng.choice(org.forms or NEW_FORMS)
                elif kind == "holding_pool":
                    form = rng.choice((*NEW_FORMS, "flexible", "flexible", "other"))
                elif kind == "township_federation":
                    form = rng.choice(("standard", "standard", "flexible", "other", "domestic"))
                else:
                    r = rng.random()
                    form = (
                        "standard"
                        if r < 0.93
                        else "flexible"
                        if r < 0.95
                        else "other"
                        if r < 0.96
                        else rng.choice(NEW_FORMS)
                    )
                forms_seen[form] = forms_seen.get(form, 0) + 1
                if org.employers and kind == "grassroots":
                    employer_id, employer_name = rng.choice(org.employers)
                else:
                    employer_id, employer_name = None, rng.choice(PLATFORMS.get(form, ("",)))
                # Joining: after the 16th birthday, more joins in recent years.
                first = max(earliest_join, _add_years(born, 16) + timedelta(days=1))
                span = (as_of - first).days
                joined = first + timedelta(days=int(rng.triangular(0, max(span, 1), span)))
                joined = min(joined, as_of)
                source = rng.choice(("import", "import", "import", "qr", "qr", "manual"))
                person_org = org.id
                common = (employer_id, employer_name, form, migrant)

                def membership(
                    m_id,
                    m_org,
                    m_state,
                    m_joined,
                    m_source,
                    ended=None,
                    reason="",
                    changed=None,
                    region_code=org.region_code,
                    emp=common,
                    pid=pid,
                ):
                    dues = (
                        as_of - timedelta(days=rng.randrange(0, 180))
                        if m_state in ("active", "retained", "transferring")
                        else ended
                    )
                    dues = max(dues, m_joined) if dues else None
                    lapse_flag = None
                    if m_state == "active" and rng.random() < 0.02:
                        dues = max(m_joined, as_of - timedelta(days=rng.randrange(200, 400)))
                        lapse_flag = w.dt(self.at(as_of - timedelta(days=rng.randrange(1, 30))))
                    card = f"{m_joined:%Y}{(region_code or '500000')[:6]}{m_id:08d}"
                    at_join = self.at(m_joined)
                    return (
                        m_id,
                        pid,
                        m_org,
                        emp[0],
                        emp[1][:200],
                        emp[2],
                        emp[3],
                        m_state,
                        m_source,
                        w.d(m_joined),
                        card,
                        w.d(dues),
                        w.d(dues) if rng.random() < 0.3 else None,
                        w.dt(changed or at_join),
                        w.d(ended),
                        reason[:200],
                        lapse_flag,
                        w.dt(at_join),
                    )

                if state == "transferred":
                    other = rng.choices(city.member_orgs, cum_weights=city.cum_weights)[0]
                    if other is org:
                        other = city.member_orgs[
                            (city.member_orgs.index(org) + 1) % len(city.member_orgs)
                        ]
                    moved = joined + timedelta(days=rng.randrange(0, max(1, (as_of - joined).days)))
                    moved_at = self.at(moved)
                    memberships.append(
                        membership(
                            mid,
                            org.id,
                            "transferred",
                            joined,
                            source,
                            ended=moved,
                            reason="转会",
                            changed=moved_at,
                        )
                    )
                    new_emp = (None, rng.choice(PLATFORMS.get(form, ("",))), form, migrant)
                    if other.employers and other.kind == "grassroots":
                        new_emp = (*rng.choice(other.employers), "standard", migrant)
                    memberships.append(
                        membership(
                            mid + 1,
                            other.id,
                            "active",
                            moved,
                            "transfer",
                            region_code=other.region_code,
                            emp=new_emp,
                        )
                    )
                    requested = moved_at - timedelta(days=rng.randrange(1, 20))
                    transfers.append(
                        (
                            tid,
                            mid,
                            org.id,
                            other.id,
                            new_emp[1][:200],
                            "member",
                            None,
                            "approved",
                            "",
                            w.dt(requested),
                            w.dt(moved_at),
                            None,
                            w.dt(moved_at),
                            None,
                            mid + 1,
                        )
                    )
                    tid += 1
                    mid += 2
                    person_org = other.id
                    counts["active"] += 1
                elif state == "transferring":
                    other = rng.choices(city.member_orgs, cum_weights=city.cum_weights)[0]
                    if other is org:
                        other = city.member_orgs[
                            (city.member_orgs.index(org) + 1) % len(city.member_orgs)
                        ]
                    requested = self.at(as_of - timedelta(days=rng.randrange(1, 30)))
                    memberships.append(
                        membership(mid, org.id, "transferring", joined, source, changed=requested)
                    )
                    sender_first = rng.random() < 0.5
                    transfers.append(
                        (
                            tid,
                            mid,
                            org.id,
                            other.id,
                            "",
                            "member",
                            None,
                            "pending_sender" if sender_first else "pending_receiver",
                            "",
                            w.dt(requested),
                            None,
                            None,
                            None,
                            None,
                            None,
                        )
                    )
                    tid += 1
                    mid += 1
                elif state in END_REASONS:
                    ended = joined + timedelta(
                        days=rng.randrange(30, max(31, (as_of - joined).days))
                    )
                    ended = min(ended, as_of)
                    memberships.append(
                        membership(
                            mid,
                            org.id,
                            state,
                            joined,
                            source,
                            ended=ended,
                            reason=rng.choice(END_REASONS[state]),
                            changed=self.at(ended),
                        )
                    )
                    mid += 1
                elif state == "retained":
                    retired = max(joined, _add_years(born, 60))
                    retired = min(retired, as_of)
                    memberships.append(
                        membership(
                            mid, org.id, "retained", joined, source, changed=self.at(retired)
                        )
                    )
                    mid += 1
                else:
                    memberships.append(membership(mid, org.id, "active", joined, source))
                    if source == "qr" and rng.random() < 0.3:
                        submitted = self.at(joined - timedelta(days=rng.randrange(0, 10)))
                        requests.append(
                            (
                                rid,
                                org.id,
                                channels.get(org.id),
                                name,
                                enc(id_number),
                                id_index,
                                enc(phone),
                                phone_index,
                                employer_id,
                                employer_name[:200],
                                form,
                                migrant,
                                region,
                                "{}",
                                "approved",
                                w.dt(submitted),
                                w.dt(self.at(joined)),
                                None,
                                "",
                                mid,
                            )
                        )
                        rid += 1
                    mid += 1
                counts[state] += 1
                created = self.at(joined)
                people.append(
                    (
                        pid,
                        name,
                        pinyin,
                        initials,
                        enc(id_number),
                        id_index,
                        "M" if male else "F",
                        w.d(born),
                        enc(phone),
                        phone_index,
                        rng.choice(ETHNICITIES),
                        rng.choice(educations),
                        rng.choice(("agricultural", "non_agricultural", "resident"))
                        if rng.random() < 0.8
                        else "",
                        rng.choice(skills),
                        ""
                        if rng.random() > 0.002
                        else rng.choice(("national", "provincial", "city", "district", "district")),
                        org.region_code if not migrant else rng.choice(cq_regions),
                        person_org,
                        None,
                        w.dt(created),
                        w.dt(created),
                    )
                )
                if state in ("active", "retained", "transferred"):
                    r = rng.random()
                    if r < 0.004:
                        self.hardship_candidates.append((pid, person_org, name, id_index, born))
                    elif r < 0.014:
                        self.visit_candidates.append((pid, person_org, name))
                pid += 1
            # New people's applications: pending (some older than 15 working days), rejected.
            share = size / self.members
            want_pending = round(n_pending * (done + size) / self.members) - pending
            want_rejected = (
                round(n_rejected * share) if self.members >= 500 else (1 if done == 0 else 0)
            )
            for k in range(want_pending + want_rejected):
                org = rng.choices(city.member_orgs, cum_weights=city.cum_weights)[0]
                rejected = k >= want_pending
                while True:
                    made = ids.make(
                        rng.choice(cq_regions + list(MIGRANT_REGIONS)),
                        int(rng.triangular(0, days - 1, days - 1)),
                        rng.random() < 0.6,
                    )
                    if made is not None:
                        break
                phone, phone_index = self.mobiles.make()
                form = rng.choice(org.forms or (*NEW_FORMS, "standard", "standard"))
                employer_id, employer_name = (
                    rng.choice(org.employers)
                    if org.employers and org.kind == "grassroots"
                    else (None, rng.choice(PLATFORMS.get(form, ("美团",))))
                )
                submitted = self.at(
                    as_of - timedelta(days=rng.choice((0, 1, 1, 2, 3, 5, 8, 12, 20, 25, 40)))
                )
                name = self.name()
                requests.append(
                    (
                        rid,
                        org.id,
                        channels.get(org.id),
                        name,
                        enc(made[0]),
                        made[1],
                        enc(phone),
                        phone_index,
                        employer_id,
                        employer_name[:200],
                        form,
                        rng.random() < 0.5,
                        org.region_code,
                        "{}",
                        "rejected" if rejected else "pending",
                        w.dt(submitted),
                        w.dt(submitted + timedelta(days=2)) if rejected else None,
                        None,
                        "信息不实" if rejected else "",
                        None,
                    )
                )
                rid += 1
                pending += 0 if rejected else 1
            w.insert(Person, person_cols, people)
            w.insert(Membership, membership_cols, memberships)
            w.insert(Transfer, transfer_cols, transfers)
            w.insert(JoinRequest, request_cols, requests)
            done += size
            now = time.perf_counter()
            if now - last_report > 5 or done == self.members:
                self.progress("members", done, self.members, started)
                last_report = now
        self.summary["members"] = {
            "people": self.members,
            "states": counts,
            "employment_forms": forms_seen,
            "pending_requests": pending,
        }

    # -- hardship files, applications, aid items, campaigns and condolence visits
    def assistance(self, city: City) -> None:
        from gonghui.assistance.models import (
            AidItem,
            Application,
            Campaign,
            HardshipFile,
            HouseholdClaim,
            HouseholdMember,
            Visit,
        )

        rng, w, enc, as_of = self.rng, self.writer, self.encrypt, self.as_of
        children = IdNumbers(self.ids.regions, date(2007, 1, 1), date(2020, 12, 31))
        fid, hid, aid, iid = (
            w.next_id(m) for m in (HardshipFile, HouseholdMember, Application, AidItem)
        )
        files, household, claims, applications, items = [], [], [], [], []
        states = ("filed",) * 12 + ("adjusted",) * 2 + ("draft",) * 2 + ("closed",) * 4
        causes = (
            "illness",
            "illness",
            "disability",
            "education",
            "unemployment",
            "accident",
            "single_parent",
            "low_wage",
            "elder_care",
            "disaster",
        )
        app_states = (
            "submitted",
            "home_visit",
            "verification",
            "approval",
            "publicity",
            "rejected",
            "rejected",
            "withdrawn",
            "returned",
            "closed",
        )
        regions = list(self.ids.regions)
        for person_id, org_id, _name, id_index, _born in self.hardship_candidates:
            state = rng.choice(states)
            created = self.at(as_of - timedelta(days=rng.randrange(30, 3 * 365)))
            filed = None if state == "draft" else created + timedelta(days=rng.randrange(1, 20))
            closed = None
            if state == "closed":
                closed = min(self.at(as_of), filed + timedelta(days=rng.randrange(30, 700)))
            members = []
            if rng.random() < 0.75:  # spouse
                while (
                    made := self.ids.make(
                        rng.choice(regions), rng.randrange(0, self.ids.days), rng.random() < 0.5
                    )
                ) is None:
                    pass
                members.append(("spouse", made))
            for _ in range(rng.choice((0, 1, 1, 2))):
                while (
                    made := children.make(
                        rng.choice(regions), rng.randrange(0, children.days), rng.random() < 0.5
                    )
                ) is None:
                    pass
                members.append(("child", made))
            income = Decimal(rng.randrange(800, 3500))
            household_income = income + Decimal(rng.randrange(0, 3000))
            files.append(
                (
                    fid,
                    f"KN{created.year}{fid:08d}",
                    org_id,
                    person_id,
                    state,
                    rng.choice(("deep", "relative", "relative", "accident")),
                    rng.choice(("city", "city", "provincial", "national")),
                    rng.choice(causes),
                    "[]",
                    "",
                    "",
                    w.dec(income),
                    rng.choice(("own", "rented", "public_rental", "relatives")),
                    w.dec(Decimal(rng.randrange(200, 900)) / 10),
                    len(members) + 1,
                    w.dec(household_income),
                    w.dec(household_income * 12),
                    rng.random() < 0.1,
                    rng.random() < 0.05,
                    "",
                    "",
                    "",
                    "",
                    w.dt(filed),
                    w.d(as_of + timedelta(days=rng.randrange(1, 365))) if filed else None,
                    w.dt(closed),
                    "家庭收入已超过标准" if closed else "",
                    self.user_id,
                    w.dt(created),
                    w.dt(closed or filed or created),
                )
            )
            open_file = state != "closed"
            if open_file:
                claims.append((id_index, fid))
            for relation, (number, index) in members:
                born_m = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
                household.append(
                    (
                        hid,
                        fid,
                        enc(self.name()),
                        relation,
                        enc(number),
                        index,
                        w.d(born_m),
                        enc(str(rng.randrange(0, 3000))),
                        "",
                        enc("在读" if relation == "child" else "务工"),
                    )
                )
                if open_file:
                    claims.append((index, fid))
                hid += 1
            if state in ("draft",):
                fid += 1
                continue
            app_state = rng.choice(app_states)
            submitted = filed + timedelta(days=rng.randrange(0, 30))
            year = submitted.year
            closed_at = None
            if app_state in ("rejected", "withdrawn", "closed"):
                closed_at = submitted + timedelta(days=rng.randrange(5, 40))
            reviewed = submitted + timedelta(days=3) if app_state not in ("submitted",) else None
            applications.append(
                (
                    aid,
                    f"BF{year}{aid:08d}",
                    fid,
                    org_id,
                    person_id,
                    app_state,
                    rng.choice(("portal", "staff")),
                    year,
                    self.encrypt("家庭困难，申请帮扶"),
                    self.user_id,
                    w.dt(submitted - timedelta(days=1)),
                    self.user_id,
                    w.dt(submitted),
                    self.user_id if reviewed else None,
                    w.dt(reviewed),
                    "",
                    "",
                    "",
                    "信息不实" if app_state == "rejected" else "",
                    w.dt(closed_at),
                    w.dt(closed_at or reviewed or submitted),
                )
            )
            if app_state == "closed":
                kinds = [("employment", None, "referred")]
            else:
                item_state = "rejected" if app_state == "rejected" else "requested"
                kinds = [
                    (t, Decimal(rng.choice((500, 800, 1000, 2000, 3000))), item_state)
                    for t in rng.sample(
                        ("living", "medical", "warmth", "employment"), rng.choice((1, 1, 2))
                    )
                ]
                kinds = [(t, None if t == "employment" else amount, s) for t, amount, s in kinds]
            for aid_type, amount, item_state in kinds:
                items.append(
                    (iid, aid, aid_type, None, "", w.dec(amount), None, item_state, None, "", None)
                )
                iid += 1
            aid += 1
            fid += 1
        file_cols = [
            "id",
            "number",
            "org",
            "applicant",
            "state",
            "tier",
            "level",
            "main_cause",
            "secondary_causes",
            "other_cause",
            "employer_position",
            "personal_monthly_income",
            "housing",
            "housing_area",
            "household_size",
            "household_monthly_income",
            "household_annual_income",
            "single_parent",
            "zero_employment",
            "health",
            "disability",
            "bank_name",
            "bank_account",
            "filed_at",
            "next_review_due",
            "closed_at",
            "close_reason",
            "created_by",
            "created_at",
            "updated_at",
        ]
        w.insert(HardshipFile, file_cols, files)
        w.insert(
            HouseholdMember,
            [
                "id",
                "file",
                "name",
                "relation",
                "id_number",
                "id_index",
                "birth_date",
                "monthly_income",
                "health",
                "school_or_employer",
            ],
            household,
        )
        w.insert(HouseholdClaim, ["id_index", "file"], claims)
        w.insert(
            Application,
            [
                "id",
                "number",
                "file",
                "org",
                "applicant",
                "state",
                "channel",
                "year",
                "situation",
                "created_by",
                "created_at",
                "submitted_by",
                "submitted_at",
                "first_reviewed_by",
                "first_reviewed_at",
                "visitors",
                "visit_findings",
                "civil_affairs_note",
                "decision_reason",
                "closed_at",
                "updated_at",
            ],
            applications,
        )
        w.insert(
            AidItem,
            [
                "id",
                "application",
                "aid_type",
                "beneficiary",
                "school",
                "amount_requested",
                "amount_approved",
                "state",
                "budget",
                "note",
                "paid_at",
            ],
            items,
        )

        # Campaigns: each district's Spring Festival and summer campaigns of the last 2 years.
        cid = w.next_id(Campaign)
        campaigns, by_district = [], {}
        for district in city.districts:
            for year in (as_of.year - 1, as_of.year):
                for kind, name, start, end in (
                    ("festivals", "元旦春节送温暖", date(year, 1, 1), date(year, 2, 28)),
                    ("summer_cool", "夏送清凉", date(year, 6, 1), date(year, 8, 31)),
                ):
                    if start > as_of:
                        continue
                    campaigns.append(
                        (
                            cid,
                            district.id,
                            f"{year}年{district.short_name}{name}",
                            kind,
                            w.d(start),
                            w.d(end),
                            w.dec(Decimal(500000)),
                            "",
                            self.user_id,
                            w.dt(self.at(start)),
                            (start, min(end, as_of)),
                        )
                    )
                    by_district.setdefault(district.id, []).append(len(campaigns) - 1)
                    cid += 1
        w.insert(
            Campaign,
            [
                "id",
                "org",
                "name",
                "kind",
                "starts_on",
                "ends_on",
                "budget",
                "description",
                "created_by",
                "created_at",
            ],
            [c[:-1] for c in campaigns],
        )
        vid = w.next_id(Visit)
        visits = []
        for person_id, org_id, name in self.visit_candidates:
            district = city.district_of.get(org_id)
            choices = by_district.get(district.id) if district else None
            if not choices:
                continue
            campaign = campaigns[rng.choice(choices)]
            start, end = campaign[-1]
            day = start + timedelta(days=rng.randrange(0, (end - start).days + 1))
            visits.append(
                (
                    vid,
                    campaign[0],
                    rng.choice((org_id, district.id)),
                    person_id,
                    name,
                    1,
                    w.dec(Decimal(rng.choice((300, 500, 800, 1000)))),
                    w.dec(Decimal(rng.choice((0, 100, 200)))),
                    w.d(day),
                    "",
                    "",
                    None,
                    "",
                    self.user_id,
                    w.dt(self.at(day)),
                )
            )
            vid += 1
        w.insert(
            Visit,
            [
                "id",
                "campaign",
                "org",
                "person",
                "recipient",
                "head_count",
                "cash",
                "goods_value",
                "visited_on",
                "leaders",
                "note",
                "import_job",
                "import_key",
                "created_by",
                "created_at",
            ],
            visits,
        )
        self.summary["assistance"] = {
            "files": len(files),
            "applications": len(applications),
            "aid_items": len(items),
            "campaigns": len(campaigns),
            "visits": len(visits),
        }
        self.out(f"  assistance: {self.summary['assistance']}")


def _cumulate(values):
    acc = 0.0
    for x in values:
        acc += x
        yield acc


def _bisect(cum: list, x: float) -> int:
    lo, hi = 0, len(cum)
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return min(lo, len(cum) - 1)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def generate_city(
    *,
    members: int,
    seed: int,
    as_of: date = DEFAULT_AS_OF,
    append: bool = False,
    out: Callable[[str], None] = print,
) -> dict:
    """Generate a city; see the module docstring. Returns a summary with per-table rates."""
    if members < 1:
        raise GenerateRefused("--members must be at least 1")
    return CityGenerator(members=members, seed=seed, as_of=as_of, append=append, out=out).run()


__all__ = ["DEFAULT_AS_OF", "GenerateRefused", "generate_city"]
