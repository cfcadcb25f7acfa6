"""What the union-building console pages share: masked phone fields, the audited "show full
value" panel on change pages, choice fields narrowed to the user's scope, the serving filter."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.choices import OrgKind
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.validators import validate_mobile

NO_CHILDREN = [OrgKind.GRASSROOTS, OrgKind.HOLDING_POOL]


def _phone_field(label=None):
    return forms.CharField(
        label=label or _("Mobile phone"),
        required=False,
        max_length=20,
        validators=[validate_mobile],
        help_text=_("Leave empty to keep the current number."),
    )


def _choices(form, name: str, queryset) -> None:
    """Restrict a choice field to the user's scope, if the form shows it (view-only and
    change forms leave some fields out)."""
    if name in form.fields:
        form.fields[name].queryset = queryset


def _masked(value) -> str:
    return mask_phone(value) if value else ""


class RevealMixin:
    """Change pages show encrypted phones masked, with the audited "show full value" panel."""

    reveal: tuple = ()  # (field name, label)
    change_form_template = "orgs/building/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "reveal_fields": [
                (field, label, mask_phone(getattr(obj, field)))
                for field, label in self.reveal
                if getattr(obj, field)
            ],
            "reveal_object": obj,
            "reveal_label": obj._meta.label_lower,
        }
        return super().change_view(request, object_id, form_url, extra_context)


class ServingFilter(admin.SimpleListFilter):
    title = _("serving")
    parameter_name = "serving"
    ended_field = "ended_on"

    def lookups(self, request, model_admin):
        return [("yes", _("Serving")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{f"{self.ended_field}__isnull": True})
        if self.value() == "no":
            return queryset.filter(**{f"{self.ended_field}__isnull": False})
        return queryset
