"""Console pages outside the model admin: verifying a scanned card, printing join posters.

Routed in config/urls.py before ``console_site.urls`` and wrapped with
``console_site.admin_view``, so only console users reach them.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gonghui.console.sites import console_site
from gonghui.members.models import JoinChannel, Membership
from gonghui.members.posters import join_path, join_url, qr_file, qr_svg_inline
from gonghui.members.tokens import verify_card
from gonghui.platform.access.scoping import get_scoped_or_404, restrict
from gonghui.platform.audit.services import record_event
from gonghui.platform.pii.masking import mask_name

QR_FORMATS = {"png", "svg"}


class CardCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Scanned card code"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "autofocus": True,
                "spellcheck": "false",
                "class": "border border-base-200 rounded-md w-full p-2 font-mono text-sm",
            }
        ),
    )


def _check_card(request, code: str, *, via: str) -> dict:
    """Verify a scanned code for ``request.user`` and audit it: what the result box shows."""
    check = verify_card(code)
    membership = check.membership
    result = {"valid": check.valid, "reason": check.reason}
    if membership is not None:
        in_scope = restrict(Membership, request.user, "view").filter(pk=membership.pk).exists()
        # Outside the verifier's scope only what the card itself shows: a masked name
        # and the union.
        result.update(
            name=mask_name(membership.person.name),
            union=membership.org.name,
            in_scope=in_scope,
        )
        if in_scope:
            result.update(
                card_no=membership.card_no,
                state=membership.get_state_display(),
                joined_on=membership.joined_on,
            )
    record_event(
        actor=request.user,
        action="members.verify_card",
        obj=membership,
        details={"valid": check.valid, "via": via},
    )
    return result


def _require_verifier(request) -> None:
    if not request.user.has_perm("members.view_membership"):
        raise PermissionDenied


def verify_card_view(request):
    """Paste (or scan into) the code of a member's e-card: genuine, current, whose. A scanner
    gun types what the QR holds, the card's short URL (``…/v/<token>``) or an older code."""
    _require_verifier(request)
    form = CardCodeForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = _check_card(request, form.cleaned_data["code"], via="scanner")
        form = CardCodeForm()  # ready for the next scan
    return _verify_page(request, form, result)


def verify_card_link(request, token):
    """What a staff phone's camera opens from a card's QR (``/v/<token>`` redirects here, so
    the console's login and second factor come first and bring her back). A card of a member
    outside her scope is refused like any record outside it (404)."""
    _require_verifier(request)
    result = _check_card(request, token, via="link")
    if "in_scope" in result and not result["in_scope"]:
        raise Http404
    return _verify_page(request, CardCodeForm(), result, from_link=True)


def _verify_page(request, form, result, *, from_link=False):
    return render(
        request,
        "members/verify.html",
        {
            **console_site.each_context(request),
            "title": _("Verify a membership card"),
            "form": form,
            "result": result,
            "from_link": from_link,
        },
    )


def card_link(request, token):
    """``/v/<token>``, the short URL in a card's QR: on to the console's result page."""
    return redirect("console-verify-card", token=token)


def join_link(request, token):
    """``/j/<token>``, the short URL on a join poster: on to the signed join page."""
    channel = JoinChannel.objects.filter(token=token).first()
    if channel is None:
        raise Http404
    return redirect(join_path(channel))


def _channel(request, pk) -> JoinChannel:
    return get_scoped_or_404(JoinChannel.objects.select_related("org"), request.user, "view", pk=pk)


def join_poster(request, pk):
    """A printable A4 poster with the channel's QR code."""
    channel = _channel(request, pk)
    url = join_url(request, channel)
    return render(
        request,
        "members/poster.html",
        {
            "channel": channel,
            "union": channel.org,
            "join_url": url,
            # segno renders the SVG and escapes the encoded URL; no user markup reaches it.
            "qr_svg": mark_safe(qr_svg_inline(url, scale=10)),  # noqa: S308 # nosec B308 B703
        },
    )


def join_qr(request, pk, fmt):
    """The channel's QR as a PNG or SVG download (for the union's own print designs)."""
    if fmt not in QR_FORMATS:
        raise Http404
    channel = _channel(request, pk)
    content, content_type = qr_file(join_url(request, channel), fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="join-qr-{channel.pk}.{fmt}"'
    return response
