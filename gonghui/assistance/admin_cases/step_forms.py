"""The console page of one declared transition (a review step of an application, the
decision on an objection, closing a file) and the form that records an objection.

A transition's page shows its form — the one the declaration names, or the one built from
its API input — and runs it through the machine (``faces.run_posted``): the ``check`` that
disables its button refuses it here too, with the same reasons, and the action's own
refusals are shown on the form. Which transitions a user is offered, and so which pages she
may open, is the declarations' (:mod:`gonghui.assistance.workflows_cases`).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import actions
from gonghui.assistance.admin_cases._shared import CaseForm, DateInput, _render, _style
from gonghui.assistance.case_inputs import blank, item_label
from gonghui.platform.workflow.faces import form_for, run_posted

# The names the file pages used before the inputs moved to case_inputs.py.
_blank = blank
_item_label = item_label


def _bound_form(request, obj, transition):
    form = form_for(transition)(data=request.POST, files=request.FILES)
    if hasattr(form, "bind"):
        form.bind(request=request, obj=obj)
    return form


def transition_page(request, obj, offer, *, back: str, subject: str, opts, page_object=None):
    """Show the form of ``offer`` (a declared transition offered on the console) for ``obj``
    and run it when posted; back to ``back`` with its ``done`` message once it ran.
    ``page_object`` is the console object the page belongs to (default ``obj``; an
    objection's page belongs to its application)."""
    transition = offer.transition
    if request.method == "POST":
        try:
            _result, form = run_posted(request, obj, offer.name, "console")
        except PermissionDenied as exc:
            # The action's own permission guard: said on the form, like its other refusals.
            form = _bound_form(request, obj, transition)
            form.is_valid()
            form.add_error(None, str(exc) or _("You do not have permission to do this."))
        else:
            if not form.errors:
                messages.success(request, str(transition.done or offer.label))
                return HttpResponseRedirect(back)
    else:
        form = form_for(transition)()
        if hasattr(form, "bind"):
            form.bind(request=request, obj=obj)
    _style(form)
    return _render(
        request,
        "workflow/transition_form.html",
        {
            "object": page_object or obj,
            "offer": offer,
            "form": form,
            "back": back,
            "danger": transition.style == "danger",
            "intro": f"{subject} {transition.intro or ''}".strip(),
        },
        title=offer.label,
        opts=opts,
    )


class ObjectionForm(CaseForm):
    """Records an objection received during publicity (not a state change: the objection's
    decision is then a declared transition of its own)."""

    content = forms.CharField(
        label=_("What the objection says"), max_length=4000, widget=forms.Textarea({"rows": 4})
    )
    raised_by = forms.CharField(label=_("Raised by"), required=False, max_length=100)
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DateInput)

    def run_action(self):
        d = self.cleaned_data
        return actions.record_objection(
            actor=self.actor,
            application=self.obj,
            content=d["content"],
            raised_by=d.get("raised_by") or "",
            received_on=d.get("received_on"),
        )
