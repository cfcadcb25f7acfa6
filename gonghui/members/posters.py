"""What the join posters' QR codes open; the codes are drawn by gonghui/platform/qr.py."""

from __future__ import annotations

from django.urls import reverse

from gonghui.members.models import JoinChannel
from gonghui.members.tokens import join_token
from gonghui.platform.qr import qr_file, qr_svg_inline

__all__ = ["join_path", "join_url", "qr_file", "qr_svg_inline"]


def join_path(channel: JoinChannel) -> str:
    """The portal path a poster's QR opens (the signed token, never the raw one)."""
    return reverse("portal:join", args=[join_token(channel)])


def join_url(request, channel: JoinChannel) -> str:
    return request.build_absolute_uri(join_path(channel))
