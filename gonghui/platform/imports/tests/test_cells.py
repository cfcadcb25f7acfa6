"""The mobile-number fast path of the cell cleaners: it answers what libphonenumber answers."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from gonghui.platform.imports import cells
from gonghui.platform.validators.mobile import MobileError, normalize_mobile


def _type(digits: str):
    return phonenumbers.number_type(
        phonenumbers.PhoneNumber(country_code=86, national_number=int(digits))
    )


def test_the_type_of_a_plain_mobile_number_depends_only_on_its_prefix():
    # what fast_mobile's per-prefix memory relies on, checked against the installed metadata
    rng = random.Random(7)
    width = cells.MOBILE_TYPE_DIGITS
    rest = 11 - width
    for first in "3456789":
        for tail in range(10 ** (width - 2)):
            prefix = f"1{first}{tail:0{width - 2}d}"
            suffixes = ["0" * rest, "9" * rest, f"{rng.randrange(10**rest):0{rest}d}"]
            assert len({_type(prefix + s) for s in suffixes}) == 1, prefix


@pytest.mark.parametrize(
    "number", ["13800138000", "16100000000", "17405000000", "17406000000", "14000000000"]
)
def test_fast_mobile_agrees_with_the_full_check(number):
    cells._MOBILE_PREFIXES.clear()
    for _twice in range(2):  # the second answer comes from the remembered prefix
        try:
            expected = normalize_mobile(number)
        except MobileError:
            with pytest.raises(MobileError):
                cells.fast_mobile(number)
        else:
            assert cells.fast_mobile(number) == expected
