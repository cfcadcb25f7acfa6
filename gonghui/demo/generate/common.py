"""What every part of the generator shares: the reference date, the batch size, the refusal,
and the small numeric helpers."""

from __future__ import annotations

from datetime import date

DEFAULT_AS_OF = date(2026, 6, 30)
BATCH = 5000
GENERATOR_USERNAME = "city_generator"


class GenerateRefused(Exception):
    """The database or the settings do not allow generating a city here."""


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
