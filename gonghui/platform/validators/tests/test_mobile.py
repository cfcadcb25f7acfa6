"""Tests for mainland mobile number normalisation and validation."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from hypothesis import given
from hypothesis import strategies as st

from gonghui.platform.validators.mobile import (
    MobileError,
    is_valid_mobile,
    normalize_mobile,
    to_e164,
    validate_mobile,
)

MOBILE_RE = re.compile(r"\A1[3-9][0-9]{9}\Z")

any_shaped_mobile = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
# Ranges known to be allocated to mobile operators (incl. virtual operators on 170).
allocated_mobile = st.from_regex(r"\A1(3[0-9]|5[0-35-9]|8[0-9]|7[0-35-8]|9[0-35-9])[0-9]{8}\Z")


def _error_code(value: object) -> str:
    with pytest.raises(MobileError) as excinfo:
        normalize_mobile(value)  # type: ignore[arg-type]
    return excinfo.value.code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+8613812345678", "13812345678"),
        ("19212345678", "19212345678"),
        ("17012345678", "17012345678"),
        ("16212345678", "16212345678"),
        ("14512345678", "14512345678"),
        ("8613812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("(+86) 138-1234-5678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("＋８６　１３８－１２３４－５６７８", "13812345678"),
        ("（138）12345678", "13812345678"),
        (" 13812345678\n", "13812345678"),
    ],
)
def test_valid_examples(value: str, expected: str) -> None:
    assert normalize_mobile(value) == expected
    assert to_e164(value) == "+86" + expected
    assert is_valid_mobile(value)
    validate_mobile(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12012345678", "format"),
        ("11012345678", "format"),
        ("1381234567", "format"),
        ("138123456789", "format"),
        ("+8612012345678", "format"),
        ("+1 2025550123", "format"),
        ("+85291234567", "format"),
        ("010-12345678", "format"),
        ("1381234567a", "format"),
        ("", "format"),
        ("+86", "format"),
        ("14012345678", "unallocated"),
        ("19412345678", "unallocated"),
    ],
)
def test_invalid_examples(value: str, code: str) -> None:
    assert _error_code(value) == code
    assert not is_valid_mobile(value)
    with pytest.raises(ValidationError) as excinfo:
        validate_mobile(value)
    assert excinfo.value.code == "invalid_mobile"
    assert excinfo.value.params == {"reason": code}
    assert isinstance(excinfo.value.message, Promise)


def test_non_string_input() -> None:
    assert _error_code(None) == "format"
    assert _error_code(13812345678) == "format"
    assert not is_valid_mobile(None)


def test_non_ascii_digits_are_rejected() -> None:
    arabic_indic = "".join(chr(0x0660 + int(ch)) for ch in "13812345678")
    assert _error_code(arabic_indic) == "format"


def test_prefix_86_is_only_stripped_before_eleven_digits() -> None:
    # A bare 11-digit number starting with 86 is not a mobile number and is not shortened.
    assert _error_code("86123456789") == "format"
    assert _error_code("+861381234567") == "format"


@given(allocated_mobile)
def test_allocated_ranges_round_trip(number: str) -> None:
    assert normalize_mobile(number) == number
    assert to_e164(number) == "+86" + number
    for variant in (
        "+86" + number,
        "0086" + number,
        "86" + number,
        f"+86 {number[:3]} {number[3:7]} {number[7:]}",
        f"{number[:3]}-{number[3:7]}-{number[7:]}",
        "".join(chr(ord(ch) + 0xFEE0) for ch in number),
    ):
        assert normalize_mobile(variant) == number
        assert to_e164(variant) == "+86" + number


@given(any_shaped_mobile)
def test_valid_implies_shape_and_round_trip(number: str) -> None:
    if is_valid_mobile(number):
        assert MOBILE_RE.match(normalize_mobile(number))
        assert normalize_mobile(to_e164(number)) == number
    else:
        assert _error_code(number) == "unallocated"


@given(st.text(max_size=20))
def test_valid_output_always_matches_shape(value: str) -> None:
    try:
        number = normalize_mobile(value)
    except MobileError as exc:
        assert exc.code in {"format", "unallocated"}
    else:
        assert MOBILE_RE.match(number)
        assert to_e164(value) == "+86" + number
