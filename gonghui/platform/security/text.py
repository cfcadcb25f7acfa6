"""Which characters text input may carry.

Text typed by a person contains letters, digits, punctuation, spaces, and at most tabs and line
breaks. Anything else is a control character that arrived by accident (pasted from another
program) or on purpose (a probe), and the databases disagree about it: PostgreSQL refuses NUL
in text outright (a 500 if it gets that far) while SQLite stores it, and an xlsx file cannot
hold most C0 controls at all. So text input is refused when it contains one of:

* C0 controls other than tab, line feed and carriage return (U+0000–U+0008, U+000B, U+000C,
  U+000E–U+001F), NUL included;
* DEL (U+007F) and the C1 controls (U+0080–U+009F);
* lone surrogates (U+D800–U+DFFF: no UTF-8 encoding exists for them, so they cannot be stored
  or written to a file) and the non-characters U+FFFE and U+FFFF.

The HTTP side is :mod:`gonghui.platform.security.input`; the spreadsheet importers check
cells with :func:`has_control_character` too, and the exporters replace such characters
(:mod:`gonghui.platform.security.cells`), since old rows may still hold them.
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def has_control_character(text: str) -> bool:
    return CONTROL_CHARACTERS_RE.search(text) is not None


def find_control_character(text: str) -> str | None:
    """The first forbidden character of ``text`` as ``U+XXXX``, or None."""
    match = CONTROL_CHARACTERS_RE.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable_name(name: str, limit: int = 60) -> str:
    """A field name fit to show back to the sender: forbidden characters as ``\\xNN``
    escapes (the name itself may be where the character is), cut to ``limit``."""
    shown = CONTROL_CHARACTERS_RE.sub(_escape, name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
