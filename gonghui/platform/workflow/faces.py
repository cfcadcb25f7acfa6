"""The faces of declared transitions: the buttons, the form of one transition, and the one
console page that runs it (issue #12 §1, ADR 0013).

* :func:`offers` lists what :meth:`StateMachine.offered` gives, each with the URL that runs
  it on that face; a transition whose ``check`` has reasons comes back disabled with the
  reasons, and the template ``workflow/buttons.html`` shows it greyed out with the reasons
  written beside it (a phone has no hover).
* :func:`form_for` is the Django form a person fills in: the transition's own ``form`` when it
  declares one, otherwise a form built from its API ``input`` schema (the same fields, limits and
  choices the API enforces), so the console, the portal and the API ask for the same things.
* :func:`run_posted` validates a posted form, runs the transition through the machine (so the
  same ``check`` refuses it on every face) and returns the form with the refusal on it.
* :class:`TransitionAdmin` gives a model admin one page per transition,
  ``<pk>/do/<name>/``, built from the declarations: a model's console needs no hand-written
  one-action views.

How a face reaches a transition is set where the face lives: the admin mixin links the
console, and a portal view calls :meth:`StateMachine.link` for ``"portal"``.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import typing
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.workflow.transitions import Offer, StateMachine, Transition, machine_for


@dataclass(frozen=True)
class Button:
    """One offered transition on one face: what the template needs."""

    name: str
    label: str
    url: str
    enabled: bool
    reasons: tuple[str, ...]
    style: str
    key: str = ""  # unique on a page: "<model>-<pk>-<name>" (ids of the reasons' text)


def offers(obj, user, face: str = "console", machine: StateMachine | None = None) -> list[Button]:
    """The buttons ``user`` sees on ``obj`` on ``face`` (none when the model declares no
    workflow)."""
    machine = machine or machine_for(type(obj))
    if machine is None:
        return []
    link = machine.links.get(face)
    buttons = []
    for offer in machine.offered(obj, user, face):
        buttons.append(
            Button(
                name=offer.name,
                label=offer.label,
                url=link(obj, offer.name) if link else "",
                enabled=offer.enabled,
                reasons=offer.reasons,
                style=offer.transition.style,
                key=f"{type(obj)._meta.model_name}-{obj.pk}-{offer.name}",
            )
        )
    return buttons


# --- forms ----------------------------------------------------------------------------------


def _field_for(name: str, info) -> forms.Field:
    """A Django field for one pydantic field of an input schema."""
    annotation = info.annotation
    required = info.is_required()
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and args:
        # ``X | None`` is optional; in ``Tier | Literal[""]`` the blank literal only allows an
        # empty answer, so the field is the other member.
        others = [a for a in args if typing.get_origin(a) is not typing.Literal]
        annotation = others[0] if others else args[0]
        if len(args) < len(typing.get_args(info.annotation)):
            required = False
        origin = typing.get_origin(annotation)
    label = gettext(info.title) if info.title else name.replace("_", " ").capitalize()
    help_text = gettext(info.description) if info.description else ""
    max_length = None
    for meta in info.metadata:
        max_length = getattr(meta, "max_length", None) or max_length
    common = {"label": label, "required": required, "help_text": help_text}
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        return forms.ChoiceField(choices=[(v, v) for v in values], **common)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        choices = getattr(annotation, "choices", None) or [(m.value, m.name) for m in annotation]
        return forms.ChoiceField(choices=[("", "---------"), *choices], **common)
    if annotation is bool:
        return forms.BooleanField(**{**common, "required": False})
    if annotation is int:
        return forms.IntegerField(**common)
    if annotation is decimal.Decimal:
        return forms.DecimalField(decimal_places=2, max_digits=12, **common)
    if annotation is datetime.date:
        return forms.DateField(widget=forms.DateInput({"type": "date"}), **common)
    widget = forms.Textarea({"rows": 3}) if (max_length or 0) > 200 else None
    return forms.CharField(max_length=max_length, widget=widget, **common)


def form_for(transition: Transition) -> type[forms.Form]:
    """The form of one transition: its declared ``form``, else one built from ``input``."""
    if transition.form is not None:
        return transition.form
    fields = {}
    schema = transition.input
    if schema is not None:
        for name, info in schema.model_fields.items():
            fields[name] = _field_for(name, info)
    return type(f"{transition.name.title().replace('_', '')}Form", (forms.Form,), fields)


def _data(transition: Transition, form: forms.Form) -> dict:
    """Posted values as the API would receive them: validated by the input schema."""
    data = dict(form.cleaned_data)
    if transition.input is None or transition.form is not None:
        return data
    fields = transition.input.model_fields
    payload = {
        k: v
        for k, v in data.items()
        if v not in (None, "") or (k in fields and fields[k].is_required())
    }
    return transition.input(**payload).dict()


def run_posted(request, obj, name: str, face: str, machine: StateMachine | None = None):
    """Validate ``request.POST`` for transition ``name`` and run it on ``obj``.

    Returns ``(result, form)``: ``result`` is what ``execute`` returned, or ``None`` when the
    form has errors or the transition was refused (the reasons are on the form)."""
    machine = machine or machine_for(type(obj))
    transition = machine.transitions[name]
    form_class = form_for(transition)
    kwargs = {"data": request.POST, "files": request.FILES}
    form = form_class(**kwargs)
    if hasattr(form, "bind"):
        form.bind(request=request, obj=obj)
    if not form.is_valid():
        return None, form
    try:
        data = _data(transition, form)
        return machine.run(obj, request.user, name, data, face=face), form
    except ValidationError as exc:  # ActionError and TransitionRefused included
        for message in exc.messages:
            form.add_error(None, message)
    except Exception as exc:  # pydantic's ValidationError: say which field
        errors = getattr(exc, "errors", None)
        if not callable(errors):
            raise
        for err in errors():
            loc = err.get("loc") or ()
            field = loc[0] if loc and loc[0] in form.fields else None
            form.add_error(field, err.get("msg", ""))
    return None, form


# --- the console ----------------------------------------------------------------------------


class TransitionAdmin:
    """Mixin for a ModelAdmin of a model with a registered workflow: adds
    ``<pk>/do/<name>/`` (URL name ``<app>_<model>_do``) that shows the transition's form and
    runs it, links the console face to it, and puts ``transition_buttons`` in the change
    form's context (render them with ``{% include "workflow/buttons.html" %}``)."""

    transition_template = "workflow/transition_form.html"

    def get_urls(self):
        opts = self.model._meta
        machine = machine_for(self.model)
        if machine is not None:
            machine.link("console", self.transition_url)
        return [
            path(
                "<int:object_id>/do/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{opts.app_label}_{opts.model_name}_do",
            ),
            *super().get_urls(),
        ]

    def transition_url(self, obj, name: str) -> str:
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_do", args=[obj.pk, name]
        )

    def after_transition_url(self, request, obj) -> str:
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        )

    def transition_object(self, request, object_id):
        return get_scoped_or_404(self.model, request.user, "view", pk=object_id)

    def transition_view(self, request, object_id, name):
        obj = self.transition_object(request, object_id)
        machine = machine_for(self.model)
        offer = next(
            (o for o in machine.offered(obj, request.user, "console") if o.name == name), None
        )
        if offer is None:
            raise Http404
        transition = offer.transition
        back = self.after_transition_url(request, obj)
        if request.method == "POST" and offer.enabled:
            result, form = run_posted(request, obj, name, "console", machine)
            if not form.errors:
                message = transition.done or _("Done: %(label)s.") % {"label": offer.label}
                messages.success(request, str(message))
                return HttpResponseRedirect(back)
        else:
            form = form_for(transition)()
            if hasattr(form, "bind"):
                form.bind(request=request, obj=obj)
        context = {
            **self.admin_site.each_context(request),
            "title": offer.label,
            "object": obj,
            "opts": self.model._meta,
            "offer": offer,
            "form": form,
            "back": back,
            "danger": transition.style == "danger",
            "intro": transition.intro,
        }
        request.current_app = self.admin_site.name
        return render(request, self.transition_template, context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The change view has read the object already: no second read for the buttons.
        if obj is not None and machine_for(self.model) is not None:
            context["transition_buttons"] = offers(obj, request.user, "console")
        return super().render_change_form(request, context, add, change, form_url, obj)


def offer_for(obj, user, name: str, face: str) -> Offer | None:
    """The offer of transition ``name`` to ``user`` on ``face`` (``None``: not offered)."""
    machine = machine_for(type(obj))
    if machine is None:
        return None
    return next((o for o in machine.offered(obj, user, face) if o.name == name), None)


__all__ = ["Button", "TransitionAdmin", "form_for", "offer_for", "offers", "run_posted"]
