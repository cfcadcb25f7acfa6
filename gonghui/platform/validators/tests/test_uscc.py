"""Tests for unified social credit codes (GB 32100-2015, embedded GB 11714 org code)."""

from __future__ import annotations

import functools

import pytest
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from hypothesis import assume, given
from hypothesis import strategies as st

from gonghui.platform.validators.uscc import (
    USCC_ALPHABET,
    USCC_WEIGHTS,
    USCCError,
    check_uscc,
    is_valid_uscc,
    make_uscc,
    make_uscc_for,
    normalize_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_uscc,
)

VALID_EXAMPLES = [
    "91350100M000100Y43",
    "914403001922038216",
    "91330100716105852F",
    "9144030071526726XG",
]
FUJIAN_PILOT = "91350100M0001TGQXM"

DIGITS = "0123456789"
alphabet_chars = st.sampled_from(USCC_ALPHABET)


@st.composite
def bodies17(draw: st.DrawFn) -> str:
    head = draw(st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2))
    region = draw(st.text(alphabet=DIGITS, min_size=6, max_size=6))
    tail = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    return head + region + tail


def _to_fullwidth(value: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in value)


def _format_error(value: object) -> str:
    with pytest.raises(USCCError) as excinfo:
        check_uscc(value)  # type: ignore[arg-type]
    return excinfo.value.code


# --- worked examples ------------------------------------------------------------------------


def test_weights() -> None:
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


@pytest.mark.parametrize("code", VALID_EXAMPLES)
def test_valid_examples(code: str) -> None:
    result = check_uscc(code)
    assert result.code == code
    assert result.checksum_ok
    assert result.org_code_ok
    assert result.is_valid
    assert result.warnings == ()
    assert result.warning_codes == ()
    assert is_valid_uscc(code)
    validate_uscc(code)
    validate_uscc(code, require_org_code=True)


def test_parts() -> None:
    result = check_uscc("91350100M000100Y43")
    assert result.registration_authority == "9"
    assert result.entity_type == "1"
    assert result.region_code == "350100"
    assert result.org_code == "M000100Y4"


def test_fujian_pilot_code_is_a_warning_not_an_error() -> None:
    result = check_uscc(FUJIAN_PILOT)
    assert result.code == FUJIAN_PILOT
    assert not result.checksum_ok
    assert result.org_code_ok
    assert not result.is_valid
    assert result.warning_codes == ("uscc_checksum",)
    assert len(result.warnings) == 1
    assert isinstance(result.warnings[0], Promise)
    assert not is_valid_uscc(FUJIAN_PILOT)

    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(FUJIAN_PILOT)
    assert excinfo.value.code == "uscc_checksum"
    validate_uscc(FUJIAN_PILOT, allow_checksum_failure=True)


def test_org_code_failure_is_a_warning() -> None:
    # Valid GB 32100 check character, but the embedded org code's own check digit is wrong.
    code = make_uscc("91350100M00010" + "0Y5")
    result = check_uscc(code)
    assert result.checksum_ok
    assert not result.org_code_ok
    assert result.warning_codes == ("org_code_checksum",)
    validate_uscc(code)
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code, require_org_code=True)
    assert excinfo.value.code == "uscc_checksum"


def test_both_checks_failing() -> None:
    result = check_uscc("91350100M000100Y53")
    assert not result.checksum_ok
    assert not result.org_code_ok
    assert result.warning_codes == ("uscc_checksum", "org_code_checksum")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100M000100I43",  # I is not in the alphabet
        "91350100M000100O43",
        "91350100M000100S43",
        "91350100M000100V43",
        "91350100M000100Z43",
        "9135010AM000100Y43",  # letter in the region code
        "9I350100M000100Y43",  # letter outside the alphabet as entity type
        "91350100M000100Y4-",
    ],
)
def test_format_errors(value: str) -> None:
    assert _format_error(value) == "format"
    assert not is_valid_uscc(value)
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(value, allow_checksum_failure=True)
    assert excinfo.value.code == "invalid_uscc"
    assert isinstance(excinfo.value.message, Promise)


def test_non_string_is_a_format_error() -> None:
    assert _format_error(None) == "format"
    assert _format_error(914403001922038216) == "format"
    assert not is_valid_uscc(None)


def test_non_ascii_digits_are_rejected() -> None:
    arabic_indic = "".join(chr(0x0660 + int(ch)) for ch in "440300")
    assert _format_error("91" + arabic_indic + "1922038216") == "format"


