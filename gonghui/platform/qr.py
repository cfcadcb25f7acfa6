"""QR codes as inline SVG or an image file (segno: pure Python, no network): join posters,
membership cards and the authenticator set-up page all draw theirs here."""

from __future__ import annotations

import io

import segno

# "M" (15 % recovery) survives a creased or partly covered poster and keeps the long card
# tokens at a size phone cameras still read from a screen.
ERROR_LEVEL = "m"


def qr_svg_inline(content: str, *, scale: int = 4, title: str = "") -> str:
    """An ``<svg>`` element to place straight into HTML (no XML declaration)."""
    qr = segno.make(content, error=ERROR_LEVEL, micro=False)
    return qr.svg_inline(scale=scale, border=2, omitsize=True, title=title or None, svgclass="qr")


def qr_file(content: str, fmt: str, *, scale: int = 12) -> tuple[bytes, str]:
    """A standalone QR image as (bytes, content type); ``fmt`` is ``png`` or ``svg``."""
    qr = segno.make(content, error=ERROR_LEVEL, micro=False)
    buffer = io.BytesIO()
    if fmt == "png":
        qr.save(buffer, kind="png", scale=scale, border=4)
        return buffer.getvalue(), "image/png"
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=scale, border=4, xmldecl=True)
        return buffer.getvalue(), "image/svg+xml"
    raise ValueError(f"unknown QR format {fmt!r}")
