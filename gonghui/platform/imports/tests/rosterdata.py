"""Generated rosters for tests and bench/import_bench.py: valid rows with the usual messy
typing, and deliberately broken rows of varied kinds (each with the message it must get)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from gonghui.members.roster import COLUMNS
from gonghui.platform.validators import id_check_char

HEADER = [c.title for c in COLUMNS]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
FORMS = ["标准劳动关系职工", "外卖骑手", "快递员", "网约车司机", "货车司机", "standard", "courier"]
PHONE_PREFIXES = ["138", "139", "150", "186", "135", "187"]

# kind → the English message (substring) the broken row must get
BROKEN_KINDS = {
    "checksum": "the check character does not match",
    "id_as_float": "cannot be recovered",
    "phone": "mobile number",
    "no_name": "This column is required.",
    "unknown_org": "No union has this code.",
    "duplicate": "already in row",
    "employment_form": "Unknown value.",
    "future_date": "The date is in the future.",
    "bad_date": "Enter the date as 2023-05-01.",
    "birth_date": "birth date that does not exist",
}
# kind → the column the error is reported in
BROKEN_COLUMNS = {
    "checksum": "身份证号",
    "id_as_float": "身份证号",
    "phone": "手机号",
    "no_name": "姓名",
    "unknown_org": "所属工会编码",
    "duplicate": "身份证号",
    "employment_form": "就业形态",
    "future_date": "入会日期",
    "bad_date": "入会日期",
    "birth_date": "身份证号",
}


def make_id(rng: random.Random, serial: int) -> str:
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
    body = f"500112{birth:%Y%m%d}{serial % 1000:03d}"
    return body + id_check_char(body)


@dataclass
class Roster:
    rows: list[list] = field(default_factory=list)
    broken: dict[int, str] = field(default_factory=dict)  # row number → kind
    valid_ids: list[str] = field(default_factory=list)

    @property
    def table(self) -> list[list]:
        return [HEADER, *self.rows]


def make_roster(
    n: int, *, org_codes: list, broken_every: int = 20, seed: int = 7, id_offset: int = 0
) -> Roster:
    """``n`` data rows; every ``broken_every``-th row is broken (5% by default)."""
    rng = random.Random(seed)
    roster = Roster()
    kinds = list(BROKEN_KINDS)
    used: set[str] = set()
    for i in range(n):
        row_number = i + 2
        while True:
            id_number = make_id(rng, id_offset + i)
            if id_number not in used:
                used.add(id_number)
                break
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        joined = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 3000))
        row = [
            name,
            id_number,
            phone,
            org_codes[i % len(org_codes)],
            f"重庆测试企业{i % 300}有限公司",
            rng.choice(FORMS),
            rng.choice(["是", "否", ""]),
            joined.isoformat(),
            "汉族",
            rng.choice(["本科", "大专", "高中", ""]),
            "",
            "",
            "",
            "",
            "",
        ]
        # messy but valid typing, reported as warnings
        variant = i % 7
        if variant == 1:
            row[1] = "'" + id_number
        elif variant == 2:
            row[2] = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
        elif variant == 3:
            row[7] = f"{joined.year}年{joined.month}月{joined.day}日"
        if broken_every and i % broken_every == broken_every - 1 and i > 0:
            kind = kinds[(i // broken_every) % len(kinds)]
            roster.broken[row_number] = kind
            if kind == "checksum":
                last = row[1][-1]
                row[1] = id_number[:-1] + ("0" if last != "0" else "1")
            elif kind == "id_as_float":
                row[1] = float(id_number[:17])
            elif kind == "phone":
                row[2] = "12345"
            elif kind == "no_name":
                row[0] = ""
            elif kind == "unknown_org":
                row[3] = "99999999"
            elif kind == "duplicate":
                row[1] = roster.valid_ids[-1]
            elif kind == "employment_form":
                row[5] = "宇航员"
            elif kind == "future_date":
                row[7] = "2099-01-01"
            elif kind == "bad_date":
                row[7] = "2023-13-45"
            elif kind == "birth_date":
                body = "500112" + "19990231" + "123"
                row[1] = body + id_check_char(body)
        else:
            roster.valid_ids.append(id_number)
        roster.rows.append(row)
    return roster


def write_xlsx(table: list[list], path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员登记表")
    for row in table:
        sheet.append(row)
    workbook.save(path)


def write_csv(table: list[list], path, encoding: str = "utf-8-sig") -> None:
    import csv

    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(table)


@dataclass
class ReimportRoster(Roster):
    """A roster imported again: ``existing`` rows of people imported before (of them
    ``changed``, row number → "phone" or "employer", come out "updated"; the rest are
    identical and come out "unchanged") and the rows of new people."""

    existing: list[int] = field(default_factory=list)  # row numbers
    changed: dict[int, str] = field(default_factory=dict)  # row number → what changed
    dropped_new: int = 0  # new rows left out: their ID was in the base roster by chance


def _plain_id(value) -> str:
    return str(value).strip().lstrip("'")


def make_reimport_roster(
    base: Roster,
    n_new: int,
    *,
    org_codes: list,
    changed_every: int = 2,
    seed: int = 17,
    id_offset: int = 0,
    broken_every: int = 20,
) -> ReimportRoster:
    """The valid rows of ``base`` again, every ``changed_every``-th of them with a new phone
    number or a new employer (alternately), interleaved with ``n_new`` rows of new people
    (``make_roster(n_new, ...)``, with its broken rows). The base's broken rows are left out."""
    rng = random.Random(seed)
    out = ReimportRoster()
    known = {_plain_id(row[1]) for i, row in enumerate(base.rows) if i + 2 not in base.broken}
    old = [list(row) for i, row in enumerate(base.rows) if i + 2 not in base.broken]
    fresh = make_roster(
        n_new, org_codes=org_codes, broken_every=broken_every, seed=seed + 1, id_offset=id_offset
    )
    new = []
    for i, row in enumerate(fresh.rows):
        if fresh.broken.get(i + 2) != "duplicate" and _plain_id(row[1]) in known:
            out.dropped_new += 1
            continue
        new.append((list(row), fresh.broken.get(i + 2)))
    changes = 0
    for k in range(max(len(old), len(new))):
        if k < len(old):
            row = old[k]
            row_number = len(out.rows) + 2
            out.existing.append(row_number)
            if changed_every and k % changed_every == changed_every - 1:
                if changes % 2 == 0:
                    row[2] = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                    out.changed[row_number] = "phone"
                else:
                    row[4] = f"{row[4]}（重庆分公司）"
                    out.changed[row_number] = "employer"
                changes += 1
            out.valid_ids.append(_plain_id(row[1]))
            out.rows.append(row)
        if k < len(new):
            row, kind = new[k]
            row_number = len(out.rows) + 2
            if kind:
                out.broken[row_number] = kind
            else:
                out.valid_ids.append(_plain_id(row[1]))
            out.rows.append(row)
    return out
