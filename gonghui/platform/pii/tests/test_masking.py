"""Tests for display masking of personal information."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gonghui.platform.pii.masking import (
    MASK_CHAR,
    MASKERS,
    mask_address,
    mask_bank_card,
    mask_generic,
    mask_id_detail,
    mask_id_list,
    mask_name,
    mask_name_partner,
    mask_phone,
)

LENGTH_PRESERVING: list[Callable[[str], str]] = [
    mask_id_list,
    mask_id_detail,
    mask_phone,
    mask_name,
    mask_name_partner,
    mask_bank_card,
]
ALL_MASKERS: list[Callable[[str], str]] = [*LENGTH_PRESERVING, mask_address]

# No '*' in generated values, so that revealed characters can be counted.
plain_text = st.text(
    alphabet=st.characters(blacklist_characters=MASK_CHAR, blacklist_categories=("Cs",)),
    max_size=40,
)
id_like = st.from_regex(r"\A[0-9]{17}[0-9X]\Z")
digits = st.text(alphabet="0123456789", min_size=1, max_size=25)


def _revealed(masked: str) -> int:
    return sum(ch != MASK_CHAR for ch in masked)


def _only_reveals_original(original: str, masked: str) -> bool:
    return all(m in (MASK_CHAR, o) for o, m in zip(original, masked, strict=True))


# --- worked examples ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("masker", "value", "expected"),
    [
        (mask_id_list, "11010519491231002X", "1****************X"),
        (mask_id_detail, "11010519491231002X", "110105********002X"),
        (mask_id_detail, "110105491231002", "110105******002"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "+8613812345678", "+86138****5678"),
        (mask_phone, "+86 13812345678", "+86 138****5678"),
        (mask_phone, "12345678", "12****78"),
        (mask_phone, "010-12345678", "010******678"),
        (mask_name, "张三", "张*"),
        (mask_name, "张三丰", "张**"),
        (mask_name, "欧阳娜娜", "欧***"),
        (mask_name, "张", "*"),
        (mask_name_partner, "欧阳娜娜", "欧***"),
        (mask_name_partner, "张", "*"),
        (mask_bank_card, "6222021234567891234", "622202*********1234"),
        (mask_bank_card, "62220212345", "622202*2345"),
        (mask_bank_card, "6222021234", "******1234"),
        (mask_bank_card, "1234", "****"),
        (mask_address, "北京市朝阳区建国路88号", "北京市朝阳区****"),
        (mask_address, "上海市浦东新区世纪大道100号", "上海市浦东新区****"),
        (mask_address, "浙江省杭州市西湖区文三路1号", "浙江省杭州市西湖区****"),
        (mask_address, "云南省大理州宾川县金牛镇", "云南省大理州宾川县****"),
        (mask_address, "广东省东莞市长安镇振安路", "广东省东莞市****"),
        (mask_address, "广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市****"),
        (mask_address, "东莞市长安镇锦绣小区3栋", "东莞市****"),
        (mask_address, "建国路88号", "****"),
        (mask_address, "北京市朝阳区", "北京市朝阳区****"),
    ],
)
def test_examples(masker: Callable[[str], str], value: str, expected: str) -> None:
    assert masker(value) == expected


def test_mask_address_custom_markers() -> None:
    assert mask_address("北京市朝阳区建国路街道8号", keep=("街道",), window=20) == (
        "北京市朝阳区建国路街道****"
    )
    assert mask_address("新疆维吾尔自治区乌鲁木齐市天山区", window=20) == (
        "新疆维吾尔自治区乌鲁木齐市天山区****"
    )
    assert mask_address("北京市朝阳区", fallback=()) == "北京市朝阳区****"
    assert mask_address("东莞市长安镇", fallback=()) == "****"


@pytest.mark.parametrize(
    ("value", "keep_start", "keep_end", "expected"),
    [
        ("abcdef", 1, 2, "a***ef"),
        ("abcdef", 0, 0, "******"),
        ("abcdef", 3, 3, "******"),
        ("abcdef", 0, 5, "*bcdef"),
        ("abcdef", 5, 0, "abcde*"),
    ],
)
def test_mask_generic(value: str, keep_start: int, keep_end: int, expected: str) -> None:
    assert mask_generic(value, keep_start, keep_end) == expected


def test_mask_generic_rejects_negative() -> None:
    with pytest.raises(ValueError):
        mask_generic("abc", -1, 0)


@pytest.mark.parametrize("masker", ALL_MASKERS)
@pytest.mark.parametrize("value", [None, ""])
def test_empty_values_are_returned_unchanged(
    masker: Callable[[str | None], str | None], value: str | None
) -> None:
    assert masker(value) is value


def test_mask_generic_empty() -> None:
    assert mask_generic(None, 1, 1) is None
    assert mask_generic("", 1, 1) == ""


def test_maskers_registry() -> None:
    assert set(MASKERS) == {"id_number", "phone", "name", "bank_card", "address"}
    value = "11010519491231002X"
    list_mask, detail_mask = MASKERS["id_number"]
    assert list_mask(value) == "1****************X"
    assert detail_mask(value) == "110105********002X"
    assert MASKERS["phone"][0]("13812345678") == "138****5678"
    assert MASKERS["name"][0]("张三") == "张*"
    assert MASKERS["name"][1]("张三") == "张三"
    assert MASKERS["bank_card"][1]("6222021234567891234") == "622202*********1234"
    assert MASKERS["address"][0]("北京市朝阳区建国路88号") == "北京市朝阳区****"
    assert MASKERS["address"][1]("北京市朝阳区建国路88号") == "北京市朝阳区建国路88号"
    for list_mask, detail_mask in MASKERS.values():
        assert list_mask(None) is None
        assert detail_mask("") == ""


# --- properties -----------------------------------------------------------------------------


@pytest.mark.parametrize("masker", LENGTH_PRESERVING)
@given(value=plain_text)
def test_same_length_and_idempotent(masker: Callable[[str], str], value: str) -> None:
    masked = masker(value)
    assert len(masked) == len(value)
    assert masker(masked) == masked
    assert _only_reveals_original(value, masked)


@given(plain_text)
def test_mask_address_idempotent(value: str) -> None:
    masked = mask_address(value)
    assert mask_address(masked) == masked
    if value:
        assert masked.endswith("****")
        assert value.startswith(masked[:-4])
        assert len(masked) - 4 <= 12


@given(plain_text)
def test_nothing_is_ever_fully_revealed(value: str) -> None:
    for masker in LENGTH_PRESERVING:
        # A bare country prefix carries nothing personal and is kept as is.
        if masker is mask_phone and re.fullmatch(r"\+86[\s-]*", value):
            continue
        if value:
            assert MASK_CHAR in masker(value)


@given(id_like)
def test_mask_id_detail_hides_birth_date(value: str) -> None:
    masked = mask_id_detail(value)
    assert masked[6:14] == "********"
    assert masked[:6] == value[:6]
    assert masked[14:] == value[14:]
    assert _revealed(masked) == 10


@given(plain_text)
def test_mask_id_detail_hides_birth_date_at_any_length(value: str) -> None:
    masked = mask_id_detail(value)
    # A legacy 15-digit number has its 6-digit birth date at positions 7-12.
    birth_date_end = 12 if len(value) == 15 else 14
    assert set(masked[6:birth_date_end]) <= {MASK_CHAR}
    assert _revealed(masked) <= 10


@given(id_like)
def test_mask_id_list_reveals_two(value: str) -> None:
    masked = mask_id_list(value)
    assert _revealed(masked) == 2
    assert masked[0] == value[0]
    assert masked[-1] == value[-1]


@given(plain_text)
def test_mask_id_list_reveals_at_most_two(value: str) -> None:
    assert _revealed(mask_id_list(value)) <= 2


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_mask_phone_mobile(value: str) -> None:
    masked = mask_phone(value)
    assert masked == value[:3] + "****" + value[7:]
    assert mask_phone("+86" + value) == "+86" + masked


@given(digits)
def test_mask_phone_other_lengths_reveal_at_most_half(value: str) -> None:
    masked = mask_phone(value)
    if len(value) != 11:
        assert _revealed(masked) <= len(value) // 2
    assert mask_phone(masked) == masked


@given(plain_text)
def test_mask_name_reveals_at_most_one(value: str) -> None:
    masked = mask_name(value)
    assert _revealed(masked) <= 1
    if len(value) > 1:
        assert masked[0] == value[0]
    assert mask_name_partner(value) == masked


@given(digits)
def test_mask_bank_card_reveals_at_most_ten(value: str) -> None:
    masked = mask_bank_card(value)
    assert _revealed(masked) <= (10 if len(value) >= 11 else 4)
    assert _revealed(masked) < len(value)
    if len(value) >= 11:
        assert masked[:6] == value[:6]
        assert masked[-4:] == value[-4:]


@given(plain_text, st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=10))
def test_mask_generic_properties(value: str, keep_start: int, keep_end: int) -> None:
    masked = mask_generic(value, keep_start, keep_end)
    assert len(masked) == len(value)
    assert _revealed(masked) <= keep_start + keep_end
    assert mask_generic(masked, keep_start, keep_end) == masked
    assert _only_reveals_original(value, masked)
    if value:
        assert MASK_CHAR in masked
