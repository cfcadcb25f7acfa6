"""Display masking of personal information (脱敏展示).

Conventions shared by every function here:

* ``*`` is the mask character;
* ``None`` and ``""`` are returned unchanged;
* the output has the same length as the input (except :func:`mask_address`, see there);
* which positions stay visible depends only on the length of the value (and, for phone
  numbers, on a ``+86`` prefix that stays visible), so masking is idempotent:
  ``f(f(v)) == f(v)``;
* when the visible parts would cover the whole value, everything is masked instead.

``MASKERS`` maps a PI category (as used in the PI field register) to a pair
``(list_mask, detail_mask)``: list pages show less than detail pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final, TypeVar

__all__ = [
    "MASKERS",
    "MASK_CHAR",
    "mask_address",
    "mask_bank_card",
    "mask_generic",
    "mask_id_detail",
    "mask_id_list",
    "mask_name",
    "mask_name_partner",
    "mask_phone",
]

MASK_CHAR: Final = "*"

# Constrained to str or None so that callers keep ``str -> str`` typing.
_S = TypeVar("_S", str, None)

_ADDRESS_SUFFIX: Final = MASK_CHAR * 4
_ADDRESS_MARKERS: Final = ("区", "县")
_ADDRESS_FALLBACK_MARKERS: Final = ("市",)
_ADDRESS_WINDOW: Final = 12
# A '区' preceded by one of these is not a district: 自治区 and 特别行政区 are province level,
# 小区 and 社区 are below the district and would reveal too much.
_NOT_DISTRICT_PREFIXES: Final = ("自治", "行政", "小", "社")
_PHONE_PREFIX_RE: Final = re.compile(r"\A(\+86[\s-]*)(.*)\Z", re.DOTALL)


def _mask(value: str, visible: Callable[[int], bool]) -> str:
    return "".join(ch if visible(i) else MASK_CHAR for i, ch in enumerate(value))


def mask_generic(v: _S, keep_start: int, keep_end: int) -> _S:
    """Keep the first ``keep_start`` and last ``keep_end`` characters and mask the rest.

    If ``keep_start + keep_end`` is not smaller than the length, nothing would be hidden, so the
    whole value is masked instead.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    if not v:
        return v
    n = len(v)
    if keep_start + keep_end >= n:
        return MASK_CHAR * n
    return v[:keep_start] + MASK_CHAR * (n - keep_start - keep_end) + v[n - keep_end :]


def mask_id_list(v: _S) -> _S:
    """Mask an identity card number for lists: ``1****************X``."""
    return mask_generic(v, 1, 1)


def mask_id_detail(v: _S) -> _S:
    """Mask an identity card number for detail pages: ``110105********002X``.

    The birth date (positions 7-14) is always hidden. A legacy 15-digit number keeps its first 6
    and last 3 digits, which hides its 6-digit birth date. Values of other lengths keep at most
    the first 6 characters (never more than half of them) and only the characters after
    position 14 among the last 4.
    """
    if not v:
        return v
    n = len(v)
    if n == 15:
        return mask_generic(v, 6, 3)
    keep_start = min(6, n // 2)
    tail_from = max(n - 4, 14)
    return _mask(v, lambda i: i < keep_start or i >= tail_from)


def mask_phone(v: _S) -> _S:
    """Mask a phone number: ``138****5678``.

    An 11-character number keeps its first 3 and last 4 characters. Other lengths keep about the
    first 30% and up to the last 4 characters, never more than half of the value in total. A
    ``+86`` prefix (and separators right after it) stays visible and the national part is masked
    by the same rules.
    """
    if not v:
        return v
    match = _PHONE_PREFIX_RE.match(v)
    if match is not None:
        prefix, national = match.groups()
        return prefix + mask_phone(national)
    n = len(v)
    if n == 11:
        return mask_generic(v, 3, 4)
    budget = n // 2
    keep_start = min(int(n * 0.3), budget // 2)
    keep_end = min(4, budget - keep_start)
    return mask_generic(v, keep_start, keep_end)


def mask_name(v: _S) -> _S:
    """Mask a personal name, keeping the first character: ``张三丰`` -> ``张**``.

    A one-character name is masked completely.
    """
    if not v:
        return v
    return mask_generic(v, 1, 0)


def mask_name_partner(v: _S) -> _S:
    """Mask a name for display to partner organisations; currently the same as :func:`mask_name`."""
    return mask_name(v)


def mask_bank_card(v: _S) -> _S:
    """Mask a bank card number: ``622202*********1234``.

    Numbers of 11 or more characters keep their first 6 and last 4, shorter ones the last 4 only.
    """
    if not v:
        return v
    if len(v) >= 11:
        return mask_generic(v, 6, 4)
    return mask_generic(v, 0, 4)


def _find_marker(value: str, markers: Sequence[str], window: int) -> int | None:
    """Return the end index of the first genuine marker ending within ``window`` chars."""
    best: int | None = None
    for marker in markers:
        start = value.find(marker)
        while start != -1:
            end = start + len(marker)
            if end > window:
                break
            if marker != "区" or not value[:start].endswith(_NOT_DISTRICT_PREFIXES):
                if best is None or end < best:
                    best = end
                break
            start = value.find(marker, start + 1)
    return best


def mask_address(
    v: _S,
    keep: Sequence[str] = _ADDRESS_MARKERS,
    *,
    fallback: Sequence[str] = _ADDRESS_FALLBACK_MARKERS,
    window: int = _ADDRESS_WINDOW,
) -> _S:
    """Mask an address below the district level: ``北京市朝阳区建国路88号`` -> ``北京市朝阳区****``.

    The prefix up to and including the first marker in ``keep`` (``区`` or ``县``) that ends
    within the first ``window`` characters is kept; failing that, the same for ``fallback``
    (``市``). ``自治区``, ``特别行政区``, ``小区`` and ``社区`` do not count as districts. Without
    any marker the whole address is hidden.

    Unlike the other maskers this is NOT length-preserving: the result is the kept prefix
    followed by exactly ``****``, so that the length of the street part is not revealed.
    It is still idempotent.
    """
    if not v:
        return v
    end = _find_marker(v, keep, window)
    if end is None:
        end = _find_marker(v, fallback, window)
    return (v[:end] if end is not None else "") + _ADDRESS_SUFFIX


def _unmasked(v: _S) -> _S:
    return v


Masker = Callable[[str | None], str | None]

MASKERS: Final[dict[str, tuple[Masker, Masker]]] = {
    "id_number": (mask_id_list, mask_id_detail),
    "phone": (mask_phone, mask_phone),
    "name": (mask_name, _unmasked),
    "bank_card": (mask_bank_card, mask_bank_card),
    "address": (mask_address, _unmasked),
}
