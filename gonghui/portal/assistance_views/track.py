"""The worker follows her application: every step with its date, the decision and payments,
her documents, and her buttons — 提交审核 and 撤回申请, the declared transitions of the
application offered to her on the portal (``offers(application, user, "portal")``): one that
cannot run now is shown disabled with its reasons (what is still missing).

A button posts to the application's page (``?do=<name>``), which runs the transition through
the machine (``run_posted``), so the same check refuses it as on the console and the API.
Withdrawing asks once more, with an optional reason, before it runs.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gonghui.assistance import actions
from gonghui.assistance.choices import EDITABLE_STATES, NON_MONEY_AID
from gonghui.assistance.workflows_cases import application_states
from gonghui.platform.pii.files import open_for_download
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import offer_for, offers, run_posted
from gonghui.portal.assistance_views.forms import UploadForm
from gonghui.portal.assistance_views.reads import (
    STEP_LABELS,
    STEPS_WITH_REASON,
    S,
    _error_text,
    _own_application_or_404,
    _own_attachments,
    next_step,
)
from gonghui.portal.views import member_required


def transition_url(application, name: str) -> str:
    return reverse("portal:assistance-detail", args=[application.pk]) + f"?do={name}"


# The portal face of the application's transitions (the worker's own buttons).
application_states.link("portal", transition_url)

# What the worker reads once it ran (the console's ``done`` speaks of "the application").
DONE = {
    "submit": gettext_lazy("Your application was submitted. Your union will review it."),
    "withdraw": gettext_lazy("Your application was withdrawn."),
}


def _steps(application) -> list[dict]:
    steps = []
    for step in application.steps.order_by("at", "pk"):
        key = step.name
        if key == "submit" and step.from_state == S.RETURNED:
            key = "resubmit"
        steps.append(
            {
                "label": STEP_LABELS.get(key, step.name),
                "at": step.at,
                # The union's name only, never the staff member's (Step.actor_name).
                "org_name": step.org_name,
                "reason": step.opinion if step.name in STEPS_WITH_REASON else "",
            }
        )
    return steps


def _take(request, application, name: str, *, confirmed: bool):
    """Run the worker's transition ``name`` (404 when it is not offered to her); withdrawing
    first asks to confirm, on the application's page."""
    offer = offer_for(application, request.user, name, "portal")
    if offer is None:
        raise Http404
    if not offer.enabled:
        messages.error(request, " ".join(offer.reasons))
        return redirect("portal:assistance-detail", pk=application.pk)
    if name == "withdraw" and not confirmed:
        return _detail_page(request, application, confirm=offer)
    _result, form = run_posted(request, application, name, "portal")
    if form.errors:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
    else:
        messages.success(request, str(DONE.get(name) or offer.transition.done or offer.label))
    return redirect("portal:assistance-detail", pk=application.pk)


def _detail_page(request, application, confirm=None):
    items = list(application.items.all())
    editable = application.state in EDITABLE_STATES
    buttons = offers(application, request.user, "portal")
    response = render(
        request,
        "portal/assistance/detail.html",
        {
            "application": application,
            "next_step": next_step(application),
            "steps": _steps(application),
            "items": items,
            "money_items": [i for i in items if i.aid_type not in NON_MONEY_AID],
            "decided": application.state in (S.APPROVED, S.CLOSED),
            "editable": editable,
            # The problems are the submit button's reasons: listed once, beside it.
            "problems": actions.completeness_problems(application)
            if editable and not any(b.name == "submit" for b in buttons)
            else [],
            "transition_buttons": [] if confirm else buttons,
            "confirm": confirm,
            "attachments": list(
                _own_attachments(request.user).filter(application=application).order_by("pk")
            ),
            "upload_form": UploadForm(),
            "masked_account": mask_bank_card(application.file.bank_account),
            "mask_id": mask_id_detail,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@member_required
def assistance_detail(request, pk: int):
    """One application: state, next step, every step with its date, decision and payments;
    a POST (``?do=<name>``) takes one of the worker's transitions."""
    application = _own_application_or_404(request, pk)
    if request.method == "POST":
        return _take(
            request,
            application,
            request.GET.get("do", ""),
            confirmed=request.POST.get("confirm") == "1",
        )
    return _detail_page(request, application)


@member_required
@require_POST
def assistance_upload(request, pk: int):
    application = _own_application_or_404(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of document and the file to upload."))
    else:
        try:
            actions.upload_attachment(
                actor=request.user,
                file=application.file,
                application=application,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["upload"],
            )
        except ActionError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The document was uploaded."))
    target = request.POST.get("back") == "apply"
    if target and application.state in EDITABLE_STATES:
        return redirect(reverse("portal:assistance-apply") + "#documents")
    return redirect(reverse("portal:assistance-detail", args=[application.pk]) + "#documents")


@member_required
def assistance_attachment(request, public_id):
    """Download one of the member's own documents: 404 for anyone else's."""
    attachment = _own_attachments(request.user).filter(public_id=public_id).first()
    if attachment is None:
        raise Http404
    response = FileResponse(
        open_for_download(attachment.content),  # sealed at rest: decrypted as it streams
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member_required
@require_POST
def assistance_withdraw(request, pk: int):
    """撤回申请 with its reason (the confirmation's form): the declared ``withdraw``."""
    application = _own_application_or_404(request, pk)
    return _take(request, application, "withdraw", confirmed=True)
