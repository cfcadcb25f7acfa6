"""Search pickers for choices too many to list (100k orgs): the form renders only the chosen
value, and select2 (Django admin's vendored copy) asks a JSON endpoint as the user types.

The endpoint is the page's own: it is given the queryset the form accepts (already narrowed by
``restrict`` for the action at hand, or the public union directory for a transfer target), so
the picker can offer nothing the form would refuse. Answers follow Django's autocomplete
format (``results``/``pagination``), 20 at a time."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import get_select2_language
from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

PAGE = 20
_DIGITS = re.compile(r"^\d{1,12}$")
_CODE = re.compile(r"^[0-9A-Z]{18}$")


def search_orgs(qs: QuerySet, term: str) -> QuerySet:
    """Orgs in ``qs`` found by what staff type: part of the name or short name, the unified
    social credit code (exact) or the org's number (exact)."""
    term = " ".join((term or "").split())[:50]
    if not term:
        return qs
    q = Q(name__icontains=term) | Q(short_name__icontains=term)
    compact = term.replace(" ", "").upper()
    if _CODE.match(compact):
        q |= Q(uscc=compact)
    if _DIGITS.match(compact):
        q |= Q(pk=int(compact))
    return qs.filter(q)


def org_label(org) -> str:
    short = getattr(org, "short_name", "")
    return f"{org.name}（{short}）" if short and short != org.name else org.name


def search_response(request, qs: QuerySet, search=search_orgs, label=org_label) -> JsonResponse:
    """One page of ``search(qs, term)`` as select2 reads it."""
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    found = search(qs, request.GET.get("term", "")).order_by("name", "pk")
    rows = list(found[(page - 1) * PAGE : page * PAGE + 1])
    return JsonResponse(
        {
            "results": [{"id": str(o.pk), "text": label(o)} for o in rows[:PAGE]],
            "pagination": {"more": len(rows) > PAGE},
        }
    )


class SearchSelect(forms.Select):
    """A select of a ModelChoiceField that renders only its chosen option and searches
    ``url`` for the others (select2 through Django admin's ``autocomplete.js``)."""

    def __init__(self, url, attrs=None, label=org_label):
        super().__init__(attrs)
        self.url = url
        self.label = label

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.update(
            {
                "data-ajax--cache": "true",
                "data-ajax--delay": 250,
                "data-ajax--type": "GET",
                "data-ajax--url": str(self.url),
                "data-theme": "admin-autocomplete",
                "data-allow-clear": "false" if self.is_required else "true",
                "data-placeholder": str(_("Type a name, short name, code or number")),
                "lang": get_select2_language() or "",
                "class": (attrs.get("class", "") + " admin-autocomplete").strip(),
            }
        )
        return attrs

    def optgroups(self, name, value, attrs=None):
        """Only the chosen value, read by its key: the other choices are never queried."""
        chosen = [str(v) for v in value if str(v).isdigit()]  # a posted key, never a name
        options = [self.create_option(name, "", "", False, 0)]
        queryset = getattr(self.choices, "queryset", None)
        if chosen and queryset is not None:
            for index, obj in enumerate(queryset.filter(pk__in=chosen)[:1], start=1):
                options.append(self.create_option(name, str(obj.pk), self.label(obj), True, index))
        return [(None, options, 0)]

    @property
    def media(self):
        extra = "" if settings.DEBUG else ".min"
        i18n = get_select2_language()
        return forms.Media(
            js=(
                f"admin/js/vendor/jquery/jquery{extra}.js",
                f"admin/js/vendor/select2/select2.full{extra}.js",
                *((f"admin/js/vendor/select2/i18n/{i18n}.js",) if i18n else ()),
                "admin/js/jquery.init.js",
                "admin/js/autocomplete.js",
            ),
            css={
                "screen": (
                    f"admin/css/vendor/select2/select2{extra}.css",
                    "admin/css/autocomplete.css",
                )
            },
        )


__all__ = ["SearchSelect", "org_label", "search_orgs", "search_response"]
