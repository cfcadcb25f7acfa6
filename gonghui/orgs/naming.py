"""Short names of unions, made from whole words only.

A short name is what the console's lists show for a union (the full name in its tooltip). The
demo once cut an employer's name at 12 characters, which split words: 重庆弹子石村镇银行股份
有限公司 became 重庆弹子石村镇银行股份有工会. Here a name is shortened only by dropping words
known to add nothing in a list (the legal form of a company: 股份有限公司, 有限责任公司,
有限公司), wherever they stand; a name without them stays whole.
"""

from __future__ import annotations

from gonghui.orgs.choices import OrgKind

# Longest first: 股份有限公司 must go before its tail 有限公司 is found.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司")
UNION = "工会"
SHORT_NAME_MAX = 60  # Org.short_name's max_length
HOLDING_POOL = "周转库"


def short_union_name(employer_name: str) -> str:
    """The short name of the union of ``employer_name``: the name without its legal form, and
    工会. Blank where that would not fit the field (the list then shows the full name)."""
    core = employer_name.strip()
    for form in LEGAL_FORMS:
        core = core.replace(form, "")
    short = f"{core}{UNION}" if core else ""
    return short if len(short) <= SHORT_NAME_MAX else ""


def holding_pool_name(district_short_name: str) -> str:
    """A district's holding pool, named with its district: 渝北区周转库 (41 pools all read
    周转库 when the district was left out)."""
    return f"{district_short_name}{HOLDING_POOL}"


def display_name(org) -> str:
    """What a list shows for ``org``: its short name, except for a holding pool whose short name
    does not say which district it belongs to (the pools of older databases are all named
    周转库): those show their full name."""
    if org.kind == OrgKind.HOLDING_POOL and org.short_name in ("", HOLDING_POOL):
        return org.name
    return org.short_name or org.name
