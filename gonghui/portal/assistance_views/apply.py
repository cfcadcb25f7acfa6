"""The worker applies: the page of her hardship help, and the one-page application form that
saves a draft and submits it (the declared ``submit``, whose check lists what is missing).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gonghui.assistance import actions
from gonghui.assistance.choices import EDITABLE_STATES, OPEN_APPLICATION_STATES, OPEN_FILE_STATES
from gonghui.assistance.models import AidItem, Application, HardshipFile
from gonghui.assistance.workflows_cases import application_states
from gonghui.platform.pii.masking import mask_bank_card
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.transitions import TransitionRefused
from gonghui.portal.assistance_views.forms import (
    ApplicationForm,
    HouseholdFormSet,
    UploadForm,
    _action_arguments,
    _household_choices,
    _initial_from,
    _posted_rows,
    _saved_ids,
    _show_saved_ids,
)
from gonghui.portal.assistance_views.reads import (
    MIN_HOUSEHOLD_ROWS,
    S,
    _error_text,
    _own_attachments,
    current_application,
    next_step,
    own_applications,
)
from gonghui.portal.consent_views import needs_assistance_consent
from gonghui.portal.views import member_required, person_of


def _membership_of(request):
    person = person_of(request.user)
    return person, (person.current_membership() if person else None)


@member_required
def assistance_home(request):
    """My hardship help: the application in progress and the earlier ones."""
    person, membership = _membership_of(request)
    applications = list(
        own_applications(request.user).prefetch_related(
            Prefetch("items", queryset=AidItem.objects.order_by("pk"))
        )
    )
    current = next((a for a in applications if a.state in OPEN_APPLICATION_STATES), None)
    history = [a for a in applications if a is not current]
    return render(
        request,
        "portal/assistance/home.html",
        {
            "person": person,
            "membership": membership,
            "current": current,
            "next_step": next_step(current),
            "history": history,
        },
    )


@member_required
def assistance_apply(request):
    """The one-page application form: start, save the draft, submit or resubmit."""
    person, membership = _membership_of(request)
    current = current_application(request.user)
    if current is not None and current.state not in EDITABLE_STATES:
        messages.info(request, _("Your application is being reviewed and cannot be changed now."))
        return redirect("portal:assistance-detail", pk=current.pk)
    if membership is None:
        return render(request, "portal/assistance/not_member.html", {"person": person})
    # Health, disability and household data only after her separate consent (PIPL Art. 29);
    # a form posted without it saves nothing.
    consent_first = needs_assistance_consent(request)
    if consent_first is not None:
        return redirect(consent_first)
    if current is not None:
        file = current.file
    else:
        # The member's own open household file (their own data, as above).
        file = (
            HardshipFile.objects.own(request.user)
            .filter(state__in=OPEN_FILE_STATES)
            .order_by("-pk")
            .first()
        )

    error = ""
    if request.method == "POST":
        rows = _posted_rows(request.POST)
        form = ApplicationForm(request.POST, household_choices=_household_choices(rows))
        formset = HouseholdFormSet(request.POST, prefix="household")
        if form.is_valid() and formset.is_valid():
            try:
                file_data, household, items, situation = _action_arguments(
                    form, formset, _saved_ids(file)
                )
                application = actions.member_save_application(
                    actor=request.user,
                    file_data=file_data,
                    household=household,
                    items=items,
                    situation=situation,
                )
            except ActionError as exc:
                error = _error_text(exc)
            else:
                return _after_save(request, application, submit="submit" in request.POST)
        else:
            error = _("Some fields are too long or not valid; see below.")
            if formset.non_form_errors():
                error = " ".join(formset.non_form_errors())
    else:
        initial, rows = _initial_from(current, file)
        padding = max(MIN_HOUSEHOLD_ROWS - len(rows), 2)
        rows = rows + [{} for _ in range(padding)]
        form = ApplicationForm(initial=initial, household_choices=_household_choices(rows))
        # The saved rows and a few empty ones: the page works without JavaScript.
        formset = HouseholdFormSet(initial=rows, prefix="household")
    _show_saved_ids(formset, _saved_ids(file))

    attachments = (
        list(_own_attachments(request.user).filter(application=current).order_by("pk"))
        if current
        else []
    )
    problems = actions.completeness_problems(current) if current is not None else []
    return render(
        request,
        "portal/assistance/apply.html",
        {
            "form": form,
            "formset": formset,
            "current": current,
            "file": file,
            "masked_account": mask_bank_card(file.bank_account) if file else "",
            "error": error,
            "problems": problems,
            "attachments": attachments,
            "upload_form": UploadForm(),
            "show_errors": bool(error),
        },
    )


def _after_save(request, application: Application, *, submit: bool):
    if not submit:
        messages.success(request, _("Your draft is saved. You can come back and finish it."))
        return redirect(reverse("portal:assistance-apply"))
    resubmit = application.state == S.RETURNED
    try:
        # The declared ``submit`` (workflows_cases.py): its check lists what is missing.
        application_states.run(application, request.user, "submit", face="portal")
    except TransitionRefused:
        messages.error(
            request,
            _("Your draft is saved, but it cannot be submitted yet. Still missing:"),
        )
        return redirect(reverse("portal:assistance-apply") + "#missing")
    except ActionError as exc:
        messages.error(request, _error_text(exc))
        return redirect(reverse("portal:assistance-apply") + "#missing")
    messages.success(
        request,
        _("Your corrected application was submitted again.")
        if resubmit
        else _("Your application was submitted. Your union will review it."),
    )
    return redirect("portal:assistance-detail", pk=application.pk)
