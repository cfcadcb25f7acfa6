"""Tests for bank card number checks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from hypothesis import assume, given
from hypothesis import strategies as st

from gonghui.platform.validators.bankcard import (
    BankCardError,
    check_bank_card,
    is_valid_bank_card,
    luhn_check_digit,
    luhn_ok,
    normalize_bank_card,
    validate_bank_card,
)

DIGITS = "0123456789"
partials = st.text(alphabet=DIGITS, min_size=11, max_size=18)


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111111",  # well-known Luhn-valid test number
        "6222021234567890128",
        "622848001234566",
    ],
)
def test_luhn_valid_examples(number: str) -> None:
    assert luhn_ok(number)
    result = check_bank_card(number)
    assert result.number == number
    assert result.luhn_ok
    assert result.warnings == ()
    assert result.warning_codes == ()


def test_luhn_failure_is_only_a_warning() -> None:
    result = check_bank_card("6222021234567890123")
    assert not result.luhn_ok
    assert result.warning_codes == ("luhn",)
    assert isinstance(result.warnings[0], Promise)
    assert is_valid_bank_card("6222021234567890123")
    validate_bank_card("6222021234567890123")


def test_luhn_check_digit_examples() -> None:
    assert luhn_check_digit("411111111111111") == "1"
    assert luhn_check_digit("7992739871") == "3"
    with pytest.raises(ValueError):
        luhn_check_digit("")
    with pytest.raises(ValueError):
        luhn_check_digit("12a")


@pytest.mark.parametrize("value", ["", "12a", "١٢٣"])
def test_luhn_ok_rejects_non_digits(value: str) -> None:
    assert not luhn_ok(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6222 0212 3456 7890 128", "6222021234567890128"),
        ("6222-0212-3456-7890-128", "6222021234567890128"),
        ("６２２２０２１２３４５６７８９０１２８", "6222021234567890128"),
        (" 6222\u30000212 3456 7890 128\t", "6222021234567890128"),
    ],
)
def test_normalisation(value: str, expected: str) -> None:
    assert normalize_bank_card(value) == expected
    assert check_bank_card(value).number == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345678901",  # 11 digits
        "12345678901234567890",  # 20 digits
        "6222 0212 3456 789A",
        "6222.0212.3456.7890",
        "١٢٣٤٥٦٧٨٩٠١٢٣",  # non-ASCII digits
    ],
)
def test_format_errors(value: str) -> None:
    with pytest.raises(BankCardError) as excinfo:
        check_bank_card(value)
    assert excinfo.value.code == "format"
    assert isinstance(excinfo.value.message, Promise)
    assert not is_valid_bank_card(value)
    with pytest.raises(ValidationError) as excinfo2:
        validate_bank_card(value)
    assert excinfo2.value.code == "invalid_bank_card"


def test_non_string_is_a_format_error() -> None:
    with pytest.raises(BankCardError):
        check_bank_card(6222021234567890128)  # type: ignore[arg-type]
    assert not is_valid_bank_card(None)


@pytest.mark.parametrize("length", [12, 19])
def test_length_bounds(length: int) -> None:
    partial = "6" * (length - 1)
    assert check_bank_card(partial + luhn_check_digit(partial)).luhn_ok


@given(partials)
def test_generated_numbers_pass_luhn(partial: str) -> None:
    number = partial + luhn_check_digit(partial)
    assert luhn_ok(number)
    assert check_bank_card(number).luhn_ok


@given(partials, st.data())
def test_single_digit_substitution_fails_luhn(partial: str, data: st.DataObject) -> None:
    number = partial + luhn_check_digit(partial)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    replacement = data.draw(st.sampled_from(DIGITS))
    assume(replacement != number[position])
    mutated = number[:position] + replacement + number[position + 1 :]
    result = check_bank_card(mutated)
    assert not result.luhn_ok
    assert result.warning_codes == ("luhn",)


@given(st.text(alphabet=DIGITS, min_size=12, max_size=19))
def test_shape_is_all_that_matters(number: str) -> None:
    result = check_bank_card(number)
    assert result.number == number
    assert result.luhn_ok == luhn_ok(number)
    validate_bank_card(number)