def test_normalize_examples() -> None:
    assert normalize_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalize_uscc("9135 0100 M000 100Y 43") == "91350100M000100Y43"
    assert normalize_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert normalize_uscc("９１３５０１００ｍ０００１００ｙ４３") == "91350100M000100Y43"
    assert check_uscc("9144 0300 7152 6726 xg").code == "9144030071526726XG"


def test_org_code_check_char() -> None:
    assert org_code_check_char("M000100Y") == "4"
    assert org_code_check_char("19220382") == "1"
    assert org_code_check_char("71526726") == "X"
    with pytest.raises(USCCError):
        org_code_check_char("7152672")
    with pytest.raises(USCCError):
        org_code_check_char("7152672-")


def test_uscc_check_char_rejects_bad_body() -> None:
    with pytest.raises(USCCError):
        uscc_check_char("91350100M000100Y")
    with pytest.raises(USCCError):
        uscc_check_char("91350100M000100I4")


def test_make_uscc() -> None:
    assert make_uscc("91350100M000100Y4") == "91350100M000100Y43"
    assert make_uscc("9135 0100 m000 100y4") == "91350100M000100Y43"
    with pytest.raises(USCCError):
        make_uscc("91350100M000100Y")
    with pytest.raises(USCCError):
        make_uscc("9135010AM000100Y4")


# --- properties -----------------------------------------------------------------------------


@given(bodies17())
def test_make_uscc_is_valid(body: str) -> None:
    code = make_uscc(body)
    assert code[:17] == body
    result = check_uscc(code)
    assert result.checksum_ok
    assert result.code == code
    assert result.org_code_ok == (org_code_check_char(code[8:16]) == code[16])


@given(bodies17(), st.integers(min_value=0, max_value=17), st.data())
def test_single_character_substitution_is_detected(
    body: str, position: int, data: st.DataObject
) -> None:
    code = make_uscc(body)
    alphabet = DIGITS if 2 <= position < 8 else USCC_ALPHABET
    replacement = data.draw(st.sampled_from(alphabet))
    assume(replacement != code[position])
    mutated = code[:position] + replacement + code[position + 1 :]
    # The weights 3**i mod 31 are units mod the prime 31, so any single change is detected.
    result = check_uscc(mutated)
    assert not result.checksum_ok
    assert "uscc_checksum" in result.warning_codes
    assert not is_valid_uscc(mutated)
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(mutated)
    assert excinfo.value.code == "uscc_checksum"


@given(bodies17())
def test_normalisation_variants(body: str) -> None:
    code = make_uscc(body)
    expected = check_uscc(code)
    for variant in (
        code.lower(),
        _to_fullwidth(code),
        _to_fullwidth(code.lower()),
        f" {code[:6]} {code[6:12]}\u3000{code[12:]} ",
    ):
        assert normalize_uscc(variant) == code
        assert check_uscc(variant) == expected


@given(st.integers())
def test_make_uscc_for_is_fully_valid(seed: int) -> None:
    code = make_uscc_for(seed)
    assert code == make_uscc_for(seed)
    assert code.startswith("91500112")
    result = check_uscc(code)
    assert result.checksum_ok
    assert result.org_code_ok
    assert is_valid_uscc(code)


@given(
    st.integers(min_value=0, max_value=10**9),
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    alphabet_chars,
    alphabet_chars,
)
def test_make_uscc_for_custom_prefix(seed: int, region: str, authority: str, kind: str) -> None:
    code = make_uscc_for(seed, region_code=region, authority=authority, entity_type=kind)
    assert code[:8] == authority + kind + region
    assert is_valid_uscc(code)


def test_make_uscc_for_distinct_seeds_give_distinct_codes() -> None:
    codes = {make_uscc_for(seed) for seed in range(5000)}
    assert len(codes) == 5000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region_code": "50011"},
        {"region_code": "50011A"},
        {"authority": "I"},
        {"entity_type": "12"},
        {"entity_type": ""},
    ],
)
def test_make_uscc_for_rejects_bad_prefix(kwargs: dict[str, str]) -> None:
    with pytest.raises(USCCError):
        make_uscc_for(1, **kwargs)


@given(st.text(max_size=25))
def test_arbitrary_text_never_crashes(value: str) -> None:
    try:
        result = check_uscc(value)
    except USCCError as exc:
        assert exc.code == "format"
    else:
        assert len(result.code) == 18
        assert result.checksum_ok == (uscc_check_char(result.code[:17]) == result.code[17])


def test_validator_can_be_bound_with_partial() -> None:
    lenient = functools.partial(validate_uscc, allow_checksum_failure=True)
    lenient(FUJIAN_PILOT)
    with pytest.raises(ValidationError):
        lenient("not a code")
