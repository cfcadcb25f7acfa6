"""Shared pieces of the case pages: labels, links, household and bank rows, the base form
(``CaseForm``) and the page renderers.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.assistance.choices import Cause
from gonghui.assistance.models import HardshipFile
from gonghui.console.sites import console_site
from gonghui.members.models import Person
from gonghui.members.search import search_people
from gonghui.platform.access.scoping import restrict
from gonghui.platform.pii import registry
from gonghui.platform.pii.actions import reveal_permission
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail
from gonghui.platform.workflow.base import ActionError

HIDDEN = _("hidden (sensitive)")
INPUT_CLASS = "border border-base-200 rounded-md px-3 py-2 w-full max-w-2xl"

STEP_LABELS = {
    # "Created" alone is an import's count of new rows (新增).
    "create": pgettext_lazy("application", "Created"),
    "submit": _("Submitted"),
    "first_review": _("First review"),
    "home_visit": _("Home visit"),
    "verify": _("Verification"),
    "objection": _("Objection recorded"),
    "objection_upheld": _("Objection upheld"),
    "end_publicity": _("Publicity ended"),
    "escalate": _("Referred to the higher level for approval"),
    "approve": _("Approved"),
    "complete": _("Completed"),
    "return": _("Returned for correction"),
    "reject": _("Rejected"),
    "withdraw": pgettext_lazy("application", "Withdrawn"),
}


def holds(user, perm: str, obj) -> bool:
    """Whether ``user`` holds ``perm`` on ``obj`` (the permission and a grant covering it)."""
    if not user.has_perm(perm):
        return False
    return restrict(type(obj), user, perm).filter(pk=obj.pk).exists()


def case_url(application) -> str:
    return reverse("console:assistance_application_change", args=[application.pk])


def file_url(file) -> str:
    return reverse("console:assistance_hardshipfile_change", args=[file.pk])


def attachment_url(attachment) -> str | None:
    try:
        return reverse("console-assistance-attachment", args=[attachment.public_id])
    except NoReverseMatch:
        return None


def household_rows(file, sensitive: bool) -> list:
    """The household members to show: none without the sensitive-data permission."""
    if not sensitive:
        return []
    rows = [m for m in file.household.all() if m.name]  # blanked rows were removed
    for m in rows:
        m.masked_id = mask_id_detail(m.id_number) if m.id_number else ""
    return rows


def bank_reveal_fields(user, file) -> list:
    """The reveal button for the bank account, only for users whose role may reveal it."""
    entry = registry.lookup(HardshipFile, "bank_account")
    if not file.bank_account or entry is None:
        return []
    if not user.has_perm(reveal_permission(entry.category, entry.sensitivity)):
        return []
    return [("bank_account", _("Bank account"), mask_bank_card(file.bank_account))]


def secondary_causes(file) -> list:
    return [Cause(c).label for c in file.secondary_causes if c in Cause.values]


def _people_matching(user, term: str):
    """Primary keys of the people in ``user``'s scope matching a name, ID number or phone."""
    return search_people(restrict(Person, user, "view"), term).values("pk")


def _style(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
            continue
        widget.attrs.setdefault("class", INPUT_CLASS)


class DateInput(forms.DateInput):
    input_type = "date"


class CaseForm(forms.Form):
    """A small form whose ``clean()`` runs one action: an ActionError or a refused permission
    becomes a form error on the same page (with the action's own message); OutOfScope is a
    404 and is not caught."""

    def __init__(self, *args, request, obj=None, **kwargs):
        self.request = request
        self.obj = obj
        self.result = None
        super().__init__(*args, **kwargs)
        self.setup()
        _style(self)

    def setup(self):
        return None

    def run_action(self):  # pragma: no cover - each form implements it
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.result = self.run_action()
        except ActionError:
            raise
        except PermissionDenied as exc:
            message = str(exc) or _("You do not have permission to do this.")
            raise ValidationError(message) from exc
        return cleaned

    @property
    def actor(self):
        return self.request.user


def _render(request, template, context, *, title, opts):
    context = {
        **console_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        **context,
    }
    request.current_app = console_site.name
    return TemplateResponse(request, template, context)


def _form_page(request, form, *, title, opts, back, intro="", button=None, danger=False):
    return _render(
        request,
        "assistance/console/cases_form.html",
        {
            "form": form,
            "back": back,
            "intro": intro,
            "button": button or _("Save"),
            "danger": danger,
            "multipart": form.is_multipart(),
        },
        title=title,
        opts=opts,
    )
