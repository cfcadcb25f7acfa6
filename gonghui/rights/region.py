"""Whether a ticket's employer is in the city the platform serves.

"The city" is the region of the root union (its GB/T 2260 ``region_code``, 500000 for the
重庆市总工会): a municipality's code keeps its first two digits, a prefecture-level city's its
first four, so the city's prefix is the code without its trailing ``00`` pairs.

An employer is *outside the city* when

* it is found in the employer table and its registered ``region_code`` (GB/T 2260, where it
  is registered) is filled in and does not start with the city's prefix — an employer
  without a region code is taken as local, since the table only holds employers a union in
  the city looks after; or
* it was typed and its typed address names a province-level division other than the city's
  own (``四川省成都市…``, ``北京市…``): an address naming no province (``渝北区…``, a street)
  says nothing about another region and is accepted.

The hotline of another city handles such a ticket: the worker is told so and nothing is
written.
"""

from __future__ import annotations

# GB/T 2260 province-level divisions: the first two digits of a region code and the names an
# address starts with (the full name and its usual short form).
PROVINCES = {
    "11": ("北京市", "北京"),
    "12": ("天津市", "天津"),
    "13": ("河北省", "河北"),
    "14": ("山西省", "山西"),
    "15": ("内蒙古自治区", "内蒙古"),
    "21": ("辽宁省", "辽宁"),
    "22": ("吉林省", "吉林"),
    "23": ("黑龙江省", "黑龙江"),
    "31": ("上海市", "上海"),
    "32": ("江苏省", "江苏"),
    "33": ("浙江省", "浙江"),
    "34": ("安徽省", "安徽"),
    "35": ("福建省", "福建"),
    "36": ("江西省", "江西"),
    "37": ("山东省", "山东"),
    "41": ("河南省", "河南"),
    "42": ("湖北省", "湖北"),
    "43": ("湖南省", "湖南"),
    "44": ("广东省", "广东"),
    "45": ("广西壮族自治区", "广西"),
    "46": ("海南省", "海南"),
    "50": ("重庆市", "重庆"),
    "51": ("四川省", "四川"),
    "52": ("贵州省", "贵州"),
    "53": ("云南省", "云南"),
    "54": ("西藏自治区", "西藏"),
    "61": ("陕西省", "陕西"),
    "62": ("甘肃省", "甘肃"),
    "63": ("青海省", "青海"),
    "64": ("宁夏回族自治区", "宁夏"),
    "65": ("新疆维吾尔自治区", "新疆"),
    "71": ("台湾省", "台湾"),
    "81": ("香港特别行政区", "香港"),
    "82": ("澳门特别行政区", "澳门"),
}


def city_prefix(root_region_code: str) -> str:
    """``500000`` → ``50``; ``510100`` → ``5101``; empty when the root has no code."""
    code = (root_region_code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return ""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def employer_outside(employer, prefix: str) -> bool:
    code = (getattr(employer, "region_code", "") or "").strip()
    return bool(prefix and code) and not code.startswith(prefix)


def address_outside(address: str, prefix: str) -> bool:
    """Whether a typed address names a province-level division other than the city's."""
    text = "".join((address or "").split())
    if not text or not prefix:
        return False
    own = prefix[:2]
    for code, names in PROVINCES.items():
        if code != own and any(text.startswith(name) for name in names):
            return True
    return False


def refuse_outside_city(employer, typed_address: str) -> None:
    """Raise the intake's refusal when the employer is outside the city (see the module)."""
    from django.utils.translation import gettext_lazy as _

    from gonghui.orgs.models import Org
    from gonghui.platform.workflow.base import ActionError

    root = Org.objects.get_first_root_node()
    prefix = city_prefix(root.region_code if root is not None else "")
    if employer is not None and employer_outside(employer, prefix):
        raise ActionError(
            _(
                "%(employer)s is registered outside %(city)s: please call the 12351 hotline "
                "of the place where it is registered."
            ),
            code="employer_outside",
            params={"employer": employer.name, "city": root.name},
        )
    if employer is None and address_outside(typed_address, prefix):
        raise ActionError(
            _(
                "The address you typed is outside %(city)s: please call the 12351 hotline of "
                "the place where the employer is."
            ),
            code="address_outside",
            params={"city": root.name},
        )
