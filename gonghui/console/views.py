"""Console views outside the model admins."""

from __future__ import annotations

from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.pii.actions import reveal


@staff_member_required(login_url="/console/login/")
@require_POST
def reveal_view(request):
    """Show one full value for 60 seconds, after a stated purpose; the reveal is audited."""
    label = request.POST.get("label", "")
    field = request.POST.get("field", "")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    obj = get_scoped_or_404(model, request.user, "view", pk=request.POST.get("pk"))
    purpose = request.POST.get(f"reveal_purpose_{field}", "")
    try:
        value = reveal(actor=request.user, obj=obj, field=field, purpose=purpose)
    except ValidationError as exc:
        return HttpResponse(
            format_html('<span class="text-red-600">{}</span>', " ".join(exc.messages))
        )
    except PermissionDenied:
        return HttpResponse(
            format_html(
                '<span class="text-red-600">{}</span>',
                _("You may not see full values of this kind."),
            ),
            status=403,
        )
    seconds = 60
    return HttpResponse(
        format_html(
            '<span class="revealed" data-seconds="{}">{}</span>'
            "<script>setTimeout(function(){{var e=document.querySelector('.revealed');"
            "if(e){{e.textContent='{}';e.classList.remove('revealed');}}}},{});</script>",
            seconds,
            value,
            _("(hidden again)"),
            seconds * 1000,
        )
    )
