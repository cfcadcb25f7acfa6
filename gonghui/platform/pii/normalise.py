"""Normalisation before blind indexing: equal values must give equal indexes."""

from __future__ import annotations

import unicodedata


def _fallback(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().replace(" ", "").upper()


def normalise(kind: str, value: str) -> str:
    from gonghui.platform.validators import normalize_id_number, normalize_mobile

    text = str(value)
    try:
        if kind == "phone":
            return normalize_mobile(text)
        if kind == "id_number":
            return normalize_id_number(text)
    except ValueError:
        pass
    return _fallback(text)
