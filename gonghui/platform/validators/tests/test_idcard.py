"""Tests for identity card number parsing (GB 11643, ISO 7064 MOD 11-2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from hypothesis import assume, given
from hypothesis import strategies as st

from gonghui.platform.validators.idcard import (
    ID_CHECK_CHARS,
    IDNumberError,
    age_on,
    id_check_char,
    is_valid_id_number,
    normalize_id_number,
    parse_id_number,
    validate_id_number,
)

TODAY = date(2025, 6, 30)

regions = st.from_regex(r"\A[1-9][0-9]{5}\Z")
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


def _make(region: str, born: date, seq: str) -> str:
    body17 = f"{region}{born:%Y%m%d}{seq}"
    return body17 + id_check_char(body17)


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    return _make(draw(regions), draw(birth_dates), draw(sequences))


def _to_fullwidth(value: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in value)


def _error_code(value: str, **kwargs: object) -> str:
    with pytest.raises(IDNumberError) as excinfo:
        parse_id_number(value, **kwargs)  # type: ignore[arg-type]
    return excinfo.value.code


# --- worked examples ------------------------------------------------------------------------


def test_example_female_1949() -> None:
    info = parse_id_number("11010519491231002X", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.region_code == "110105"
    assert info.birth_date == date(1949, 12, 31)
    assert info.gender == "F"
    assert info.kind == "resident"
    assert info.warnings == ()
    assert info.warning_codes == ()


def test_example_born_1880_is_accepted() -> None:
    info = parse_id_number("440524188001010014", today=TODAY)
    assert info.birth_date == date(1880, 1, 1)
    assert info.gender == "M"
    assert is_valid_id_number("440524188001010014")


def test_check_char_of_examples() -> None:
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("11010519491231002Y", "format"),
        ("1101051949123100", "format"),
        ("11010519491231002XX", "format"),
        ("110105194912310024", "checksum"),
        ("11010519491231X02X", "format"),
        ("", "format"),
        ("   ", "format"),
        ("01010519491231002X", "region"),
        ("11010519490230002X", "birth_date"),
        ("11010519491301002X", "birth_date"),
        ("11010519490000002X", "birth_date"),
        ("110105000001010010", "birth_date"),
        ("110105491231002", "legacy"),
    ],
)
def test_malformed_examples(value: str, code: str) -> None:
    assert _error_code(value, today=TODAY) == code
    assert not is_valid_id_number(value)


def test_non_string_is_a_format_error() -> None:
    assert _error_code(None) == "format"  # type: ignore[arg-type]
    assert _error_code(11010519491231002) == "format"  # type: ignore[arg-type]
    assert not is_valid_id_number(None)


def test_future_birth_date() -> None:
    tomorrow = _make("110105", date(2025, 7, 1), "002")
    assert _error_code(tomorrow, today=TODAY) == "future_birth"
    born_today = _make("110105", TODAY, "002")
    assert parse_id_number(born_today, today=TODAY).birth_date == TODAY


def test_future_birth_date_uses_real_today_by_default() -> None:
    next_year = date.today().year + 1
    assert _error_code(_make("110105", date(next_year, 1, 1), "001")) == "future_birth"


def test_leap_day() -> None:
    assert parse_id_number(_make("110105", date(2000, 2, 29), "001")).birth_date == date(
        2000, 2, 29
    )
    body17 = "11010519000229001"  # 1900 is not a leap year
    assert _error_code(body17 + id_check_char(body17)) == "birth_date"


def test_error_carries_lazy_message() -> None:
    with pytest.raises(IDNumberError) as excinfo:
        parse_id_number("11010519491231002Y")
    assert isinstance(excinfo.value, ValueError)
    assert isinstance(excinfo.value.message, Promise)


# --- kinds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_hmt_residence_permit(region: str) -> None:
    info = parse_id_number(_make(region, date(1990, 5, 17), "013"), today=TODAY)
    assert info.kind == "hmt_permit"
    assert info.region_code == region
    assert info.gender == "M"


def test_hmt_permit_prefix_must_be_exact() -> None:
    assert parse_id_number(_make("810001", date(1990, 5, 17), "013")).kind == "resident"


def test_foreign_permanent_residence_card() -> None:
    # 2023 format: 9 + province (2) + nationality (3) + birth date + sequence + check.
    number = _make("931840", date(1985, 3, 9), "024")
    info = parse_id_number(number, today=TODAY)
    assert info.kind == "foreign_permanent"
    assert info.birth_date == date(1985, 3, 9)
    assert info.gender == "F"


def test_unknown_region_codes_are_accepted() -> None:
    assert parse_id_number(_make("999999", date(1970, 1, 1), "001")).region_code == "999999"
    assert parse_id_number(_make("100000", date(1970, 1, 1), "001")).region_code == "100000"


# --- legacy 15-digit numbers ----------------------------------------------------------------


def test_legacy_conversion() -> None:
    info = parse_id_number("110105491231002", allow_legacy_15=True, today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.birth_date == date(1949, 12, 31)
    assert info.gender == "F"
    assert info.warning_codes == ("legacy_converted",)
    assert len(info.warnings) == 1
    assert isinstance(info.warnings[0], Promise)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105490230002", "birth_date"),
        ("010105491231002", "region"),
        ("11010549123100X", "format"),
    ],
)
def test_legacy_malformed(value: str, code: str) -> None:
    assert _error_code(value, allow_legacy_15=True) == code


@given(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), sequences)
def test_legacy_round_trip(region: str, born: date, seq: str) -> None:
    full = _make(region, born, seq)
    legacy = full[:6] + full[8:17]
    assert _error_code(legacy) == "legacy"
    info = parse_id_number(legacy, allow_legacy_15=True)
    assert info.number == full
    assert info.birth_date == born
    assert info.gender == parse_id_number(full).gender
    assert info.warning_codes == ("legacy_converted",)


# --- normalisation --------------------------------------------------------------------------


def test_normalize_examples() -> None:
    assert normalize_id_number(" 110105 1949 1231 002x ") == "11010519491231002X"
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert normalize_id_number("11010519491231002ｘ") == "11010519491231002X"
    assert normalize_id_number("110105\u300019491231002X") == "11010519491231002X"


@given(valid_numbers(), st.data())
def test_normalisation_variants_parse_the_same(number: str, data: st.DataObject) -> None:
    expected = parse_id_number(number)
    variants = [
        number.lower(),
        _to_fullwidth(number),
        _to_fullwidth(number).lower(),
        f"  {number[:6]} {number[6:14]}\t{number[14:]} ",
    ]
    split_at = data.draw(st.integers(min_value=0, max_value=18))
    variants.append(number[:split_at] + " " + number[split_at:])
    for variant in variants:
        assert normalize_id_number(variant) == number
        assert parse_id_number(variant) == expected


# --- properties -----------------------------------------------------------------------------


@given(regions, birth_dates, sequences)
def test_generated_numbers_are_valid(region: str, born: date, seq: str) -> None:
    number = _make(region, born, seq)
    info = parse_id_number(number, today=TODAY)
    assert info.number == number
    assert info.region_code == region
    assert info.birth_date == born
    assert info.gender == ("M" if int(seq[-1]) % 2 else "F")
    assert info.warnings == ()
    assert is_valid_id_number(number)
    validate_id_number(number)


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.data())
def test_single_character_substitution_is_detected(
    number: str, position: int, data: st.DataObject
) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from(alphabet))
    assume(replacement != number[position])
    mutated = number[:position] + replacement + number[position + 1 :]

    # MOD 11-2 weights are all non-zero mod 11 and digits differ by less than 11, so the check
    # character always changes.
    assert id_check_char(mutated[:17]) != mutated[17]
    assert not is_valid_id_number(mutated)
    code = _error_code(mutated, today=TODAY)
    assert code in {"checksum", "birth_date", "future_birth", "region"}
    if 6 <= position < 14:
        return
    if position == 0 and replacement == "0":
        assert code == "region"
    else:
        assert code == "checksum"


@given(st.text(max_size=25))
def test_arbitrary_text_never_crashes(value: str) -> None:
    try:
        info = parse_id_number(value)
    except IDNumberError as exc:
        assert exc.code in {"format", "region", "checksum", "birth_date", "future_birth", "legacy"}
    else:
        assert len(info.number) == 18
        assert info.number[17] == id_check_char(info.number[:17])


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_alphabet(body17: str) -> None:
    assert id_check_char(body17) in ID_CHECK_CHARS


@pytest.mark.parametrize("body", ["1234567890123456", "123456789012345678", "1101051949123100X"])
def test_check_char_rejects_bad_body(body: str) -> None:
    with pytest.raises(IDNumberError) as excinfo:
        id_check_char(body)
    assert excinfo.value.code == "format"


# --- Django validator -----------------------------------------------------------------------


def test_validate_id_number() -> None:
    validate_id_number("11010519491231002X")
    validate_id_number(" 110105 19491231 002x")
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number("11010519491231002Y")
    assert excinfo.value.code == "invalid_id_number"
    assert excinfo.value.params == {"reason": "format"}
    assert isinstance(excinfo.value.message, Promise)
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number("110105194912310024")
    assert excinfo.value.params == {"reason": "checksum"}


def test_validate_rejects_legacy() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number("110105491231002")
    assert excinfo.value.code == "invalid_id_number"
    assert excinfo.value.params == {"reason": "legacy"}


# --- age_on ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(1949, 12, 31), date(2025, 6, 30), 75),
        (date(1949, 12, 31), date(2025, 12, 31), 76),
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2020, 2, 29), 20),
        (date(2025, 6, 30), date(2025, 6, 30), 0),
    ],
)
def test_age_on(born: date, day: date, age: int) -> None:
    assert age_on(born, day) == age


def test_age_on_rejects_day_before_birth() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@given(st.dates(max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=120))
def test_age_on_birthday(born: date, years: int) -> None:
    assume(not (born.month == 2 and born.day == 29))
    assume(born.year + years <= 9999)
    birthday = born.replace(year=born.year + years)
    assert age_on(born, birthday) == years
    if birthday > born:
        assert age_on(born, date.fromordinal(birthday.toordinal() - 1)) == years - 1
