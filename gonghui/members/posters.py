"""What the join posters' QR codes open; the codes are drawn by gonghui/platform/qr.py."""

from __future__ import annotations

from django.urls import reverse

from gonghui.members.models import JoinChannel
from gonghui.members.tokens import join_token
from gonghui.platform.qr import qr_file, qr_svg_inline

__all__ = ["join_path", "join_short_path", "join_url", "qr_file", "qr_svg_inline"]


def join_path(channel: JoinChannel) -> str:
    """The portal's join page of a channel (the signed token, never the raw one alone)."""
    return reverse("portal:join", args=[join_token(channel)])


def join_short_path(channel: JoinChannel) -> str:
    """What a poster's QR encodes: ``/j/<token>``, redirecting to :func:`join_path`. Short, so
    the code stays coarse enough for a phone camera at a distance; the channel's random token
    is the same secret the signed path carries in the clear."""
    return reverse("join-link", args=[channel.token])


def join_url(request, channel: JoinChannel) -> str:
    return request.build_absolute_uri(join_short_path(channel))
