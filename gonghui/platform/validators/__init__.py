"""Pure-Python validators for identifiers used on the platform.

* :mod:`.idcard` - resident identity card numbers (GB 11643), incl. HK/Macao/Taiwan residence
  permits and foreign permanent-residence ID cards;
* :mod:`.uscc` - unified social credit codes (GB 32100) with the embedded GB 11714 check;
* :mod:`.mobile` - mainland mobile numbers;
* :mod:`.bankcard` - bank card numbers.

Each module offers a normalising parser raising a ``ValueError`` subclass with a ``code``, an
``is_valid_*`` predicate and a Django-style ``validate_*`` function raising ``ValidationError``.
"""

from .bankcard import (
    BankCardError,
    BankCardResult,
    check_bank_card,
    is_valid_bank_card,
    luhn_check_digit,
    luhn_ok,
    normalize_bank_card,
    validate_bank_card,
)
from .idcard import (
    IDNumberError,
    IDNumberInfo,
    IDNumberKind,
    age_on,
    id_check_char,
    is_valid_id_number,
    normalize_id_number,
    parse_id_number,
    validate_id_number,
)
from .mobile import MobileError, is_valid_mobile, normalize_mobile, to_e164, validate_mobile
from .uscc import (
    USCCError,
    USCCResult,
    check_uscc,
    is_valid_uscc,
    make_uscc,
    make_uscc_for,
    normalize_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_uscc,
)

__all__ = [
    "BankCardError",
    "BankCardResult",
    "IDNumberError",
    "IDNumberInfo",
    "IDNumberKind",
    "MobileError",
    "USCCError",
    "USCCResult",
    "age_on",
    "check_bank_card",
    "check_uscc",
    "id_check_char",
    "is_valid_bank_card",
    "is_valid_id_number",
    "is_valid_mobile",
    "is_valid_uscc",
    "luhn_check_digit",
    "luhn_ok",
    "make_uscc",
    "make_uscc_for",
    "normalize_bank_card",
    "normalize_id_number",
    "normalize_mobile",
    "normalize_uscc",
    "org_code_check_char",
    "parse_id_number",
    "to_e164",
    "uscc_check_char",
    "validate_bank_card",
    "validate_id_number",
    "validate_mobile",
    "validate_uscc",
]
